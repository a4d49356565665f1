// Backoff growth and jitter, the token bucket, and the work queue's
// per-item limiter.
#include <gtest/gtest.h>

#include "kube/backoff.hpp"
#include "kube/token_bucket.hpp"
#include "kube/workqueue.hpp"

namespace trove::kube {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, GrowsByFactorUpToMaxWithinJitter) {
  BackoffConfig cfg{100ms, 1000ms, 2.0, 0.5, 60s};
  Backoff b(cfg, 42);
  const auto t0 = Backoff::Clock::now();
  std::chrono::milliseconds base = 100ms;
  for (int i = 0; i < 8; ++i) {
    auto d = b.next(t0 + std::chrono::milliseconds{i});
    EXPECT_GE(d, base) << "step " << i;
    EXPECT_LT(d, base + base / 2 + 1ms) << "step " << i;
    base = std::min(base * 2, 1000ms);
  }
}

TEST(Backoff, ResetsAfterQuietPeriod) {
  Backoff b(BackoffConfig{100ms, 10s, 2.0, 0.0, 1s}, 1);
  const auto t0 = Backoff::Clock::now();
  EXPECT_EQ(b.next(t0), 100ms);
  EXPECT_EQ(b.next(t0 + 10ms), 200ms);
  EXPECT_EQ(b.next(t0 + 20ms), 400ms);
  EXPECT_EQ(b.next(t0 + 5s), 100ms) << "a failure after a quiet period starts over";
}

TEST(Backoff, JitterSpreadsWaits) {
  Backoff a(BackoffConfig{1000ms, 1000ms, 2.0, 1.0, 60s}, 1);
  std::set<long> seen;
  for (int i = 0; i < 20; ++i)
    seen.insert(a.next().count());
  EXPECT_GT(seen.size(), 10u) << "waits must not be identical across retries";
  for (long v : seen) {
    EXPECT_GE(v, 1000);
    EXPECT_LE(v, 2000);
  }
}

TEST(TokenBucket, BurstThenRate) {
  TokenBucket bucket(10, 3);
  const auto t0 = TokenBucket::Clock::now() + 1h;  // a fixed future instant
  EXPECT_EQ(bucket.reserve_at(t0), TokenBucket::Clock::duration::zero());
  EXPECT_EQ(bucket.reserve_at(t0), TokenBucket::Clock::duration::zero());
  EXPECT_EQ(bucket.reserve_at(t0), TokenBucket::Clock::duration::zero());
  // Burst spent: the next caller waits one token's time (100 ms), the one
  // after it two.
  EXPECT_NEAR(std::chrono::duration<double>(bucket.reserve_at(t0)).count(), 0.1, 1e-6);
  EXPECT_NEAR(std::chrono::duration<double>(bucket.reserve_at(t0)).count(), 0.2, 1e-6);
  // One second later 10 tokens have accrued, minus the 2 owed.
  const auto t1 = t0 + 1s;
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(bucket.reserve_at(t1), TokenBucket::Clock::duration::zero());
  EXPECT_GT(bucket.reserve_at(t1), TokenBucket::Clock::duration::zero()) << "capped at burst";
}

TEST(TokenBucket, RejectsNonsense) {
  EXPECT_THROW(TokenBucket(0, 10), std::invalid_argument);
  EXPECT_THROW(TokenBucket(10, 0), std::invalid_argument);
  EXPECT_THROW(TokenBucket(-1, 10), std::invalid_argument);
}

TEST(TokenBucket, AcquireHonoursRate) {
  TokenBucket bucket(200, 1);
  const auto start = TokenBucket::Clock::now();
  for (int i = 0; i < 11; ++i)
    bucket.acquire();
  EXPECT_GE(TokenBucket::Clock::now() - start, 45ms) << "10 waits of 5 ms each";
}

TEST(ItemRateLimiter, ExponentialPerItemCappedAndForgotten) {
  RateLimiterConfig cfg;
  cfg.base_delay = 5ms;
  cfg.max_delay = 1000s;
  cfg.qps = 1e9;  // isolate the per-item part
  cfg.burst = 1e9;
  ItemRateLimiter limiter(cfg);
  EXPECT_EQ(limiter.when("a"), 5ms);
  EXPECT_EQ(limiter.when("a"), 10ms);
  EXPECT_EQ(limiter.when("a"), 20ms);
  EXPECT_EQ(limiter.when("b"), 5ms) << "items back off independently";
  for (int i = 0; i < 200; ++i)
    limiter.when("a");
  EXPECT_EQ(limiter.when("a"), 1000s) << "capped at 1000 s, no overflow after many failures";
  EXPECT_EQ(limiter.failures("a"), 204);
  limiter.forget("a");
  EXPECT_EQ(limiter.when("a"), 5ms);
}

TEST(ItemRateLimiter, OverallBucketDominatesWhenExhausted) {
  RateLimiterConfig cfg;  // 10 qps / 100 burst
  ItemRateLimiter limiter(cfg);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(limiter.when("k" + std::to_string(i)), 5ms);
  // Burst of 100 spent: the 101st distinct item waits for the bucket (~100 ms).
  const auto d = limiter.when("fresh");
  EXPECT_GT(d, 50ms);
  EXPECT_LT(d, 150ms);
}

}  // namespace
}  // namespace trove::kube
