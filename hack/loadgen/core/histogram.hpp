// Log-linear latency histogram (HdrHistogram-like), written for trove's load
// generator so that its percentiles are exact to a known, fixed precision.
//
// Values below 256 are counted exactly; above, each power-of-two octave is cut
// into 128 equal sub-buckets, so any reported value is within 1/128 (0.8 %) of
// the recorded one. The whole uint64 range fits in 7,424 counters (58 KiB), so
// recording never allocates and never saturates.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace trove::loadgen {

class Histogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits;  // per octave
  static constexpr std::uint64_t kLinearLimit = 2 * kSubBuckets;      // exact below
  static constexpr std::size_t kBucketCount = kLinearLimit + (63 - kSubBucketBits) * kSubBuckets;

  Histogram() : counts_(kBucketCount, 0) {}

  void record(std::uint64_t value) { record_n(value, 1); }
  void record_n(std::uint64_t value, std::uint64_t n);
  void merge(const Histogram& other);
  void reset();

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const;

  // Smallest recorded-bucket value v such that at least q of all values are
  // <= v (q in [0,1]); reported as the bucket's highest equivalent value,
  // clamped to the exact maximum. 0 when empty.
  std::uint64_t percentile(double q) const;

  static std::size_t bucket_index(std::uint64_t value);
  static std::uint64_t bucket_low(std::size_t index);
  static std::uint64_t bucket_high(std::size_t index);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace trove::loadgen
