// Lease leader election against the fake: hand-over on release and on a
// crashed leader, loss when renewals fail, and never two leaders at once.
#include "kube/leader_election.hpp"

#include <gtest/gtest.h>

#include "fake_fixture.hpp"
#include "slow_factor.hpp"
#include "wait_for.hpp"

namespace trove::kube::testing {
namespace {

using namespace std::chrono_literals;

class LeaderElection : public FakeApiTest {
 protected:
  LeaderElectionConfig config(const std::string& id) {
    LeaderElectionConfig c;
    c.lease_namespace = "default";
    c.lease_name = "trove-operator";
    c.identity = id;
    // The 15 / 10 / 2 s defaults scaled down by 10.
    c.lease_duration = 1500ms;
    c.renew_deadline = 1000ms;
    c.retry_period = 200ms;
    return c;
  }

  // Samples is_leader() of every elector until stopped; counts overlaps.
  class Watchdog {
   public:
    explicit Watchdog(std::vector<LeaderElector*> electors)
        : electors_(std::move(electors)), thread_([this] { loop(); }) {}
    ~Watchdog() { stop(); }
    void stop() {
      done_ = true;
      if (thread_.joinable()) thread_.join();
    }
    int overlaps() const { return overlaps_; }
    int samples() const { return samples_; }

   private:
    void loop() {
      while (!done_) {
        int leaders = 0;
        for (auto* e : electors_)
          leaders += e->is_leader() ? 1 : 0;
        if (leaders > 1) ++overlaps_;
        ++samples_;
        std::this_thread::sleep_for(200us);
      }
    }
    std::vector<LeaderElector*> electors_;
    std::atomic<bool> done_{false};
    std::atomic<int> overlaps_{0};
    std::atomic<int> samples_{0};
    std::thread thread_;
  };

  static bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
    return test_support::wait_for(cond, test_support::scaled(timeout), 5ms);
  }
};

TEST_F(LeaderElection, RejectsInconsistentDurations) {
  auto client = make_client();
  auto c = config("a");
  c.renew_deadline = c.lease_duration;
  EXPECT_THROW(LeaderElector(*client, c), std::invalid_argument);
  c = config("a");
  c.retry_period = c.renew_deadline;
  EXPECT_THROW(LeaderElector(*client, c), std::invalid_argument);
  c = config("");
  EXPECT_THROW(LeaderElector(*client, c), std::invalid_argument);
}

TEST_F(LeaderElection, HandsOverOnReleaseAndNeverHasTwoLeaders) {
  auto ca = make_client();
  auto cb = make_client();
  std::atomic<int> a_started{0}, a_stopped{0}, b_started{0};
  auto cfg_a = config("a");
  cfg_a.on_started_leading = [&] { ++a_started; };
  cfg_a.on_stopped_leading = [&] { ++a_stopped; };
  auto cfg_b = config("b");
  cfg_b.on_started_leading = [&] { ++b_started; };
  LeaderElector a(*ca, cfg_a);
  LeaderElector b(*cb, cfg_b);
  Watchdog dog({&a, &b});
  a.start();
  ASSERT_TRUE(wait_for([&] { return a.is_leader(); }, 3s));
  b.start();
  std::this_thread::sleep_for(1s);  // several lease periods: b must keep waiting
  EXPECT_FALSE(b.is_leader());
  EXPECT_EQ(b.observed_leader(), "a");

  const auto stopped_at = std::chrono::steady_clock::now();
  a.stop();  // releases the Lease
  EXPECT_EQ(a_stopped, 1);
  ASSERT_TRUE(wait_for([&] { return b.is_leader(); }, 3s));
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, test_support::scaled(1000ms))
      << "a released Lease is taken within about one retry period";
  EXPECT_EQ(b_started, 1);
  dog.stop();
  EXPECT_EQ(dog.overlaps(), 0) << "two leaders at once in " << dog.samples() << " samples";
  auto lease = ca->get(leases_type(), "default", "trove-operator");
  EXPECT_STREQ(lease.at("/spec/holderIdentity")->GetString(), "b");
  EXPECT_EQ(lease.at("/spec/leaseTransitions")->GetInt(), 1);
  b.stop();
}

