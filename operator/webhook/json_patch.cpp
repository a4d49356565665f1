#include "webhook/json_patch.hpp"

#include "kube/object.hpp"

namespace trove::webhook {

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  // '~' first: escaping '/' to "~1" must not be escaped again.
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

JsonPatch::JsonPatch() {
  ops_.SetArray();
}

void JsonPatch::add(std::string_view path, const rapidjson::Value& value) {
  auto& a = ops_.GetAllocator();
  rapidjson::Value op(rapidjson::kObjectType);
  op.AddMember("op", "add", a);
  op.AddMember("path",
               rapidjson::Value(path.data(), static_cast<rapidjson::SizeType>(path.size()), a), a);
  op.AddMember("value", rapidjson::Value(value, a), a);
  ops_.PushBack(op, a);
}

std::string JsonPatch::to_json() const {
  return kube::to_json(ops_);
}

}  // namespace trove::webhook
