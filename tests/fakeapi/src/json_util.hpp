// Small RapidJSON helpers shared by the fake API server: parsing, printing,
// member access by path, and the two standard patch formats (RFC 7386 merge
// patch, RFC 6902 JSON patch).
#pragma once

#include <rapidjson/document.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace trove::fakeapi::json {

using Value = rapidjson::Value;
using Document = rapidjson::Document;
using Allocator = rapidjson::Document::AllocatorType;

// Parses text into out; on failure returns false and sets *error.
bool parse(std::string_view text, Document& out, std::string* error);
// Compact JSON text of v.
std::string to_string(const Value& v);
void append(const Value& v, std::string& out);
// A JSON string literal (quotes and escapes included).
std::string quote(std::string_view s);

inline Value str(std::string_view s, Allocator& a) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}
const Value* find(const Value& obj, std::string_view key);
Value* find(Value& obj, std::string_view key);
// Follows object members; nullptr if any step is missing or not an object.
const Value* at(const Value& root, std::initializer_list<std::string_view> path);
std::string string_at(const Value& root, std::initializer_list<std::string_view> path,
                      std::string_view fallback = {});
// Sets (adds or replaces) obj[key].
void set(Value& obj, std::string_view key, Value&& v, Allocator& a);
void remove(Value& obj, std::string_view key);
// obj[key] as an object, created (or replaced if not an object) when needed.
Value& ensure_object(Value& obj, std::string_view key, Allocator& a);

// RFC 7386: objects merge recursively, null removes, anything else replaces.
void merge_patch(Value& target, const Value& patch, Allocator& a);
// RFC 6902 (add, remove, replace, move, copy, test). On error returns a
// message and leaves target partially patched (callers work on a copy).
std::string json_patch(Value& target, const Value& operations, Allocator& a);

}  // namespace trove::fakeapi::json
