// What the load generator reads out of trove's JSON messages: ingest acks
// ({"seq":…,"accepted":n,"rejected":[…]}) and the producer timestamp `ts` in
// pushed payloads. Both parse with RapidJSON so hostile input is refused, not
// guessed at.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace trove::loadgen {

struct IngestAck {
  std::uint64_t seq = 0;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;  // length of the "rejected" array
};

// nullopt unless `text` is an object with unsigned "seq" and "accepted" and an
// array "rejected".
std::optional<IngestAck> parse_ingest_ack(std::string_view text);

// The first integer member named "ts" at any depth; nullopt if there is none
// or the text is not valid JSON.
std::optional<std::int64_t> find_timestamp(std::string_view text);

// True if `text` is a JSON object with a member "error" at its top level.
bool is_error_message(std::string_view text);

}  // namespace trove::loadgen
