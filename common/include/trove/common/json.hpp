// Small JSON helpers over RapidJSON for the admin API and configuration
// echoes (docs/design.md: RapidJSON everywhere but the ingest hot path).
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trove::common {

// Parses `text` into `doc`. Returns an error message ("offset N: reason") or
// nullopt on success. Requires a JSON object at the top level when
// `require_object`.
std::optional<std::string> parse_json(std::string_view text, rapidjson::Document& doc,
                                      bool require_object = true);

// object[name], or nullptr when `object` is null, not an object, or has no
// such member. One lookup: HasMember then operator[] is two, and operator[]
// on a missing member is undefined behaviour in RapidJSON.
const rapidjson::Value* find_member(const rapidjson::Value* object, std::string_view name);
inline const rapidjson::Value* find_member(const rapidjson::Value& object, std::string_view name) {
  return find_member(&object, name);
}
// The same lookup for a caller that moves the member out.
inline rapidjson::Value* find_member(rapidjson::Value* object, std::string_view name) {
  return const_cast<rapidjson::Value*>(
      find_member(static_cast<const rapidjson::Value*>(object), name));
}

// The member's text when it is a string, else nullopt.
std::optional<std::string_view> string_member(const rapidjson::Value* object,
                                              std::string_view name);
inline std::optional<std::string_view> string_member(const rapidjson::Value& object,
                                                     std::string_view name) {
  return string_member(&object, name);
}

// The member's value when it is an integer that fits the type, else nullopt
// (missing, another type, a fraction, out of range).
std::optional<std::uint64_t> uint64_member(const rapidjson::Value* object, std::string_view name);
std::optional<std::int64_t> int64_member(const rapidjson::Value* object, std::string_view name);
std::optional<int> int_member(const rapidjson::Value* object, std::string_view name);

// The member's value when it is true or false, else nullopt.
std::optional<bool> bool_member(const rapidjson::Value* object, std::string_view name);

// Result of reading one unsigned integer member.
enum class JsonFieldStatus { kOk, kMissing, kWrongType };
JsonFieldStatus get_uint64_member(const rapidjson::Value& object, const char* name,
                                  std::uint64_t& out);

// Appends `text` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view text);

// Writes into a std::string through a RapidJSON Writer.
class JsonStringWriter {
 public:
  rapidjson::Writer<rapidjson::StringBuffer>& w() { return writer_; }
  [[nodiscard]] std::string str() const { return {buffer_.GetString(), buffer_.GetSize()}; }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_{buffer_};
};

}  // namespace trove::common
