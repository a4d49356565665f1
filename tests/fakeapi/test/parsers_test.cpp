// The fake's parsers and small pieces, each with well-formed, malformed and
// hostile input: JSON patches, selectors, JSONPath, schemas, YAML, base64,
// paths, durations, the token file and the history store.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "json_util.hpp"
#include "jsonpath.hpp"
#include "object_store.hpp"
#include "resource_path.hpp"
#include "schema.hpp"
#include "selectors.hpp"
#include "table.hpp"
#include "token_file.hpp"
#include "yaml_body.hpp"

namespace trove::fakeapi {
namespace {

json::Document doc(const std::string& text) {
  json::Document d;
  std::string error;
  EXPECT_TRUE(json::parse(text, d, &error)) << error << " in " << text;
  return d;
}

std::string merge(const std::string& target, const std::string& patch) {
  json::Document t = doc(target);
  json::Document p = doc(patch);
  json::merge_patch(t, p, t.GetAllocator());
  return json::to_string(t);
}

TEST(MergePatch, Rfc7386Examples) {
  EXPECT_EQ(merge(R"({"a":"b"})", R"({"a":"c"})"), R"({"a":"c"})");
  EXPECT_EQ(merge(R"({"a":"b"})", R"({"b":"c"})"), R"({"a":"b","b":"c"})");
  EXPECT_EQ(merge(R"({"a":"b"})", R"({"a":null})"), R"({})");
  EXPECT_EQ(merge(R"({"a":[{"b":"c"}]})", R"({"a":[1]})"), R"({"a":[1]})");
  EXPECT_EQ(merge(R"({"e":null})", R"({"a":1})"), R"({"e":null,"a":1})");
  EXPECT_EQ(merge(R"([1,2])", R"({"a":"b","c":null})"), R"({"a":"b"})");
  EXPECT_EQ(merge(R"({})", R"({"a":{"bb":{"ccc":null}}})"), R"({"a":{"bb":{}}})");
}

std::string patch(const std::string& target, const std::string& ops, std::string* error = nullptr) {
  json::Document t = doc(target);
  json::Document p = doc(ops);
  std::string e = json::json_patch(t, p, t.GetAllocator());
  if (error != nullptr) *error = e;
  return e.empty() ? json::to_string(t) : "error";
}

TEST(JsonPatch, AllOperations) {
  EXPECT_EQ(patch(R"({"a":[1,3]})", R"([{"op":"add","path":"/a/1","value":2}])"),
            R"({"a":[1,2,3]})");
  EXPECT_EQ(patch(R"({"a":[1]})", R"([{"op":"add","path":"/a/-","value":2}])"), R"({"a":[1,2]})");
  EXPECT_EQ(patch(R"({"a":1,"b":2})", R"([{"op":"remove","path":"/a"}])"), R"({"b":2})");
  EXPECT_EQ(patch(R"({"a":1})", R"([{"op":"replace","path":"/a","value":[]}])"), R"({"a":[]})");
  EXPECT_EQ(patch(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a/b","path":"/c"}])"),
            R"({"a":{},"c":1})");
  EXPECT_EQ(patch(R"({"a":[1]})", R"([{"op":"copy","from":"/a/0","path":"/b"}])"),
            R"({"a":[1],"b":1})");
  EXPECT_EQ(patch(R"({"a~b":{"c/d":1}})", R"([{"op":"test","path":"/a~0b/c~1d","value":1}])"),
            R"({"a~b":{"c/d":1}})");
  EXPECT_EQ(patch(R"({"a":1})", R"([{"op":"replace","path":"","value":{"z":0}}])"), R"({"z":0})");
}

TEST(JsonPatch, RejectsMalformedOperations) {
  for (const char* ops :
       {R"({"op":"add"})", R"([{"op":"add","path":"/a"}])", R"([{"op":"jump","path":"/a"}])",
        R"([{"op":"remove","path":"/missing"}])", R"([{"op":"add","path":"/a/5","value":1}])",
        R"([{"op":"add","path":"a","value":1}])", R"([{"op":"add","path":"/x~2","value":1}])",
        R"([{"op":"add","path":"/a/01","value":1}])",
        R"([{"op":"move","from":"/a","path":"/a/b"}])",
        R"([{"op":"replace","path":"/nope","value":1}])",
        R"([{"op":"test","path":"/a","value":2}])", R"([{"op":"copy","path":"/b"}])",
        R"([{"path":"/a"}])", R"([{"op":"remove","path":""}])"}) {
    std::string error;
    EXPECT_EQ(patch(R"({"a":[1]})", ops, &error), "error") << ops;
    EXPECT_FALSE(error.empty());
  }
}

TEST(JsonParse, RefusesDeepNestingButNotBracketsInStrings) {
  json::Document d;
  std::string error;
  EXPECT_FALSE(json::parse(std::string(300, '[') + std::string(300, ']'), d, &error));
  EXPECT_NE(error.find("nested"), std::string::npos);
  EXPECT_TRUE(json::parse("{\"a\":\"" + std::string(1000, '[') + "\\\"\"}", d, &error)) << error;
  EXPECT_FALSE(json::parse("{\"a\":", d, &error));
}

bool labels_match(const std::string& selector, const std::string& labels) {
  std::string error;
  auto s = LabelSelector::parse(selector, &error);
  EXPECT_TRUE(s) << selector << ": " << error;
  return s && s->matches(doc(R"({"metadata":{"labels":)" + labels + "}}"));
}

TEST(LabelSelector, Operators) {
  EXPECT_TRUE(labels_match("", "{}"));
  EXPECT_TRUE(labels_match("a=1", R"({"a":"1"})"));
  EXPECT_TRUE(labels_match("a==1, b", R"({"a":"1","b":""})"));
  EXPECT_FALSE(labels_match("a=1", R"({"a":"2"})"));
  EXPECT_TRUE(labels_match("a!=1", "{}")) << "!= matches a missing label";
  EXPECT_TRUE(labels_match("a in (1, 2)", R"({"a":"2"})"));
  EXPECT_FALSE(labels_match("a in (1,2)", "{}"));
  EXPECT_TRUE(labels_match("a notin (1,2)", "{}"));
  EXPECT_FALSE(labels_match("a notin (1,2)", R"({"a":"1"})"));
  EXPECT_TRUE(labels_match("!a", R"({"b":"1"})"));
  EXPECT_TRUE(
      labels_match("app.kubernetes.io/name=trove", R"({"app.kubernetes.io/name":"trove"})"));
}

TEST(LabelSelector, RejectsMalformed) {
  for (const char* bad : {"a in (1", "a in 1)", "a in ((1))", "a between (1)", "a=b c", ",",
                          "a=1,,b=2", "=1", "a=\x01", "!", "a in (x y)"}) {
    std::string error;
    EXPECT_FALSE(LabelSelector::parse(bad, &error)) << bad;
  }
  std::string error;
  EXPECT_FALSE(LabelSelector::parse(std::string(20000, 'a'), &error));
  EXPECT_FALSE(LabelSelector::parse("a=" + std::string(64, 'v'), &error))
      << "values are at most 63";
}

TEST(FieldSelector, SupportedFieldsPerKind) {
  std::string error;
  auto pods = FieldSelector::parse("status.phase=Running,metadata.name!=x", "Pod", &error);
  ASSERT_TRUE(pods) << error;
  EXPECT_TRUE(pods->matches(doc(R"({"metadata":{"name":"y"},"status":{"phase":"Running"}})")));
  EXPECT_FALSE(pods->matches(doc(R"({"metadata":{"name":"x"},"status":{"phase":"Running"}})")));
  EXPECT_FALSE(FieldSelector::parse("status.phase=Running", "TestHunt", &error));
  EXPECT_FALSE(FieldSelector::parse("metadata.name", "Pod", &error));
  auto pinned = FieldSelector::parse("metadata.name==alpha", "TestHunt", &error);
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pinned->pinned_name().value_or(""), "alpha");
}

std::vector<std::string> eval(const std::string& path, const std::string& json) {
  std::string error;
  auto p = JsonPath::parse(path, &error);
  EXPECT_TRUE(p) << path << ": " << error;
  std::vector<std::string> out;
  if (!p) return out;
  json::Document d = doc(json);
  for (const json::Value* v : p->evaluate(d))
    out.push_back(json::to_string(*v));
  return out;
}

TEST(JsonPath, PrinterColumnSubset) {
  const std::string object = R"({"spec":{"n":3,"list":[{"a":1},{"a":2}],"x.y":"dotted"},
    "status":{"conditions":[{"type":"Synced","status":"False"},{"type":"Ready","status":"True","n":1}]}})";
  EXPECT_EQ(eval(".spec.n", object), std::vector<std::string>{"3"});
  EXPECT_EQ(eval("{.spec.list[1].a}", object), std::vector<std::string>{"2"});
  EXPECT_EQ(eval(".spec.list[-1].a", object), std::vector<std::string>{"2"});
  EXPECT_EQ(eval(".spec.list[*].a", object), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(eval(".spec['x.y']", object), std::vector<std::string>{R"("dotted")"});
  EXPECT_EQ(eval(R"(.spec.x\.y)", object), std::vector<std::string>{R"("dotted")"});
  EXPECT_EQ(eval(R"(.status.conditions[?(@.type=="Ready")].status)", object),
            std::vector<std::string>{R"("True")"});
  EXPECT_EQ(eval(R"(.status.conditions[?(@.type!='Ready')].status)", object),
            std::vector<std::string>{R"("False")"});
  EXPECT_EQ(eval(R"(.status.conditions[?(@.n==1)].type)", object),
            std::vector<std::string>{R"("Ready")"});
  EXPECT_TRUE(eval(".spec.missing.deeper", object).empty());
  EXPECT_TRUE(eval(".spec.list[7]", object).empty());
}

