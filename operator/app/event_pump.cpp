#include "event_pump.hpp"

namespace trove::op {

EventPump::EventPump(kube::Client& client, kube::EventRecorderConfig config)
    : recorder_(client, std::move(config)), thread_([this] { run(); }) {}

EventPump::~EventPump() {
  stop();
}

void EventPump::post(const kube::KubeObject& hunt, const std::string& type,
                     const std::string& reason, const std::string& note) {
  Item item{kube::ObjectReference::to(hunt, "trove.dev/v1alpha1", "TreasureHunt"), type, reason,
            note.substr(0, 1024)};  // events.k8s.io caps a note at 1 KiB
  std::lock_guard lock(mutex_);
  if (stopping_ || queue_.size() >= kMaxQueued) {
    ++dropped_;
    return;
  }
  queue_.push_back(std::move(item));
  cv_.notify_one();
}

void EventPump::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t EventPump::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void EventPump::run() {
  for (;;) {
    Item item;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // On shutdown the queue is abandoned: Events are best effort and a
      // slow API server must not hold the process open.
      if (stopping_ || queue_.empty()) return;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    const std::string action = item.type == "Warning" ? "Reconcile" : "Tune";
    recorder_.record(item.regarding, item.type, item.reason, action, item.note);
  }
}

}  // namespace trove::op
