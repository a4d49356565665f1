// Events leave the reconcile path: reconcilers enqueue, one thread records
// them through its own API client (its own rate limit), so a rollout to
// 100 pods never waits for Event writes. Bounded: when the API server is slow
// and the queue is full, new Events are dropped and counted, never buffered
// without limit.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "kube/event_recorder.hpp"

namespace trove::op {

class EventPump {
 public:
  EventPump(kube::Client& client, kube::EventRecorderConfig config);
  ~EventPump();
  EventPump(const EventPump&) = delete;
  EventPump& operator=(const EventPump&) = delete;

  void post(const kube::KubeObject& hunt, const std::string& type, const std::string& reason,
            const std::string& note);
  // Records what is queued (up to a short deadline), then stops the thread.
  void stop();
  std::uint64_t dropped() const;

 private:
  struct Item {
    kube::ObjectReference regarding;
    std::string type, reason, note;
  };
  void run();

  static constexpr std::size_t kMaxQueued = 1000;
  kube::EventRecorder recorder_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::uint64_t dropped_ = 0;
  std::thread thread_;
};

}  // namespace trove::op