TEST(JsonPath, RejectsMalformed) {
  for (const char* bad : {"", "spec", ".spec[", ".spec[x]", ".spec['x", ".a[?(@.t=)]",
                          ".a[?(@.t==\"x\"]", ".a[?(@.t==bare)]", ".a..b", ".a b", "{}"}) {
    std::string error;
    EXPECT_FALSE(JsonPath::parse(bad, &error)) << bad;
  }
  std::string error;
  EXPECT_FALSE(JsonPath::parse("." + std::string(5000, 'a'), &error));
}

TEST(Schema, DefaultsPruningAndValidation) {
  json::Document schema = doc(R"({"type":"object","properties":{
    "spec":{"type":"object","required":["n"],"properties":{
      "n":{"type":"integer"},"mode":{"type":"string","default":"poll","enum":["poll","push"]},
      "nested":{"type":"object","default":{},"properties":{"d":{"type":"integer","default":7}}},
      "items":{"type":"array","items":{"type":"object","properties":{"k":{"type":"string","default":"v"}}}},
      "map":{"type":"object","additionalProperties":{"type":"object","properties":{"z":{"type":"boolean","default":true}}}},
      "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
      "ios":{"x-kubernetes-int-or-string":true}}}}})");
  json::Document object =
      doc(R"({"apiVersion":"g/v","kind":"K","metadata":{"name":"n","anything":1},
    "spec":{"n":1,"items":[{}],"map":{"a":{}},"free":{"u":1},"ios":"50%","junk":1},"top":2})");
  schema::apply_defaults(object, schema, object.GetAllocator());
  auto removed = schema::prune(object, schema);
  EXPECT_EQ(removed, (std::vector<std::string>{".spec.junk", ".top"}));
  EXPECT_EQ(
      json::to_string(*json::find(object, "spec")),
      R"({"n":1,"items":[{"k":"v"}],"map":{"a":{"z":true}},"free":{"u":1},"ios":"50%","mode":"poll","nested":{"d":7}})");
  EXPECT_NE(json::find(*json::find(object, "metadata"), "anything"), nullptr)
      << "metadata is never pruned";
  EXPECT_TRUE(schema::validate(object, schema).empty());

  json::Document wrong = doc(R"({"spec":{"mode":"pull","ios":1.5,"items":[{"k":3}]}})");
  auto violations = schema::validate(wrong, schema);
  std::vector<std::string> fields;
  fields.reserve(violations.size());
  for (const auto& v : violations)
    fields.push_back(v.field);
  EXPECT_EQ(fields,
            (std::vector<std::string>{"spec.n", "spec.mode", "spec.ios", "spec.items[0].k"}));
}

