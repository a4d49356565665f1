// Builds the producer's NDJSON batches: B copies of the reference message
// with box ids cycling over a configured range and `ts` set to the
// send time.
//
// Timestamp scheme: `ts` carries MICROSECONDS since the Unix epoch
// (CLOCK_REALTIME), not milliseconds: a 16-digit integer that the server
// stores as given, so a subscriber on the same host measures push latency to
// the microsecond (receipt realtime - ts). Documented in docs/benchmarks.md.
#pragma once

#include <cstdint>
#include <string>

namespace trove::loadgen {

struct BoxRange {
  std::uint64_t first = 1;
  std::uint64_t last = 1;  // inclusive
  std::uint64_t size() const { return last - first + 1; }
};

class IngestBatchBuilder {
 public:
  // `start_offset` staggers several producers over the range.
  IngestBatchBuilder(BoxRange range, std::uint64_t start_offset);

  // Replaces `out` with `count` newline-terminated messages, all stamped `ts_us`.
  void build(std::string& out, unsigned count, std::int64_t ts_us);

  std::uint64_t next_box() const { return range_.first + cursor_; }

 private:
  BoxRange range_;
  std::uint64_t cursor_;
};

// Microseconds since the Unix epoch (the `ts` scheme above).
std::int64_t realtime_micros();
// Monotonic nanoseconds: every latency in the generator is measured on this.
std::int64_t monotonic_nanos();

}  // namespace trove::loadgen
