#include "net/session_deadlines.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace trove::net {
namespace {

using namespace std::chrono_literals;
using TimePoint = Session::TimePoint;

struct FakeSession final : Session {
  void Drain() override {}
  void OnDeadline() override {}
};

std::vector<Session*> Expired(const SessionDeadlines& table, TimePoint now) {
  std::vector<Session*> out;
  table.CollectExpired(now, out);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Session*> Sorted(std::vector<Session*> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(SessionDeadlines, UnsetDeadlinesNeverExpire) {
  SessionDeadlines table;
  FakeSession a;
  table.Add(&a);
  EXPECT_TRUE(Expired(table, TimePoint::max()).empty());
}

TEST(SessionDeadlines, ExpiresAtAndAfterTheDeadlineOnly) {
  SessionDeadlines table;
  FakeSession a;
  FakeSession b;
  table.Add(&a);
  table.Add(&b);
  const TimePoint t0 = DeadlineNow();
  a.set_deadline(t0 + 100ms);
  b.set_deadline(t0 + 200ms);
  EXPECT_TRUE(Expired(table, t0 + 99ms).empty());
  EXPECT_EQ(Expired(table, t0 + 100ms), std::vector<Session*>{&a});
  EXPECT_EQ(Expired(table, t0 + 250ms), Sorted({&a, &b}));
  a.set_deadline({});  // cleared
  EXPECT_EQ(Expired(table, t0 + 250ms), std::vector<Session*>{&b});
}

// Removal swaps the last session into the hole: its deadline must move
// with it, and later updates must land in its new slot.
TEST(SessionDeadlines, RemovalKeepsEverySurvivorsDeadline) {
  SessionDeadlines table;
  FakeSession s[4];
  const TimePoint t0 = DeadlineNow();
  for (int i = 0; i < 4; ++i) {
    table.Add(&s[i]);
    s[i].set_deadline(t0 + std::chrono::milliseconds(10 * (i + 1)));
  }
  table.Remove(&s[1]);  // s[3] moves into slot 1
  EXPECT_EQ(table.size(), 3U);
  EXPECT_EQ(Expired(table, t0 + 40ms), Sorted({&s[0], &s[2], &s[3]}));
  EXPECT_EQ(Expired(table, t0 + 20ms), std::vector<Session*>{&s[0]});
  s[3].set_deadline({});
  EXPECT_EQ(Expired(table, t0 + 40ms), Sorted({&s[0], &s[2]}));
  table.Remove(&s[0]);
  table.Remove(&s[2]);
  table.Remove(&s[3]);
  EXPECT_EQ(table.size(), 0U);
  // Removed sessions no longer write into the table.
  s[3].set_deadline(t0);
  EXPECT_TRUE(Expired(table, TimePoint::max()).empty());
}

TEST(SessionDeadlines, RemovingTwiceOrAStrangerIsHarmless) {
  SessionDeadlines table;
  FakeSession a;
  FakeSession stranger;
  table.Add(&a);
  table.Remove(&stranger);
  EXPECT_EQ(table.size(), 1U);
  table.Remove(&a);
  table.Remove(&a);
  EXPECT_EQ(table.size(), 0U);
}

TEST(SessionDeadlines, UnregisteredSessionIgnoresDeadlines) {
  FakeSession a;
  a.set_deadline(DeadlineNow());  // must not crash: no table yet
  SessionDeadlines table;
  table.Add(&a);
  EXPECT_TRUE(Expired(table, TimePoint::max()).empty());
}

}  // namespace
}  // namespace trove::net
