// WebSocket client connection: RFC 6455 opening handshake, masked frames out,
// message reassembly, ping/pong and close handling. Derived sessions see whole
// text messages only.
#pragma once

#include <string>

#include "session.hpp"

namespace trove::loadgen {

class WsSession : public Session {
 public:
  WsSession(Worker& worker, RoleStats& stats, std::string path);

 protected:
  virtual void on_open() = 0;
  virtual void on_message(std::string_view text) = 0;
  void send_text(std::string_view text);
  bool ws_open() const { return open_; }

 private:
  void on_connected() final;
  void on_data() final;
  bool parse_handshake();
  bool handle_frame(bool fin, std::uint8_t opcode, std::string_view payload);

  // Largest message the client accepts: pushes and acks are small; anything
  // bigger is a server bug worth an error.
  static constexpr std::size_t kMaxMessageBytes = 1 << 20;

  std::string path_;
  std::string key_;
  bool open_ = false;
  bool in_message_ = false;
  std::string message_;
  std::string frame_out_;
};

}  // namespace trove::loadgen
