// RFC 6902 JSON Patch documents made of "add" operations, with RFC 6901
// pointer tokens escaped ('~' -> "~0", '/' -> "~1"), so a label key such as
// "trove.dev/sidecar" addresses one member instead of two levels.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace trove::webhook {

// One reference token of a JSON pointer, escaped.
std::string escape_pointer_token(std::string_view token);

class JsonPatch {
 public:
  JsonPatch();
  // Appends {"op":"add","path":path,"value":value}; the value is deep-copied.
  void add(std::string_view path, const rapidjson::Value& value);
  [[nodiscard]] bool empty() const { return ops_.Empty(); }
  [[nodiscard]] std::size_t size() const { return ops_.Size(); }
  [[nodiscard]] std::string to_json() const;

 private:
  rapidjson::Document ops_;
};

}  // namespace trove::webhook
