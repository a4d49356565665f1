#include "table.hpp"

#include <ctime>

#include "api_state.hpp"
#include "jsonpath.hpp"

namespace trove::fakeapi::table {

namespace {

struct Column {
  PrinterColumn def;
  std::optional<JsonPath> path;
};

std::vector<Column> columns_of(const ResourceType& type) {
  std::vector<Column> out;
  if (type.columns.empty()) {
    PrinterColumn age{
        "Age", "date", "", "CreationTimestamp is a timestamp ...", ".metadata.creationTimestamp",
        0};
    out.push_back({age, JsonPath::parse(age.json_path, nullptr)});
    return out;
  }
  for (const PrinterColumn& c : type.columns)
    out.push_back({c, JsonPath::parse(c.json_path, nullptr)});
  return out;
}

std::string date_cell(const json::Value& v) {
  if (!v.IsString()) return "<invalid>";
  auto when = parse_rfc3339(std::string_view(v.GetString(), v.GetStringLength()));
  if (!when) return "<invalid>";
  return human_duration(static_cast<std::int64_t>(std::time(nullptr)) - *when);
}

std::string cell(const Column& column, const json::Value& object) {
  if (!column.path) return "null";
  auto results = column.path->evaluate(object);
  if (results.empty()) return "null";
  const json::Value& v = *results.front();
  const std::string& type = column.def.type;
  if (type == "date") return json::quote(date_cell(v));
  if (type == "integer" || type == "number") return v.IsNumber() ? json::to_string(v) : "null";
  if (type == "boolean") return v.IsBool() ? json::to_string(v) : "null";
  // string: printed the way kubectl's JSONPath printer prints a value.
  if (v.IsString()) return json::to_string(v);
  return json::quote(json::to_string(v));
}

std::string partial_metadata(const StoredObject& object) {
  std::string out = R"({"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":)";
  const json::Value* metadata = json::find(object.doc, "metadata");
  out += metadata != nullptr ? json::to_string(*metadata) : "{}";
  return out + "}";
}

}  // namespace

bool wanted(std::string_view accept) {
  return accept.find("as=Table") != std::string_view::npos;
}

IncludeObject parse_include_object(std::string_view value) {
  if (value == "None") return IncludeObject::kNone;
  if (value == "Object") return IncludeObject::kObject;
  return IncludeObject::kMetadata;
}

std::string render(const ResourceType& type, const std::vector<const StoredObject*>& objects,
                   const std::string& list_metadata_json, IncludeObject include,
                   bool with_column_definitions) {
  auto columns = columns_of(type);
  std::string out = R"({"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":)" +
                    list_metadata_json + ",\"columnDefinitions\":";
  if (with_column_definitions) {
    out +=
        R"([{"name":"Name","type":"string","format":"name","description":"Name must be unique within a namespace.","priority":0})";
    for (const Column& c : columns) {
      out += ",{\"name\":" + json::quote(c.def.name) + ",\"type\":" + json::quote(c.def.type) +
             ",\"format\":" + json::quote(c.def.format) +
             ",\"description\":" + json::quote(c.def.description) +
             ",\"priority\":" + std::to_string(c.def.priority) + "}";
    }
    out += "]";
  } else {
    out += "null";
  }
  out += ",\"rows\":[";
  for (std::size_t i = 0; i < objects.size(); ++i) {
    const StoredObject& object = *objects[i];
    if (i > 0) out += ",";
    out += "{\"cells\":[" + json::quote(json::string_at(object.doc, {"metadata", "name"}));
    for (const Column& c : columns)
      out += "," + cell(c, object.doc);
    out += "]";
    if (include == IncludeObject::kMetadata) out += ",\"object\":" + partial_metadata(object);
    if (include == IncludeObject::kObject) out += ",\"object\":" + object.text;
    out += "}";
  }
  return out + "]}";
}

std::string human_duration(std::int64_t seconds) {
  // Same thresholds as k8s.io/apimachinery/pkg/util/duration.HumanDuration.
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return std::to_string(seconds) + "s";
  std::int64_t minutes = seconds / 60;
  if (minutes < 10) {
    std::int64_t s = seconds % 60;
    return std::to_string(minutes) + "m" + (s == 0 ? "" : std::to_string(s) + "s");
  }
  if (minutes < 180) return std::to_string(minutes) + "m";
  std::int64_t hours = seconds / 3600;
  if (hours < 8) {
    std::int64_t m = minutes % 60;
    return std::to_string(hours) + "h" + (m == 0 ? "" : std::to_string(m) + "m");
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    std::int64_t h = hours % 24;
    return std::to_string(hours / 24) + "d" + (h == 0 ? "" : std::to_string(h) + "h");
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    std::int64_t d = (hours / 24) % 365;
    return std::to_string(hours / 24 / 365) + "y" + (d == 0 ? "" : std::to_string(d) + "d");
  }
  return std::to_string(hours / 24 / 365) + "y";
}

}  // namespace trove::fakeapi::table