TEST(Schema, DeepObjectsAreBounded) {
  json::Document schema = doc(R"({"type":"object","x-kubernetes-preserve-unknown-fields":true})");
  std::string deep = "{\"a\":";
  for (int i = 0; i < 200; ++i)
    deep += "{\"a\":";
  deep += "1" + std::string(201, '}');
  json::Document object = doc(deep);
  schema::apply_defaults(object, schema, object.GetAllocator());
  EXPECT_TRUE(schema::prune(object, schema).empty());
  EXPECT_TRUE(schema::validate(object, schema).empty());
}

TEST(YamlBody, ScalarsAndStructures) {
  json::Document d;
  std::string error;
  ASSERT_TRUE(
      parse_json_or_yaml("a: 1\nb: 'two'\nc: [true, ~, 1.5, \"3\"]\nd: {e: no}\n", d, &error))
      << error;
  EXPECT_EQ(json::to_string(d), R"({"a":1,"b":"two","c":[true,null,1.5,"3"],"d":{"e":"no"}})");
  EXPECT_FALSE(parse_json_or_yaml("a: [1, 2\n", d, &error));
  EXPECT_FALSE(parse_json_or_yaml("? [a]\n: b\n", d, &error)) << "non-scalar keys";
  std::string deep;
  for (int i = 0; i < 150; ++i)
    deep += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k:\n";
  EXPECT_FALSE(parse_json_or_yaml(deep, d, &error));
}

