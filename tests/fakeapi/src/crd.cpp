#include "crd.hpp"

namespace trove::fakeapi::crd {

namespace {

std::vector<std::string> strings_at(const json::Value& root,
                                    std::initializer_list<std::string_view> path) {
  std::vector<std::string> out;
  const json::Value* v = json::at(root, path);
  if (v == nullptr || !v->IsArray()) return out;
  for (const auto& item : v->GetArray()) {
    if (item.IsString()) out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

json::Value condition(const char* type, const char* reason, const char* message,
                      const std::string& now, json::Allocator& a) {
  json::Value c(rapidjson::kObjectType);
  c.AddMember("type", json::str(type, a), a);
  c.AddMember("status", "True", a);
  c.AddMember("lastTransitionTime", json::str(now, a), a);
  c.AddMember("reason", json::str(reason, a), a);
  c.AddMember("message", json::str(message, a), a);
  return c;
}

}  // namespace

std::optional<ApiError> prepare(json::Value& crd, json::Allocator& a) {
  std::string name = json::string_at(crd, {"metadata", "name"});
  std::string group = json::string_at(crd, {"spec", "group"});
  std::string plural = json::string_at(crd, {"spec", "names", "plural"});
  std::string kind = json::string_at(crd, {"spec", "names", "kind"});
  auto invalid = [&](const std::string& field, const std::string& why) {
    return ApiError::invalid("apiextensions.k8s.io", "CustomResourceDefinition", name, field, why);
  };
  if (group.empty()) return invalid("spec.group", "Required value");
  if (plural.empty()) return invalid("spec.names.plural", "Required value");
  if (kind.empty()) return invalid("spec.names.kind", "Required value");
  if (name != plural + "." + group) {
    return invalid("metadata.name",
                   "Invalid value: \"" + name + "\": must be spec.names.plural+\".\"+spec.group");
  }
  std::string scope = json::string_at(crd, {"spec", "scope"});
  if (scope != "Namespaced" && scope != "Cluster") {
    return invalid("spec.scope", "Unsupported value: \"" + scope +
                                     "\": supported values: \"Cluster\", \"Namespaced\"");
  }
  const json::Value* versions = json::at(crd, {"spec", "versions"});
  if (versions == nullptr || !versions->IsArray() || versions->Empty()) {
    return invalid("spec.versions",
                   "Invalid value: must have exactly one version marked as storage version");
  }
  std::string storage;
  int storage_count = 0;
  for (const auto& v : versions->GetArray()) {
    if (json::string_at(v, {"name"}).empty())
      return invalid("spec.versions[].name", "Required value");
    const json::Value* s = json::find(v, "storage");
    if (s != nullptr && s->IsBool() && s->GetBool()) {
      ++storage_count;
      storage = json::string_at(v, {"name"});
    }
  }
  if (storage_count != 1) {
    return invalid("spec.versions",
                   "Invalid value: must have exactly one version marked as storage version");
  }

  json::Value& status = json::ensure_object(crd, "status", a);
  json::Value names;
  names.CopyFrom(*json::at(crd, {"spec", "names"}), a);
  json::Value* singular = json::find(names, "singular");
  if (singular == nullptr || !singular->IsString() || singular->GetStringLength() == 0) {
    std::string lower = kind;
    for (char& c : lower)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    json::set(names, "singular", json::str(lower, a), a);
  }
  if (json::find(names, "listKind") == nullptr)
    json::set(names, "listKind", json::str(kind + "List", a), a);
  json::set(status, "acceptedNames", std::move(names), a);
  if (json::find(status, "conditions") == nullptr) {
    std::string now = rfc3339_now();
    json::Value conditions(rapidjson::kArrayType);
    conditions.PushBack(condition("NamesAccepted", "NoConflicts", "no conflicts found", now, a), a);
    conditions.PushBack(condition("Established", "InitialNamesAccepted",
                                  "the initial names have been accepted", now, a),
                        a);
    json::set(status, "conditions", std::move(conditions), a);
  }
  json::Value stored(rapidjson::kArrayType);
  stored.PushBack(json::str(storage, a), a);
  json::set(status, "storedVersions", std::move(stored), a);
  return std::nullopt;
}

void register_kinds(ApiState& state, const json::Value& crd) {
  std::string group = json::string_at(crd, {"spec", "group"});
  std::string plural = json::string_at(crd, {"spec", "names", "plural"});
  state.registry.remove_custom(group, plural);
  const json::Value* versions = json::at(crd, {"spec", "versions"});
  if (versions == nullptr || !versions->IsArray()) return;
  for (const auto& v : versions->GetArray()) {
    const json::Value* served = json::find(v, "served");
    if (served != nullptr && served->IsBool() && !served->GetBool()) continue;
    ResourceType t;
    t.group = group;
    t.version = json::string_at(v, {"name"});
    t.plural = plural;
    t.kind = json::string_at(crd, {"spec", "names", "kind"});
    t.singular = json::string_at(crd, {"status", "acceptedNames", "singular"});
    t.namespaced = json::string_at(crd, {"spec", "scope"}) == "Namespaced";
    t.has_status = json::at(v, {"subresources", "status"}) != nullptr;
    t.short_names = strings_at(crd, {"spec", "names", "shortNames"});
    t.categories = strings_at(crd, {"spec", "names", "categories"});
    t.custom = true;
    if (const json::Value* cols = json::find(v, "additionalPrinterColumns");
        cols && cols->IsArray()) {
      for (const auto& c : cols->GetArray()) {
        PrinterColumn column;
        column.name = json::string_at(c, {"name"});
        column.type = json::string_at(c, {"type"}, "string");
        column.format = json::string_at(c, {"format"});
        column.description = json::string_at(c, {"description"});
        column.json_path = json::string_at(c, {"jsonPath"});
        const json::Value* priority = json::find(c, "priority");
        column.priority = priority != nullptr && priority->IsInt() ? priority->GetInt() : 0;
        t.columns.push_back(std::move(column));
      }
    }
    if (const json::Value* schema = json::at(v, {"schema", "openAPIV3Schema"})) {
      auto doc = std::make_shared<json::Document>();
      doc->CopyFrom(*schema, doc->GetAllocator());
      t.schema = std::move(doc);
    }
    state.registry.add(std::move(t));
  }
}

void unregister(ApiState& state, const json::Value& crd) {
  std::string group = json::string_at(crd, {"spec", "group"});
  std::string plural = json::string_at(crd, {"spec", "names", "plural"});
  std::string key = group + "/" + plural;
  for (const ObjectPtr& o : state.store.list(key, "")) {
    json::Document gone;
    // Assigned, not CopyFrom: CopyFrom rebuilds the value by placement new over the
    // document, after which clang-analyzer has lost the document's own allocator
    // and reports it leaked (a false positive: ~GenericDocument frees it).
    static_cast<json::Value&>(gone) = json::Value(o->doc, gone.GetAllocator());
    std::uint64_t rv = state.store.next_rv();
    json::set(json::ensure_object(gone, "metadata", gone.GetAllocator()), "resourceVersion",
              json::str(std::to_string(rv), gone.GetAllocator()), gone.GetAllocator());
    state.store.erase(key, json::string_at(o->doc, {"metadata", "namespace"}),
                      json::string_at(o->doc, {"metadata", "name"}), freeze(std::move(gone), rv));
  }
  state.registry.remove_custom(group, plural);
}

}  // namespace trove::fakeapi::crd
