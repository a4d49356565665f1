// Open-loop send times: request k of a connection is due at
// origin + k * period, whatever happened to request k-1. Latency is measured
// from that intended time, so a stalled server is charged for every request
// it delayed (coordinated omission corrected).
#pragma once

#include <cstdint>

namespace trove::loadgen {

class SendSchedule {
 public:
  SendSchedule() = default;
  SendSchedule(std::int64_t origin, std::int64_t period) : origin_(origin), period_(period) {}

  bool open_loop() const { return period_ > 0; }
  std::int64_t next_due() const { return origin_ + static_cast<std::int64_t>(next_) * period_; }
  // Takes the next slot and returns its intended time.
  std::int64_t take() { return origin_ + static_cast<std::int64_t>(next_++) * period_; }

 private:
  std::int64_t origin_ = 0;
  std::int64_t period_ = 0;
  std::uint64_t next_ = 0;
};

}  // namespace trove::loadgen
