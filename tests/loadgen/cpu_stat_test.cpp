#include "cpu_stat.hpp"

#include <gtest/gtest.h>

namespace trove::loadgen {
namespace {

constexpr std::string_view kStat =
    "cpu  100 0 50 1000 10 0 5 0 0 0\n"
    "cpu0 60 1 20 400 4 2 3 1 0 0\n"
    "cpu1 40 0 30 600 6 0 2 0 0 0\n"
    "cpu10 9 9 9 9 9 9 9 9 0 0\n"
    "intr 12345\n";

TEST(CpuStat, BusyIsEverythingButIdleAndIowait) {
  const auto t = parse_proc_stat(kStat, 0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->busy, 60u + 1 + 20 + 2 + 3 + 1);  // user nice system irq softirq steal
  EXPECT_EQ(t->total, t->busy + 400 + 4);
}

TEST(CpuStat, PicksTheExactCpuNotAPrefix) {
  const auto one = parse_proc_stat(kStat, 1);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->busy, 40u + 30 + 2);
  const auto ten = parse_proc_stat(kStat, 10);
  ASSERT_TRUE(ten);
  EXPECT_EQ(ten->busy, 9u * 6);
}

TEST(CpuStat, MissingOrMalformedIsNone) {
  EXPECT_FALSE(parse_proc_stat(kStat, 2));
  EXPECT_FALSE(parse_proc_stat(kStat, -1));
  EXPECT_FALSE(parse_proc_stat("cpu0 1 2 x 4 5 6 7\n", 0));
  EXPECT_FALSE(parse_proc_stat("cpu0 1 2 3\n", 0));
  EXPECT_FALSE(parse_proc_stat("", 0));
  EXPECT_FALSE(parse_proc_stat("cpu0 99999999999999999999999 0 0 0 0 0 0\n", 0));
}

TEST(CpuStat, ReadsThisMachine) {
  const auto t = read_cpu_times(0);
  ASSERT_TRUE(t) << "/proc/stat has no cpu0 line";
  EXPECT_GE(t->total, t->busy);
  EXPECT_GT(seconds_per_jiffy(), 0.0);
}

}  // namespace
}  // namespace trove::loadgen
