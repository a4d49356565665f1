#include "cpu_stat.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

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

TEST(PidStat, SumsUserAndSystemTimeEvenWithHostileCommandNames) {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  EXPECT_EQ(parse_pid_stat("42 (trove-server) S 1 42 42 0 -1 4194560 100 0 0 0 250 70 0 0 20 0"),
            320u);
  EXPECT_EQ(parse_pid_stat("7 (a) b (c) R 1 7 7 0 -1 0 0 0 0 0 11 22 0 0"), 33u);
  EXPECT_FALSE(parse_pid_stat("no parenthesis 1 2 3"));
  EXPECT_FALSE(parse_pid_stat("1 (x) S 1 2"));  // truncated before utime
  EXPECT_FALSE(parse_pid_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 ab 2 0"));
}

TEST(PidStat, ReadsThisProcessAndRefusesAMissingOne) {
  EXPECT_TRUE(read_process_jiffies({static_cast<int>(::getpid())}));
  EXPECT_FALSE(read_process_jiffies({static_cast<int>(::getpid()), 0x3fffffff}));
}

}  // namespace
}  // namespace trove::loadgen
