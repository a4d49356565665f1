#include "kube/object.hpp"

#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

#include "kube/json_depth.hpp"
#include "trove/common/json.hpp"

namespace trove::kube {
namespace {
// First pool chunk for a copied object; a typical pod or custom resource in
// our tests fits in one or two of these.
constexpr std::size_t kCopyChunkBytes = 1024;
}  // namespace

KubeObject::KubeObject() : pool_(std::make_unique<JsonAllocator>(256)) {}

KubeObject::KubeObject(std::unique_ptr<JsonAllocator> pool, rapidjson::Value&& value)
    : pool_(std::move(pool)) {
  value_ = std::move(value);  // RapidJSON "move" leaves value null
}

KubeObject KubeObject::parse(std::string_view json) {
  // The DOM needs roughly as many bytes as the text; one chunk is enough.
  auto pool = std::make_unique<JsonAllocator>(json.size() + 256);
  rapidjson::GenericDocument<rapidjson::UTF8<>, JsonAllocator> doc(pool.get());
  if (!parse_json(doc, json) || !doc.IsObject())
    throw std::invalid_argument("not a JSON object: " + std::string(json.substr(0, 120)));
  rapidjson::Value root;
  root = static_cast<rapidjson::Value&>(doc);  // steals the root, memory stays in pool
  return KubeObject(std::move(pool), std::move(root));
}

KubeObject KubeObject::copy_of(const rapidjson::Value& value) {
  auto pool = std::make_unique<JsonAllocator>(kCopyChunkBytes);
  // Parsed strings are copy-strings, so this copy owns all its bytes.
  rapidjson::Value copy(value, *pool);
  return KubeObject(std::move(pool), std::move(copy));
}

std::string_view KubeObject::string_at(const rapidjson::Value& value, const char* name) {
  return common::string_member(value, name).value_or(std::string_view{});
}

std::string_view KubeObject::meta_string(const char* field) const {
  const rapidjson::Value* meta = common::find_member(value_, "metadata");
  return meta == nullptr ? std::string_view{} : string_at(*meta, field);
}

std::int64_t KubeObject::generation() const {
  const auto* g = at("/metadata/generation");
  return g && g->IsInt64() ? g->GetInt64() : 0;
}

const rapidjson::Value* KubeObject::at(const char* pointer) const {
  return rapidjson::Pointer(pointer).Get(value_);
}

std::string KubeObject::key() const {
  return object_key(namespace_(), name());
}

std::string KubeObject::to_json() const {
  return trove::kube::to_json(value_);
}

std::string object_key(std::string_view ns, std::string_view name) {
  if (ns.empty()) return std::string(name);
  std::string k;
  k.reserve(ns.size() + name.size() + 1);
  k.append(ns).append("/").append(name);
  return k;
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  value.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace trove::kube
