// Differential fuzzing of ingest: the hot path (IngestPipeline: simdjson
// On-Demand, docs/design.md, Data flow 2) against ingest_reference.cpp
// (RapidJSON), line by line of one batch. They must agree on accept or
// reject, on the rejection code (for a line that is JSON; for one that is
// not, the hot path must reject it), and on what is stored: the payload's
// values, bit for bit, and the box's hunt.
#include <rapidjson/document.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "ingest/ingest_pipeline.hpp"
#include "ingest_reference.hpp"
#include "memory/epoch_arena.hpp"
#include "store/box_store.hpp"

namespace {

using namespace trove;
using ingest::RejectCode;

// More boxes than a batch the fuzzer makes has lines, so store_full (which
// the reference does not model) cannot happen.
constexpr std::size_t kMaxLines = 512;
// Any payload the schema and the default max_data_bytes allow; above the
// slot's inline bytes payloads go to the spill, which this reservation holds.
constexpr std::size_t kPayloadMax = ingest::payload_max_for(ingest::kDefaultMaxDataBytes);
constexpr std::size_t kSpillBytes = std::size_t{4} << 20;

// The hot path's payload, with numbers kept as their tokens.
struct StoredPayload {
  rapidjson::Document doc;
  explicit StoredPayload(std::string_view text) {
    doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(text.data(), text.size());
    FUZZ_CHECK(!doc.HasParseError() && doc.IsObject());
  }
  const rapidjson::Value* get(const char* key) const {
    const auto it = doc.FindMember(key);
    return it == doc.MemberEnd() ? nullptr : &it->value;
  }
};

// Bit for bit, so -0 and 0 differ.
bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

void check_number(const StoredPayload& p, const char* key, const std::optional<double>& want) {
  const rapidjson::Value* got = p.get(key);
  FUZZ_CHECK((got != nullptr) == want.has_value());
  if (got) FUZZ_CHECK(same_bits(std::strtod(got->GetString(), nullptr), *want));
}

void check_integer(const StoredPayload& p, const char* key, const std::string& want) {
  const rapidjson::Value* got = p.get(key);
  FUZZ_CHECK(got != nullptr && got->IsString() && want == got->GetString());
}

void check_string(const StoredPayload& p, const char* key, const std::optional<std::string>& want) {
  const rapidjson::Value* got = p.get(key);
  FUZZ_CHECK((got != nullptr) == want.has_value());
  if (got)
    FUZZ_CHECK(got->IsString() &&
               *want == std::string_view(got->GetString(), got->GetStringLength()));
}

void check_payload(std::string_view payload, const fuzz::ReferenceMessage& want) {
  // `data` comes last, byte for byte as the reference minified it; it is cut
  // off before RapidJSON reads the rest, since it may hold numbers beyond a
  // double's range (valid JSON, refused by RapidJSON).
  std::string schema_fields(payload);
  if (want.data) {
    const std::string suffix = R"(,"data":)" + *want.data + "}";
    FUZZ_CHECK(payload.ends_with(suffix));
    schema_fields = std::string(payload.substr(0, payload.size() - suffix.size())) + "}";
  }
  const StoredPayload p(schema_fields);
  check_integer(p, "box", std::to_string(want.box));
  check_string(p, "state", want.state);
  check_number(p, "x", want.x);
  check_number(p, "y", want.y);
  const rapidjson::Value* ts = p.get("ts");
  FUZZ_CHECK((ts != nullptr) == want.ts.has_value());
  if (ts) check_integer(p, "ts", std::to_string(*want.ts));
  check_string(p, "player", want.player);
  FUZZ_CHECK(!p.get("hunt"));  // the hunt is kept beside the payload
  FUZZ_CHECK(!p.get("data"));  // a message without data stores none
}

// Returns whether the hot path accepted the line.
bool check_line(const ingest::BatchResult& result, std::size_t index, bool unterminated,
                const fuzz::ReferenceResult& want) {
  std::optional<RejectCode> got;
  for (const ingest::Rejection& r : result.rejections) {
    if (r.index == index) got = r.code;
  }
  if (want.not_utf8) {
    FUZZ_CHECK(got == RejectCode::invalid_utf8 || got == RejectCode::malformed_json ||
               got == RejectCode::truncated);
    FUZZ_CHECK(got != (unterminated ? RejectCode::malformed_json : RejectCode::truncated));
    return false;
  }
  if (want.extreme_exponent && got == RejectCode::not_finite) return false;
  if (want.syntax_error) {
    FUZZ_CHECK(got.has_value());
    if (*got == RejectCode::malformed_json || *got == RejectCode::truncated) {
      FUZZ_CHECK(*got == *want.code);
    }
    return false;
  }
  if (got != want.code) {
    std::fprintf(stderr, "line %zu: hot path %s, reference %s\n", index,
                 got ? std::string(to_string(*got)).c_str() : "accepted",
                 want.code ? std::string(to_string(*want.code)).c_str() : "accepted");
  }
  FUZZ_CHECK(got == want.code);
  return !got.has_value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view batch(reinterpret_cast<const char*>(data), size);
  const ingest::IngestConfig config;
  // One arena for the whole run, reset after every input: how a worker
  // uses it (a fresh one per input would cost a chunk's mapping each time).
  static memory::EpochArena arena(memory::EpochArenaConfig{.capacity_bytes = 4 * memory::kMiB});
  store::BoxStore store(store::BoxStoreConfig{.max_boxes = kMaxLines,
                                              .payload_max = kPayloadMax,
                                              .huge_pages = false,
                                              .spill_bytes = kSpillBytes});
  ingest::IngestPipeline pipeline(store, &arena, config);
  const ingest::BatchResult result = pipeline.ingest(batch);
  arena.reset();  // the batch copy and blobs are dead once ingest() returns
  if (result.rejections_truncated) return 0;

  // The reference, line by line as ingest() cuts them; the last accepted
  // line of a box is what the store holds, the last hunt given its hunt.
  std::map<std::uint64_t, fuzz::ReferenceMessage> last;
  std::map<std::uint64_t, std::string> hunts;
  std::size_t position = 0;
  for (std::size_t index = 0; position < batch.size(); ++index) {
    if (index >= kMaxLines) return 0;
    const std::size_t newline = batch.find('\n', position);
    const bool unterminated = newline == std::string_view::npos;
    std::string_view line = batch.substr(position, unterminated ? batch.npos : newline - position);
    position = unterminated ? batch.size() : newline + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const fuzz::ReferenceResult want = fuzz::decode_reference(line, unterminated, config);
    const bool accepted = check_line(result, index, unterminated, want);
    if (!accepted) continue;
    last[want.message.box] = want.message;
    if (want.message.hunt) hunts[want.message.box] = *want.message.hunt;
  }

  for (const auto& [box, want] : last) {
    std::array<char, kPayloadMax> payload{};
    std::array<char, store::kMaxHuntBytes> hunt{};
    const store::ReadResult read = store.read(box, payload, hunt);
    FUZZ_CHECK(read.found);
    check_payload({payload.data(), read.payload_size}, want);
    FUZZ_CHECK(std::string_view(hunt.data(), read.hunt_size) == hunts[box]);
  }
  return 0;
}
