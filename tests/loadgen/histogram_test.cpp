#include "histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace trove::loadgen {
namespace {

TEST(Histogram, EmptyReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.99), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 0; v < 256; ++v)
    h.record(v);
  EXPECT_EQ(h.percentile(0.5), 127u);
  EXPECT_EQ(h.percentile(1.0), 255u);
  EXPECT_EQ(h.percentile(0.0), 0u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(Histogram, BucketsTileTheRangeWithoutGaps) {
  for (std::size_t i = 0; i + 1 < Histogram::kBucketCount; ++i) {
    ASSERT_EQ(Histogram::bucket_high(i) + 1, Histogram::bucket_low(i + 1)) << "bucket " << i;
    ASSERT_EQ(Histogram::bucket_index(Histogram::bucket_low(i)), i);
    ASSERT_EQ(Histogram::bucket_index(Histogram::bucket_high(i)), i);
  }
  EXPECT_EQ(Histogram::bucket_index(UINT64_MAX), Histogram::kBucketCount - 1);
}

TEST(Histogram, RelativeErrorBoundedByPrecision) {
  // Every reported value is within 1/128 of what was recorded.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t v = rng() >> (rng() % 60);
    const std::size_t b = Histogram::bucket_index(v);
    ASSERT_LE(Histogram::bucket_low(b), v);
    ASSERT_GE(Histogram::bucket_high(b), v);
    const double width = static_cast<double>(Histogram::bucket_high(b) - Histogram::bucket_low(b));
    ASSERT_LE(width, static_cast<double>(v) / 128.0 + 1.0) << v;
  }
}

TEST(Histogram, PercentilesMatchSortedSamplesWithinPrecision) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(10.0, 1.0);  // ~22 µs median in ns
  std::vector<std::uint64_t> samples;
  Histogram h;
  for (int i = 0; i < 200000; ++i) {
    const auto v = static_cast<std::uint64_t>(latency(rng));
    samples.push_back(v);
    h.record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (const double q : {0.5, 0.9, 0.99, 0.999}) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * samples.size())) - 1;
    const double exact = static_cast<double>(samples[rank]);
    const double got = static_cast<double>(h.percentile(q));
    EXPECT_GE(got, exact) << "q=" << q;
    EXPECT_LE(got, exact * (1.0 + 1.0 / 128) + 1) << "q=" << q;
  }
  EXPECT_EQ(h.max(), samples.back());
  EXPECT_EQ(h.min(), samples.front());
}

TEST(Histogram, PercentileNeverExceedsMax) {
  Histogram h;
  h.record(1'000'001);
  EXPECT_EQ(h.percentile(0.5), 1'000'001u);
  EXPECT_EQ(h.percentile(1.0), 1'000'001u);
}

TEST(Histogram, ExtremesDoNotOverflow) {
  Histogram h;
  h.record(UINT64_MAX);
  h.record(0);
  EXPECT_EQ(h.max(), UINT64_MAX);
  EXPECT_EQ(h.percentile(1.0), UINT64_MAX);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.count(), 2u);
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  Histogram a, b, all;
  for (std::uint64_t v = 1; v < 50000; v += 7) {
    (v % 2 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (const double q : {0.1, 0.5, 0.99})
    EXPECT_EQ(a.percentile(q), all.percentile(q));
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
}

TEST(Histogram, QuantileOutOfRangeIsClamped) {
  Histogram h;
  h.record(10);
  h.record(20);
  EXPECT_EQ(h.percentile(-1.0), 10u);
  EXPECT_EQ(h.percentile(7.0), 20u);
}

TEST(Histogram, RecordNCountsWeight) {
  Histogram h;
  h.record_n(100, 99);
  h.record_n(5000, 1);
  h.record_n(7, 0);  // no-op: must not move min
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.min(), 100u);
  EXPECT_EQ(h.percentile(0.99), 100u);
  EXPECT_EQ(h.percentile(0.999), 5000u);
}

}  // namespace
}  // namespace trove::loadgen
