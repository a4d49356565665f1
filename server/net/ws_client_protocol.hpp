// The client protocol of /v1/ws: get, subscribe and unsubscribe (boxes or a
// hunt), and the pushes those subscriptions bring: live ones from the
// worker's push tick, and the current state a new subscription is owed
// (SubscriptionSnapshot). Everything goes out through the connection's
// bounded send queue (ws_connection.hpp); the snapshot fills at most half of
// it and waits for the client, so it never trips the bound itself.
//
// With client auth on (docs/client-auth.md), a connection without a token
// from its upgrade must send {"op":"auth","token":"…"} first, within the
// handshake timeout; the same op later refreshes the token. Reads and
// pushes are limited to the token's hunts, and a token that expires without
// a refresh closes the connection with kCloseTokenExpired.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/token_claims.hpp"
#include "net/subscription_snapshot.hpp"

namespace trove::config {
struct ServerConfig;
}

namespace trove::net {

struct WsOp;
template <class Protocol>
class WsConnection;
class Worker;

// Application close codes (RFC 6455 section 7.4.2: 4000-4999 are private).
// No valid token: none in time, another op first, or the first token refused
// (the reason is the refusal's code).
inline constexpr std::uint16_t kCloseUnauthenticated = 4401;
// The token expired and was not refreshed.
inline constexpr std::uint16_t kCloseTokenExpired = 4408;

class WsClientProtocol final : private SnapshotSink {
 public:
  using Connection = WsConnection<WsClientProtocol>;
  using TimePoint = std::chrono::steady_clock::time_point;

  WsClientProtocol(Connection& connection, Worker& worker);
  // Unsubscribes from everything on the worker.
  ~WsClientProtocol();
  WsClientProtocol(const WsClientProtocol&) = delete;
  WsClientProtocol& operator=(const WsClientProtocol&) = delete;

  // The client token of the upgrade request (before the connection starts).
  void grant(auth::TokenClaims claims) { claims_ = std::move(claims); }

  // ---- the connection's hooks ----
  // The handshake is done: the auth deadline or the token's expiry is armed.
  void on_open();
  // Answers one op read at `started`; the message is then done (true).
  bool on_message(std::string_view text, TimePoint started);
  // A write completed: a snapshot waiting for room in the queue resumes.
  void on_write_done();
  // The largest op a client may send (--max-ws-client-message-bytes).
  static std::uint64_t max_message_bytes(const config::ServerConfig& config) noexcept;
  // Every op is answered within on_message.
  [[nodiscard]] static constexpr bool message_in_progress() noexcept { return false; }

  // A live push of a box of `hunt` from the worker's push tick (copied into
  // the send queue unless the token does not grant the hunt).
  void queue_push(std::string_view message, std::string_view hunt);

 private:
  // ---- one function per op ----
  void get(std::uint64_t box, TimePoint started);
  void subscribe_boxes(const WsOp& op);
  // The versions op gives for `boxes` (a subset of op.boxes, in its order).
  std::span<const std::uint64_t> versions_of(const WsOp& op, std::span<const std::uint64_t> boxes);
  void subscribe_hunt(const WsOp& op);
  bool decide_sync(const WsOp& op, HuntSync& sync, std::string& error);
  void unsubscribe_boxes(std::span<const std::uint64_t> boxes);
  void unsubscribe_hunt(const std::string& hunt);
  void unsubscribe_all();
  void reply_invalid(std::string_view error);
  bool allow_subscription();

  // ---- client tokens ----
  [[nodiscard]] bool auth_required() const noexcept;
  void authenticate(const std::string& token);
  void on_auth_timer();
  void arm_expiry();
  [[nodiscard]] bool in_scope(std::string_view hunt) const noexcept;
  [[nodiscard]] bool box_in_scope(std::uint64_t box) const noexcept;
  std::span<const std::uint64_t> boxes_in_scope(std::span<const std::uint64_t> requested);
  void reply_out_of_scope(std::string_view hunt);

  // ---- current state of new subscriptions (SubscriptionSnapshot) ----
  void schedule_snapshot();
  void continue_snapshot();
  std::size_t snapshot_queue_limit() const;
  std::size_t snapshot_resume_level() const;
  bool has_room() override;
  void push(const store::BoxView& box) override;
  void synced(std::string_view hunt, std::uint64_t boxes, const HuntSync& sync) override;
  void boxes_synced(std::uint64_t pushes, bool recovered) override;

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
  // The boxes this connection holds: a set, so a subscribe or unsubscribe
  // costs the boxes it names, not the (up to 4,096) boxes held; open
  // addressing, so a 4,096-box subscribe allocates no node per box.
  boost::unordered_flat_set<std::uint64_t> boxes_;
  std::vector<std::string> hunts_;           // at most kMaxHuntsPerConnection
  std::vector<std::uint64_t> changed_;       // reused: the boxes an op added or removed
  std::optional<auth::TokenClaims> claims_;  // the token in force, once authenticated
  boost::asio::steady_timer auth_timer_;     // the auth deadline, then the token's expiry
  std::vector<std::uint64_t> in_scope_;      // reused by boxes_in_scope
  std::vector<std::uint64_t> refused_;
  std::vector<std::uint64_t> versions_;  // reused by versions_of
};

}  // namespace trove::net
