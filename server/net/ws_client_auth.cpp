// WsClientProtocol's client-token part (docs/client-auth.md): the auth op,
// the auth deadline and the expiry close, and the hunt scope of reads,
// subscriptions and pushes.
#include "auth/client_auth.hpp"
#include "net/worker.hpp"
#include "net/ws_client_protocol.hpp"
#include "net/ws_connection.hpp"
#include "trove/common/json.hpp"

namespace trove::net {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

bool WsClientProtocol::auth_required() const noexcept {
  return worker_.context().access.auth != nullptr;
}

void WsClientProtocol::on_open() {
  if (claims_) return arm_expiry();
  if (!auth_required()) return;
  connection_.run_at<&WsClientProtocol::on_auth_timer>(
      auth_timer_, Clock::now() + std::chrono::milliseconds(config_.handshake_timeout_ms));
}

// The auth deadline passed without a token, or the token's expiry came.
void WsClientProtocol::on_auth_timer() {
  if (connection_.closing()) return;
  if (!claims_) {
    worker_.context().access.auth->count(auth::AuthError::kMissingToken);
    return connection_.close_with_reason(kCloseUnauthenticated, "no auth op in time");
  }
  // The timer counts steady time; the token, wall-clock time.
  if (auth::unix_now() <= claims_->accept_until) return arm_expiry();
  connection_.close_with_reason(kCloseTokenExpired, "token expired");
}

void WsClientProtocol::arm_expiry() {
  const std::int64_t left = claims_->accept_until + 1 - auth::unix_now();
  connection_.run_at<&WsClientProtocol::on_auth_timer>(
      auth_timer_, Clock::now() + std::chrono::seconds(std::max<std::int64_t>(left, 0)));
}

void WsClientProtocol::authenticate(const std::string& token) {
  auto* auth = worker_.context().access.auth.get();
  if (auth == nullptr) {
    connection_.enqueue(
        R"({"op":"error","error":"client auth is not configured on this server","code":"auth_off"})");
    return;
  }
  auth::VerifiedTokenCache cache;
  const auto outcome = auth->authenticate(token, cache, auth::unix_now());
  if (outcome.error != auth::AuthError::kNone) {
    // A refused refresh leaves the token in force until it expires.
    if (!claims_)
      return connection_.close_with_reason(kCloseUnauthenticated, auth::to_code(outcome.error));
    scratch_ = "{\"op\":\"error\",\"error\":";
    common::append_json_string(scratch_, auth::to_message(outcome.error));
    scratch_ += ",\"code\":";
    common::append_json_string(scratch_, auth::to_code(outcome.error));
    scratch_ += '}';
    connection_.enqueue(scratch_);
    return;
  }
  claims_ = *outcome.claims;
  arm_expiry();
  const std::int64_t exp = claims_->accept_until + 1 - auth->rules().leeway_seconds;
  scratch_ = "{\"op\":\"authenticated\",\"exp\":" + std::to_string(exp) + "}";
  connection_.enqueue(scratch_);
}

bool WsClientProtocol::in_scope(std::string_view hunt) const noexcept {
  return !claims_ || claims_->scope.allows(hunt);
}

bool WsClientProtocol::box_in_scope(std::uint64_t box) const noexcept {
  return !claims_ || net::box_in_scope(worker_.context().store, box, claims_->scope);
}

std::span<const std::uint64_t> WsClientProtocol::boxes_in_scope(
    std::span<const std::uint64_t> requested) {
  if (!claims_ || claims_->scope.all_hunts) return requested;
  in_scope_.clear();
  refused_.clear();
  for (std::uint64_t box : requested)
    (box_in_scope(box) ? in_scope_ : refused_).push_back(box);
  if (!refused_.empty()) {
    worker_.context().access.auth->count(auth::AuthError::kHuntNotInScope);
    scratch_ = R"({"op":"error","error":"the token does not grant these boxes' hunts",)"
               R"("code":"hunt_not_in_scope","boxes":[)";
    for (std::size_t i = 0; i < refused_.size(); ++i) {
      if (i != 0) scratch_ += ',';
      scratch_ += std::to_string(refused_[i]);
    }
    scratch_ += "]}";
    connection_.enqueue(scratch_);
  }
  return in_scope_;
}

void WsClientProtocol::reply_out_of_scope(std::string_view hunt) {
  worker_.context().access.auth->count(auth::AuthError::kHuntNotInScope);
  scratch_ = R"({"op":"error","error":"the token does not grant this hunt",)"
             R"("code":"hunt_not_in_scope","hunt":)";
  common::append_json_string(scratch_, hunt);
  scratch_ += '}';
  connection_.enqueue(scratch_);
}

}  // namespace trove::net
