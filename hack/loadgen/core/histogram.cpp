#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace trove::loadgen {

std::size_t Histogram::bucket_index(std::uint64_t value) {
  if (value < kLinearLimit) return static_cast<std::size_t>(value);
  const int exponent = 63 - std::countl_zero(value);  // >= kSubBucketBits + 1
  const int shift = exponent - kSubBucketBits;
  const std::uint64_t mantissa = value >> shift;  // in [kSubBuckets, 2*kSubBuckets)
  return static_cast<std::size_t>(kLinearLimit +
                                  static_cast<std::uint64_t>(shift - 1) * kSubBuckets +
                                  (mantissa - kSubBuckets));
}

std::uint64_t Histogram::bucket_low(std::size_t index) {
  if (index < kLinearLimit) return index;
  const std::uint64_t k = index - kLinearLimit;
  const std::uint64_t shift = k / kSubBuckets + 1;
  const std::uint64_t mantissa = kSubBuckets + k % kSubBuckets;
  return mantissa << shift;
}

std::uint64_t Histogram::bucket_high(std::size_t index) {
  if (index < kLinearLimit) return index;
  if (index + 1 == kBucketCount) return UINT64_MAX;
  return bucket_low(index + 1) - 1;
}

void Histogram::record_n(std::uint64_t value, std::uint64_t n) {
  if (n == 0) return;
  counts_[bucket_index(value)] += n;
  count_ += n;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value) * static_cast<long double>(n);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < kBucketCount; ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
}

double Histogram::mean() const {
  return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_)) : 0.0;
}

std::uint64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Rank of the value wanted, 1-based: ceil(q * count), at least 1.
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(bucket_high(i), min_, max_);
  }
  return max_;
}

}  // namespace trove::loadgen
