#include "server_messages.hpp"

#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <string>

#include "trove/common/json.hpp"

namespace trove::loadgen {
namespace {

// SAX handler that remembers the first integer value whose key is "ts".
struct TimestampFinder : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, TimestampFinder> {
  bool next_is_ts = false;
  std::optional<std::int64_t> ts;

  bool Key(const char* s, rapidjson::SizeType n, bool) {
    next_is_ts = !ts && std::string_view(s, n) == "ts";
    return true;
  }
  bool Int(int v) { return take(v); }
  bool Uint(unsigned v) { return take(v); }
  bool Int64(std::int64_t v) { return take(v); }
  bool Uint64(std::uint64_t v) {
    return v <= static_cast<std::uint64_t>(INT64_MAX) ? take(static_cast<std::int64_t>(v))
                                                      : Default();
  }
  bool Default() {
    next_is_ts = false;
    return true;
  }

 private:
  bool take(std::int64_t v) {
    if (next_is_ts) ts = v;
    next_is_ts = false;
    return true;
  }
};

}  // namespace

std::optional<IngestAck> parse_ingest_ack(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const auto seq = common::uint64_member(&doc, "seq");
  const auto accepted = common::uint64_member(&doc, "accepted");
  const rapidjson::Value* rejected = common::find_member(doc, "rejected");
  if (!seq || !accepted || rejected == nullptr || !rejected->IsArray()) return std::nullopt;
  return IngestAck{*seq, *accepted, rejected->Size()};
}

std::optional<std::int64_t> find_timestamp(std::string_view text) {
  TimestampFinder finder;
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(text.data(), text.size());
  // Iterative parsing: a deeply nested hostile message cannot blow the stack.
  const auto ok = reader.Parse<rapidjson::kParseIterativeFlag>(stream, finder);
  if (ok.IsError()) return std::nullopt;
  return finder.ts;
}

bool is_error_message(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  return !doc.HasParseError() && common::find_member(doc, "error") != nullptr;
}

}  // namespace trove::loadgen