TEST(ResourcePath, Parts) {
  auto r = parse_resource_path("/apis/g.dev/v1/namespaces/ns/things/x/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->group + "|" + r->version + "|" + r->ns + "|" + r->plural + "|" + r->name + "|" +
                r->subresource,
            "g.dev|v1|ns|things|x|status");
  auto ns = parse_resource_path("/api/v1/namespaces/team");
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->plural + "|" + ns->name, "namespaces|team");
  auto ns_status = parse_resource_path("/api/v1/namespaces/team/status");
  ASSERT_TRUE(ns_status);
  EXPECT_EQ(ns_status->plural + "|" + ns_status->name + "|" + ns_status->subresource,
            "namespaces|team|status");
  auto pods = parse_resource_path("/api/v1/namespaces/team/pods");
  ASSERT_TRUE(pods);
  EXPECT_EQ(pods->ns + "|" + pods->plural, "team|pods");
  for (const char* bad : {"", "/", "/api", "/api/v1", "/apis/g/v1", "/api/v1/a/b/c/d",
                          "/api/v1/pods//x", "/api/v1/namespaces/../pods", "/other/v1/pods"}) {
    EXPECT_FALSE(parse_resource_path(bad)) << bad;
  }
}

TEST(Base64, RoundTripAndRejects) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba",
                                                       "foobar", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(base64_decode(base64_encode(s)).value_or("<bad>"), s);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  for (const char* bad : {"Zm9", "Zm9v!mFy", "Z===", "=Zm9", "Zm=v"})
    EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(HumanDuration, KubernetesThresholds) {
  EXPECT_EQ(table::human_duration(-5), "<invalid>");
  EXPECT_EQ(table::human_duration(-1), "0s");
  EXPECT_EQ(table::human_duration(0), "0s");
  EXPECT_EQ(table::human_duration(119), "119s");
  EXPECT_EQ(table::human_duration(125), "2m5s");
  EXPECT_EQ(table::human_duration(180), "3m");
  EXPECT_EQ(table::human_duration(3600), "60m");
  EXPECT_EQ(table::human_duration(3 * 3600 + 60), "3h1m");
  EXPECT_EQ(table::human_duration(10 * 3600), "10h");
  EXPECT_EQ(table::human_duration(3 * 86400 + 3600), "3d1h");
  EXPECT_EQ(table::human_duration(30 * 86400), "30d");
  EXPECT_EQ(table::human_duration(3 * 365 * 86400), "3y");
}

TEST(TokenFile, ReReadsOnChangeAndRefusesOversize) {
  auto path =
      std::filesystem::temp_directory_path() / ("fakeapi-token-" + std::to_string(::getpid()));
  TokenFile token(path);
  EXPECT_FALSE(token.accepts("Bearer x")) << "missing file accepts nothing";
  std::ofstream(path) << "  abc\n";
  EXPECT_TRUE(token.accepts("Bearer abc"));
  EXPECT_FALSE(token.accepts("Bearer abcd"));
  EXPECT_FALSE(token.accepts("abc"));
  EXPECT_FALSE(token.accepts("Basic abc"));
  std::ofstream(path, std::ios::trunc) << "rotated";
  EXPECT_TRUE(token.accepts("Bearer rotated"));
  std::ofstream(path, std::ios::trunc) << "";
  EXPECT_FALSE(token.accepts("Bearer ")) << "an empty token accepts nothing";
  std::ofstream(path, std::ios::trunc) << std::string(100000, 'x');
  EXPECT_FALSE(token.accepts("Bearer " + std::string(100000, 'x')));
  std::filesystem::remove(path);
}

TEST(ObjectStore, HistoryAndCompaction) {
  ObjectStore store(3);
  auto put = [&](const std::string& name) {
    json::Document d = doc(R"({"metadata":{"name":")" + name + "\"}}");
    std::uint64_t rv = store.next_rv();
    store.put("/pods", "ns", name, freeze(std::move(d), rv));
    return rv;
  };
  std::uint64_t first = put("a");
  put("b");
  put("c");
  std::vector<const ChangeEvent*> events;
  EXPECT_TRUE(store.events_after(first - 1, events));
  EXPECT_EQ(events.size(), 3u);
  put("d");
  events.clear();
  EXPECT_FALSE(store.events_after(first - 1, events)) << "evicted from a 3-event history";
  EXPECT_TRUE(store.events_after(first, events));
  EXPECT_EQ(events.size(), 3u);
  store.compact();
  events.clear();
  EXPECT_FALSE(store.events_after(first, events));
  EXPECT_TRUE(store.events_after(store.current_rv(), events));
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(store.list("/pods", "ns").size(), 4u);
  EXPECT_EQ(store.list("/pods", "other").size(), 0u);
}

}  // namespace
}  // namespace trove::fakeapi
