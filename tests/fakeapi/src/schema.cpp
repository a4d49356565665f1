#include "schema.hpp"

#include <algorithm>

namespace trove::fakeapi::schema {

namespace {

// Deeper schemas exist in theory; deeper objects in a test are an attack.
constexpr int kMaxDepth = 64;

bool flag(const json::Value& schema, const char* name) {
  const json::Value* v = json::find(schema, name);
  return v != nullptr && v->IsBool() && v->GetBool();
}

void defaults_at(json::Value& object, const json::Value& schema, json::Allocator& a, int depth) {
  if (depth > kMaxDepth || !schema.IsObject()) return;
  if (object.IsObject()) {
    if (const json::Value* props = json::find(schema, "properties"); props && props->IsObject()) {
      for (const auto& p : props->GetObject()) {
        std::string_view name(p.name.GetString(), p.name.GetStringLength());
        json::Value* child = json::find(object, name);
        if (child == nullptr) {
          const json::Value* def = json::find(p.value, "default");
          if (def == nullptr) continue;
          json::Value copy;
          copy.CopyFrom(*def, a);
          object.AddMember(json::str(name, a), std::move(copy), a);
          child = json::find(object, name);
        }
        defaults_at(*child, p.value, a, depth + 1);
      }
    }
    if (const json::Value* extra = json::find(schema, "additionalProperties");
        extra && extra->IsObject()) {
      for (auto& m : object.GetObject())
        defaults_at(m.value, *extra, a, depth + 1);
    }
  } else if (object.IsArray()) {
    if (const json::Value* items = json::find(schema, "items")) {
      for (auto& item : object.GetArray())
        defaults_at(item, *items, a, depth + 1);
    }
  }
}

std::string field_path(const std::string& path, const std::string& name) {
  return path + "." + name;
}

void prune_at(json::Value& object, const json::Value& schema, bool keep_type_meta,
              const std::string& path, std::vector<std::string>& removed, int depth) {
  if (depth > kMaxDepth || !schema.IsObject()) return;
  if (object.IsArray()) {
    if (const json::Value* items = json::find(schema, "items")) {
      std::size_t i = 0;
      for (auto& item : object.GetArray()) {
        prune_at(item, *items, flag(*items, "x-kubernetes-embedded-resource"),
                 path + "[" + std::to_string(i++) + "]", removed, depth + 1);
      }
    }
    return;
  }
  if (!object.IsObject()) return;
  bool preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
  const json::Value* props = json::find(schema, "properties");
  const json::Value* extra = json::find(schema, "additionalProperties");
  std::vector<std::string> unknown;
  for (auto& m : object.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    if (keep_type_meta && (name == "apiVersion" || name == "kind" || name == "metadata")) continue;
    const json::Value* child_schema = props ? json::find(*props, name) : nullptr;
    if (child_schema == nullptr && extra != nullptr && extra->IsObject()) child_schema = extra;
    if (child_schema == nullptr) {
      if (!preserve && !(extra != nullptr && extra->IsBool() && extra->GetBool())) {
        unknown.push_back(name);
      }
      continue;
    }
    prune_at(m.value, *child_schema, flag(*child_schema, "x-kubernetes-embedded-resource"),
             field_path(path, name), removed, depth + 1);
  }
  for (const std::string& name : unknown) {
    json::remove(object, name);
    removed.push_back(field_path(path, name));
  }
}

bool type_matches(const json::Value& v, const json::Value& schema) {
  if (v.IsNull()) return flag(schema, "nullable");
  if (flag(schema, "x-kubernetes-int-or-string"))
    return v.IsString() || v.IsInt64() || v.IsUint64();
  std::string type = json::string_at(schema, {"type"});
  if (type.empty()) return true;
  if (type == "object") return v.IsObject();
  if (type == "array") return v.IsArray();
  if (type == "string") return v.IsString();
  if (type == "integer") return v.IsInt64() || v.IsUint64();
  if (type == "number") return v.IsNumber();
  if (type == "boolean") return v.IsBool();
  return true;
}

void validate_at(const json::Value& v, const json::Value& schema, const std::string& path,
                 std::vector<Violation>& out, int depth) {
  if (depth > kMaxDepth || !schema.IsObject()) return;
  if (!type_matches(v, schema)) {
    out.push_back({path, "Invalid value: " + json::to_string(v) + ": must be of type " +
                             json::string_at(schema, {"type"}, "int-or-string")});
    return;
  }
  if (const json::Value* allowed = json::find(schema, "enum"); allowed && allowed->IsArray()) {
    bool ok =
        std::any_of(allowed->Begin(), allowed->End(), [&](const json::Value& e) { return e == v; });
    if (!ok) out.push_back({path, "Unsupported value: " + json::to_string(v)});
  }
  auto child_path = [&](std::string_view name) {
    return path.empty() ? std::string(name) : path + "." + std::string(name);
  };
  if (v.IsObject()) {
    if (const json::Value* required = json::find(schema, "required");
        required && required->IsArray()) {
      for (const auto& r : required->GetArray()) {
        if (r.IsString() && json::find(v, r.GetString()) == nullptr) {
          out.push_back({child_path(r.GetString()), "Required value"});
        }
      }
    }
    const json::Value* props = json::find(schema, "properties");
    const json::Value* extra = json::find(schema, "additionalProperties");
    for (const auto& m : v.GetObject()) {
      std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (depth == 0 && (name == "apiVersion" || name == "kind" || name == "metadata")) continue;
      const json::Value* child = props ? json::find(*props, name) : nullptr;
      if (child == nullptr && extra && extra->IsObject()) child = extra;
      if (child != nullptr) validate_at(m.value, *child, child_path(name), out, depth + 1);
    }
  } else if (v.IsArray()) {
    if (const json::Value* items = json::find(schema, "items")) {
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        validate_at(v[i], *items, path + "[" + std::to_string(i) + "]", out, depth + 1);
      }
    }
  }
}

}  // namespace

void apply_defaults(json::Value& object, const json::Value& schema, json::Allocator& a) {
  defaults_at(object, schema, a, 0);
}

std::vector<std::string> prune(json::Value& object, const json::Value& schema) {
  std::vector<std::string> removed;
  prune_at(object, schema, true, "", removed, 0);
  return removed;
}

std::vector<Violation> validate(const json::Value& object, const json::Value& schema) {
  std::vector<Violation> out;
  validate_at(object, schema, "", out, 0);
  return out;
}

}  // namespace trove::fakeapi::schema
