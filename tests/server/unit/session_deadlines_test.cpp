#include "net/session_deadlines.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace trove::net {
namespace {

using namespace std::chrono_literals;
using TimePoint = Session::TimePoint;

struct FakeSession final : Session {
  void drain() override {}
  void on_deadline() override {}
};

std::vector<Session*> expired(const SessionDeadlines& table, TimePoint now) {
  std::vector<Session*> out;
  table.collect_expired(now, out);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Session*> sorted(std::vector<Session*> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(SessionDeadlines, UnsetDeadlinesNeverExpire) {
  SessionDeadlines table;
  FakeSession a;
  table.add(&a);
  EXPECT_TRUE(expired(table, TimePoint::max()).empty());
}

TEST(SessionDeadlines, ExpiresAtAndAfterTheDeadlineOnly) {
  SessionDeadlines table;
  FakeSession a;
  FakeSession b;
  table.add(&a);
  table.add(&b);
  const TimePoint t0 = deadline_now();
  a.set_deadline(t0 + 100ms);
  b.set_deadline(t0 + 200ms);
  EXPECT_TRUE(expired(table, t0 + 99ms).empty());
  EXPECT_EQ(expired(table, t0 + 100ms), std::vector<Session*>{&a});
  EXPECT_EQ(expired(table, t0 + 250ms), sorted({&a, &b}));
  a.set_deadline({});  // cleared
  EXPECT_EQ(expired(table, t0 + 250ms), std::vector<Session*>{&b});
}

// Removal swaps the last session into the hole: its deadline must move
// with it, and later updates must land in its new slot.
TEST(SessionDeadlines, RemovalKeepsEverySurvivorsDeadline) {
  SessionDeadlines table;
  FakeSession s[4];
  const TimePoint t0 = deadline_now();
  for (int i = 0; i < 4; ++i) {
    table.add(&s[i]);
    s[i].set_deadline(t0 + std::chrono::milliseconds(10 * (i + 1)));
  }
  table.remove(&s[1]);  // s[3] moves into slot 1
  EXPECT_EQ(table.size(), 3U);
  EXPECT_EQ(expired(table, t0 + 40ms), sorted({&s[0], &s[2], &s[3]}));
  EXPECT_EQ(expired(table, t0 + 20ms), std::vector<Session*>{&s[0]});
  s[3].set_deadline({});
  EXPECT_EQ(expired(table, t0 + 40ms), sorted({&s[0], &s[2]}));
  table.remove(&s[0]);
  table.remove(&s[2]);
  table.remove(&s[3]);
  EXPECT_EQ(table.size(), 0U);
  // Removed sessions no longer write into the table.
  s[3].set_deadline(t0);
  EXPECT_TRUE(expired(table, TimePoint::max()).empty());
}

TEST(SessionDeadlines, RemovingTwiceOrAStrangerIsHarmless) {
  SessionDeadlines table;
  FakeSession a;
  FakeSession stranger;
  table.add(&a);
  table.remove(&stranger);
  EXPECT_EQ(table.size(), 1U);
  table.remove(&a);
  table.remove(&a);
  EXPECT_EQ(table.size(), 0U);
}

TEST(SessionDeadlines, UnregisteredSessionIgnoresDeadlines) {
  FakeSession a;
  a.set_deadline(deadline_now());  // must not crash: no table yet
  SessionDeadlines table;
  table.add(&a);
  EXPECT_TRUE(expired(table, TimePoint::max()).empty());
}

}  // namespace
}  // namespace trove::net
