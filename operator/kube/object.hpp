// One Kubernetes object as an immutable-once-cached RapidJSON DOM. Each
// object owns a small memory pool sized for it, so a cache of 10,000 pods
// costs about the objects' own bytes, not 64 KiB default pools each.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>

namespace trove::kube {

using JsonAllocator = rapidjson::MemoryPoolAllocator<rapidjson::CrtAllocator>;

class KubeObject {
 public:
  KubeObject();
  // Parses JSON text; throws std::invalid_argument when it is not a JSON object.
  static KubeObject parse(std::string_view json);
  // Deep-copies `value` into a pool of its own.
  static KubeObject copy_of(const rapidjson::Value& value);
  // Takes `value` whose memory lives in `pool` (e.g. parsed in place).
  KubeObject(std::unique_ptr<JsonAllocator> pool, rapidjson::Value&& value);

  KubeObject(KubeObject&&) noexcept = default;
  KubeObject& operator=(KubeObject&&) noexcept = default;
  KubeObject clone() const { return copy_of(value_); }

  const rapidjson::Value& json() const { return value_; }
  // Mutable access, for building objects before sending them.
  rapidjson::Value& json_mut() { return value_; }
  JsonAllocator& allocator() { return *pool_; }

  std::string_view name() const { return meta_string("name"); }
  std::string_view namespace_() const { return meta_string("namespace"); }
  std::string_view resource_version() const { return meta_string("resourceVersion"); }
  std::string_view uid() const { return meta_string("uid"); }
  std::string_view kind() const { return string_at(value_, "kind"); }
  std::int64_t generation() const;
  bool is_null() const { return !value_.IsObject(); }
  // "ns/name", or "name" for cluster-scoped objects (client-go's key).
  std::string key() const;

  std::string to_json() const;
  // Bytes held by this object's pool (the cache-memory figure of the tests).
  std::size_t pool_bytes() const { return pool_ ? pool_->Capacity() : 0; }

  // value[name] as a string view, "" when absent or not a string.
  static std::string_view string_at(const rapidjson::Value& value, const char* name);
  // JSON pointer lookup ("/spec/replicas"), nullptr when absent.
  const rapidjson::Value* at(const char* pointer) const;

 private:
  std::string_view meta_string(const char* field) const;

  std::unique_ptr<JsonAllocator> pool_;
  rapidjson::Value value_;
};

std::string object_key(std::string_view ns, std::string_view name);
std::string to_json(const rapidjson::Value& value);

}  // namespace trove::kube