TEST_F(LeaderElection, CrashedLeaderIsReplacedAfterLeaseExpires) {
  auto ca = make_client();
  auto cb = make_client();
  auto cfg_a = config("a");
  cfg_a.release_on_stop = false;  // a crash: the Lease is left as it was
  LeaderElector a(*ca, cfg_a);
  LeaderElector b(*cb, config("b"));
  Watchdog dog({&a, &b});
  a.start();
  ASSERT_TRUE(wait_for([&] { return a.is_leader(); }, 3s));
  b.start();
  std::this_thread::sleep_for(300ms);
  const auto crashed_at = std::chrono::steady_clock::now();
  a.stop();
  ASSERT_TRUE(wait_for([&] { return b.is_leader(); }, 5s));
  const auto took = std::chrono::steady_clock::now() - crashed_at;
  EXPECT_GE(took, 1000ms) << "b must wait out the lease it observed";
  EXPECT_LT(took, test_support::scaled(3500ms));
  dog.stop();
  EXPECT_EQ(dog.overlaps(), 0);
  b.stop();
}

TEST_F(LeaderElection, LeaderThatCannotRenewStepsDownBeforeLeaseExpires) {
  auto ca = make_client();
  auto cb = make_client();
  std::atomic<int> a_stopped{0};
  auto cfg_a = config("a");
  cfg_a.on_stopped_leading = [&] { ++a_stopped; };
  LeaderElector a(*ca, cfg_a);
  a.start();
  ASSERT_TRUE(wait_for([&] { return a.is_leader(); }, 3s));
  // Every lease update now fails: a must notice within its renew deadline.
  fakeapi::RequestFault f;
  f.verb = "update";
  f.resource = "leases";
  f.status = 500;
  f.retry_after_seconds = 0;
  server_->faults().add_request_fault(f);
  const auto broke_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_for([&] { return a.lost(); }, 4s));
  EXPECT_FALSE(a.is_leader());
  EXPECT_EQ(a_stopped, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - broke_at, test_support::scaled(2500ms));
  server_->faults().clear();
  // A successor takes over; the lost elector never campaigns again.
  LeaderElector b(*cb, config("b"));
  Watchdog dog({&a, &b});
  b.start();
  ASSERT_TRUE(wait_for([&] { return b.is_leader(); }, 5s));
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(a.is_leader());
  dog.stop();
  EXPECT_EQ(dog.overlaps(), 0);
  b.stop();
  a.stop();
}

TEST_F(LeaderElection, ThreeCandidatesOneLeaderThroughSuccessiveStops) {
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<std::unique_ptr<LeaderElector>> electors;
  for (const char* id : {"x", "y", "z"}) {
    clients.push_back(make_client());
    electors.push_back(std::make_unique<LeaderElector>(*clients.back(), config(id)));
  }
  Watchdog dog({electors[0].get(), electors[1].get(), electors[2].get()});
  for (auto& e : electors)
    e->start();
  std::set<std::string> leaders_seen;
  for (int round = 0; round < 2; ++round) {
    LeaderElector* leader = nullptr;
    ASSERT_TRUE(wait_for(
        [&] {
          for (auto& e : electors)
            if (e->is_leader()) leader = e.get();
          return leader != nullptr;
        },
        4s));
    leaders_seen.insert(leader->observed_leader());
    leader->stop();
  }
  dog.stop();
  EXPECT_EQ(dog.overlaps(), 0);
  EXPECT_EQ(leaders_seen.size(), 2u);
  for (auto& e : electors)
    e->stop();
}

}  // namespace
}  // namespace trove::kube::testing
