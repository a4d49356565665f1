#include "strategic_merge.hpp"

#include <array>
#include <string>

namespace trove::fakeapi {

namespace {

// Patch merge keys of the built-in types (x-kubernetes-patch-merge-key).
std::string merge_key_for(std::string_view field, const json::Value& element) {
  static constexpr std::array<std::string_view, 9> kByName = {
      "containers",       "initContainers", "ephemeralContainers", "volumes",       "env",
      "imagePullSecrets", "resourceClaims", "schedulingGates",     "readinessGates"};
  for (std::string_view f : kByName) {
    if (f == field) return field == "readinessGates" ? "conditionType" : "name";
  }
  if (field == "volumeMounts") return "mountPath";
  if (field == "volumeDevices") return "devicePath";
  if (field == "conditions") return "type";
  if (field == "hostAliases") return "ip";
  if (field == "ports")
    return json::find(element, "containerPort") != nullptr ? "containerPort" : "port";
  return {};
}

bool is_directive(std::string_view key) {
  return !key.empty() && key.front() == '$';
}

// A copy of v without directive keys.
json::Value clean(const json::Value& v, json::Allocator& a) {
  json::Value out;
  if (v.IsObject()) {
    out.SetObject();
    for (const auto& m : v.GetObject()) {
      std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (is_directive(key)) continue;
      out.AddMember(json::str(key, a), clean(m.value, a), a);
    }
  } else if (v.IsArray()) {
    out.SetArray();
    for (const auto& item : v.GetArray())
      out.PushBack(clean(item, a), a);
  } else {
    out.CopyFrom(v, a);
  }
  return out;
}

void merge_keyed_list(json::Value& target, const json::Value& patch, const std::string& key,
                      json::Allocator& a) {
  for (const auto& item : patch.GetArray()) {
    const json::Value* id = json::find(item, key);
    bool remove = json::string_at(item, {"$patch"}) == "delete";
    json::Value* match = nullptr;
    rapidjson::SizeType index = 0;
    if (id != nullptr) {
      for (rapidjson::SizeType i = 0; i < target.Size(); ++i) {
        const json::Value* other = json::find(target[i], key);
        if (other != nullptr && *other == *id) {
          match = &target[i];
          index = i;
          break;
        }
      }
    }
    if (remove) {
      if (match != nullptr) target.Erase(target.Begin() + index);
    } else if (match != nullptr) {
      strategic_merge(*match, item, a);
    } else {
      target.PushBack(clean(item, a), a);
    }
  }
}

}  // namespace

void strategic_merge(json::Value& target, const json::Value& patch, json::Allocator& a) {
  if (!patch.IsObject()) {
    target = clean(patch, a);
    return;
  }
  if (json::string_at(patch, {"$patch"}) == "replace" || !target.IsObject()) {
    target = clean(patch, a);
    return;
  }
  for (const auto& m : patch.GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    static constexpr std::string_view kDeleteFromList = "$deleteFromPrimitiveList/";
    if (key.starts_with(kDeleteFromList)) {
      json::Value* list = json::find(target, key.substr(kDeleteFromList.size()));
      if (list == nullptr || !list->IsArray() || !m.value.IsArray()) continue;
      for (const auto& gone : m.value.GetArray()) {
        for (auto it = list->Begin(); it != list->End();) {
          it = *it == gone ? list->Erase(it) : it + 1;
        }
      }
      continue;
    }
    if (is_directive(key)) continue;
    json::Value* existing = json::find(target, key);
    if (m.value.IsNull()) {
      json::remove(target, key);
    } else if (m.value.IsObject() && existing != nullptr && existing->IsObject()) {
      strategic_merge(*existing, m.value, a);
    } else if (m.value.IsArray() && existing != nullptr && existing->IsArray() &&
               !m.value.Empty() && m.value[0].IsObject()) {
      std::string merge_key = merge_key_for(key, m.value[0]);
      if (merge_key.empty()) {
        *existing = clean(m.value, a);
      } else {
        merge_keyed_list(*existing, m.value, merge_key, a);
      }
    } else {
      json::set(target, key, clean(m.value, a), a);
    }
  }
}

}  // namespace trove::fakeapi
