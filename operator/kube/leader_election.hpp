// Leader election on a coordination.k8s.io/v1 Lease, after client-go's
// leaderelection package:
// - a candidate takes the Lease when it is free or when its holder has not
//   renewed it for leaseDurationSeconds, measured on the candidate's own
//   clock from when it last saw the record change (clock skew safe);
// - the leader renews every retry_period; if no renewal succeeds within
//   renew_deadline it has lost: is_leader() turns false at once, then
//   on_stopped_leading runs. It never campaigns again: the operator's binary
//   exits, as controller-runtime's does, and restarts clean.
// - is_leader() is also false once renew_deadline has passed since the last
//   successful renewal, even while a renewal call is still blocked, so two
//   electors never both report leadership (renew_deadline < lease_duration).
// Runs on its own thread; callbacks run on that thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>

#include "kube/client.hpp"

namespace trove::kube {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per replica, e.g. the pod name
  // controller-runtime's defaults: 15 s lease, 10 s renew deadline, 2 s retry.
  std::chrono::milliseconds lease_duration{15'000};
  std::chrono::milliseconds renew_deadline{10'000};
  std::chrono::milliseconds retry_period{2'000};
  // On stop() the leader empties holderIdentity so a successor need not wait
  // out the lease (client-go ReleaseOnCancel).
  bool release_on_stop = true;
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;
};

class LeaderElector {
 public:
  // Throws std::invalid_argument unless lease > renew deadline > retry.
  LeaderElector(Client& client, LeaderElectionConfig config);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void start();
  // Stops campaigning or leading (releasing the Lease when configured).
  void stop();

  bool is_leader() const;
  // True after leadership was lost (renew deadline missed): exit now.
  bool lost() const { return lost_.load(); }
  std::string observed_leader() const;

 private:
  struct Record {
    std::string holder;
    int lease_seconds = 0;
    std::string acquire_time;
    std::string renew_time;
    int transitions = 0;
    bool operator==(const Record&) const = default;
  };

  void run();
  bool try_acquire_or_renew();
  // The Lease's record as stored (missing fields read as empty or 0).
  static Record read_record(const KubeObject& lease);
  // Creates the Lease holding `mine`; false when another candidate did first.
  bool create_lease(const Record& mine, std::chrono::steady_clock::time_point started);
  // Notes the record the Lease holds now; reports a new holder.
  void observe(const Record& seen, std::string_view resource_version,
               std::chrono::steady_clock::time_point started);
  // Replaces the Lease with `mine`; false on a conflict.
  bool write_lease(const Record& mine, std::string_view resource_version,
                   std::chrono::steady_clock::time_point started);
  bool release();
  bool sleep_for(std::chrono::milliseconds d);
  std::string lease_json(const Record& r, const std::string& resource_version) const;

  Client& client_;
  const LeaderElectionConfig config_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;

  Record observed_;  // guarded by mutex_
  std::chrono::steady_clock::time_point observed_at_{};
  std::string observed_rv_;
  std::atomic<bool> leading_{false};
  std::atomic<std::int64_t> renewed_at_ns_{0};  // steady clock of the last renewal start
  std::atomic<bool> lost_{false};
};

}  // namespace trove::kube
