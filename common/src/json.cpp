#include "trove/common/json.hpp"

#include <rapidjson/error/en.h>

namespace trove::common {

std::optional<std::string> parse_json(std::string_view text, rapidjson::Document& doc,
                                      bool require_object) {
  // Iterative: deeply nested hostile input cannot exhaust the stack.
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return "offset " + std::to_string(doc.GetErrorOffset()) + ": " +
           rapidjson::GetParseError_En(doc.GetParseError());
  }
  if (require_object && !doc.IsObject()) return std::string("expected a JSON object");
  return std::nullopt;
}

const rapidjson::Value* find_member(const rapidjson::Value* object, std::string_view name) {
  if (object == nullptr || !object->IsObject()) return nullptr;
  const rapidjson::Value key(rapidjson::StringRef(name.data(), name.size()));
  auto it = object->FindMember(key);
  return it != object->MemberEnd() ? &it->value : nullptr;
}

std::optional<std::string_view> string_member(const rapidjson::Value* object,
                                              std::string_view name) {
  const rapidjson::Value* v = find_member(object, name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

std::optional<std::uint64_t> uint64_member(const rapidjson::Value* object, std::string_view name) {
  const rapidjson::Value* v = find_member(object, name);
  if (v == nullptr || !v->IsUint64()) return std::nullopt;
  return v->GetUint64();
}

std::optional<std::int64_t> int64_member(const rapidjson::Value* object, std::string_view name) {
  const rapidjson::Value* v = find_member(object, name);
  if (v == nullptr || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

std::optional<int> int_member(const rapidjson::Value* object, std::string_view name) {
  const rapidjson::Value* v = find_member(object, name);
  if (v == nullptr || !v->IsInt()) return std::nullopt;
  return v->GetInt();
}

std::optional<bool> bool_member(const rapidjson::Value* object, std::string_view name) {
  const rapidjson::Value* v = find_member(object, name);
  if (v == nullptr || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

JsonFieldStatus get_uint64_member(const rapidjson::Value& object, const char* name,
                                  std::uint64_t& out) {
  const rapidjson::Value* value = find_member(object, name);
  if (value == nullptr) return JsonFieldStatus::kMissing;
  if (!value->IsUint64()) return JsonFieldStatus::kWrongType;
  out = value->GetUint64();
  return JsonFieldStatus::kOk;
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace trove::common
