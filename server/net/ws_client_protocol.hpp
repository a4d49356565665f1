// The client protocol of /v1/ws: get, subscribe and unsubscribe (boxes or a
// hunt), and the pushes those subscriptions bring: live ones from the
// worker's push tick, and the current state a new subscription is owed
// (SubscriptionSnapshot). Everything goes out through the connection's
// bounded send queue (ws_connection.hpp); the snapshot fills at most half of
// it and waits for the client, so it never trips the bound itself.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/subscription_snapshot.hpp"

namespace trove::config {
struct ServerConfig;
}

namespace trove::net {

template <class Protocol>
class WsConnection;
class Worker;

class WsClientProtocol final : private SnapshotSink {
 public:
  using Connection = WsConnection<WsClientProtocol>;
  using TimePoint = std::chrono::steady_clock::time_point;

  WsClientProtocol(Connection& connection, Worker& worker);
  // Unsubscribes from everything on the worker.
  ~WsClientProtocol();
  WsClientProtocol(const WsClientProtocol&) = delete;
  WsClientProtocol& operator=(const WsClientProtocol&) = delete;

  // ---- the connection's hooks ----
  // Answers one op read at `started`; the message is then done (true).
  bool on_message(std::string_view text, TimePoint started);
  // A write completed: a snapshot waiting for room in the queue resumes.
  void on_write_done();
  // Every op is answered within on_message.
  [[nodiscard]] static constexpr bool message_in_progress() noexcept { return false; }

  // A live push from the worker's push tick (copied into the send queue).
  void queue_push(std::string_view message);

 private:
  // ---- one function per op ----
  void get(std::uint64_t box, TimePoint started);
  void subscribe_boxes(std::span<const std::uint64_t> boxes);
  void subscribe_hunt(const std::string& hunt);
  void unsubscribe_boxes(std::span<const std::uint64_t> boxes);
  void unsubscribe_hunt(const std::string& hunt);
  void unsubscribe_all();
  void reply_invalid(std::string_view error);
  bool allow_subscription();

  // ---- current state of new subscriptions (SubscriptionSnapshot) ----
  void schedule_snapshot();
  void continue_snapshot();
  std::size_t snapshot_queue_limit() const;
  std::size_t snapshot_resume_level() const;
  bool has_room() override;
  void push(const store::BoxView& box) override;
  void synced(std::string_view hunt, std::uint64_t boxes) override;

  enum class SnapshotStep {
    kIdle,     // no step pending: the snapshot is done, or not begun
    kPosted,   // a ContinueSnapshot is queued
    kBlocked,  // no room in the send queue: on_write_done resumes it
  };

  Connection& connection_;
  Worker& worker_;
  const config::ServerConfig& config_;
  std::string scratch_;  // the reply being built; its capacity is reused
  SubscriptionSnapshot snapshot_;
  SnapshotStep snapshot_step_ = SnapshotStep::kIdle;
  std::vector<std::uint64_t> boxes_;
  std::vector<std::string> hunts_;
};

}  // namespace trove::net
