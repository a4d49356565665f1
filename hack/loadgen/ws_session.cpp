#include "ws_session.hpp"

#include "http_response.hpp"
#include "websocket.hpp"
#include "worker.hpp"

namespace trove::loadgen {

WsSession::WsSession(Worker& worker, RoleStats& stats, std::string path)
    : Session(worker, stats), path_(std::move(path)) {}

void WsSession::on_connected() {
  open_ = false;
  in_message_ = false;
  message_.clear();
  std::string nonce(16, '\0');
  for (auto& c : nonce)
    c = static_cast<char>(worker_.random() & 0xff);
  key_ = base64_encode(nonce);
  send(websocket_handshake_request(worker_.config().host, path_, key_));
}

void WsSession::send_text(std::string_view text) {
  frame_out_.clear();
  append_client_frame(frame_out_, WsOpcode::kText, text, worker_.random());
  send(frame_out_);
}

bool WsSession::parse_handshake() {
  const std::string_view data(rbuf_.data() + rpos_, rbuf_.size() - rpos_);
  const HttpResponse r = parse_http_response(data);
  if (r.state == HttpResponse::State::kNeedMore) return false;
  if (r.state == HttpResponse::State::kError) {
    fail(std::string("ws_handshake_") + to_string(r.error));
    return false;
  }
  if (r.status != 101) {
    fail("ws_handshake_status_" + std::to_string(r.status));
    return false;
  }
  if (r.websocket_accept != websocket_accept_for(key_)) {
    fail("ws_handshake_bad_accept");
    return false;
  }
  rpos_ += r.total_bytes;
  open_ = true;
  on_open();
  return is_open();
}

void WsSession::on_data() {
  if (!open_ && !parse_handshake()) return;
  while (rpos_ < rbuf_.size()) {
    const std::string_view data(rbuf_.data() + rpos_, rbuf_.size() - rpos_);
    const WsFrame f = decode_server_frame(data, kMaxMessageBytes);
    if (f.state == WsFrame::State::kNeedMore) return;
    if (f.state == WsFrame::State::kError) {
      fail(std::string("ws_") + to_string(f.error));
      return;
    }
    rpos_ += f.total_bytes;
    if (!handle_frame(f.fin, static_cast<std::uint8_t>(f.opcode), f.payload)) return;
  }
}

// Returns false once the session failed (and its buffers were reset).
bool WsSession::handle_frame(bool fin, std::uint8_t opcode, std::string_view payload) {
  switch (static_cast<WsOpcode>(opcode)) {
    case WsOpcode::kPing:
      frame_out_.clear();
      append_client_frame(frame_out_, WsOpcode::kPong, payload, worker_.random());
      send(frame_out_);
      return is_open();
    case WsOpcode::kPong:
      return true;
    case WsOpcode::kClose: {
      const unsigned code =
          payload.size() >= 2
              ? (static_cast<unsigned>(static_cast<std::uint8_t>(payload[0])) << 8) |
                    static_cast<std::uint8_t>(payload[1])
              : 1005;
      fail("ws_closed_by_server_" + std::to_string(code));
      return false;
    }
    case WsOpcode::kContinuation:
      if (!in_message_) {
        fail("ws_unexpected_continuation");
        return false;
      }
      if (message_.size() + payload.size() > kMaxMessageBytes) {
        fail("ws_message_too_large");
        return false;
      }
      message_.append(payload);
      if (!fin) return true;
      in_message_ = false;
      on_message(message_);
      return is_open();
    case WsOpcode::kText:
    case WsOpcode::kBinary:
      if (in_message_) {
        fail("ws_interleaved_message");
        return false;
      }
      if (!fin) {
        in_message_ = true;
        message_.assign(payload);
        return true;
      }
      on_message(payload);
      return is_open();
  }
  return true;
}

}  // namespace trove::loadgen
