// A data-plane WebSocket connection: the framing (Beast's websocket::stream),
// its limits (message size, handshake timeout, message completion deadline),
// liveness (a ping every ws_ping_interval_s; a peer that sent nothing by the
// next ping is closed with 1001), the bounded send queue and the close
// handshake. What the messages mean belongs to its
// Protocol (ws_client_protocol.hpp for /v1/ws, ws_ingest_protocol.hpp for
// /v1/ingest), which the connection owns, hands every message it reads, and
// which answers through Enqueue. The protocol is a template parameter rather
// than an interface, so the calls made per message are direct ones.
//
// Every outgoing message goes through the one bounded queue: a client that
// falls behind by more than send_queue_max messages is closed with 1008
// (docs/design.md, Slow consumers), so no client can make the server hold
// memory without bound.
//
// Two framing engines (--ws-engine): "beast" reads and writes through Beast's
// websocket::stream, a frame per read and a write per message; "native"
// keeps Beast for the upgrade handshake only, then reads into one buffer,
// handles every complete frame of a read in place (server/net/ws) and sends
// all the replies that read produced in one gather write
// (ws_connection_native.hpp).
//
// The member functions are defined in ws_connection.cpp and instantiated
// there for both protocols, so Beast's WebSocket templates are compiled once.
#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/server_config.hpp"
#include "net/session_deadlines.hpp"
#include "net/sessions.hpp"
#include "net/ws/frame_reader.hpp"
#include "net/ws_send_queue.hpp"
#include "net/ws_upgrade.hpp"

namespace trove::net {

class Worker;

template <class Protocol>
class WsConnection final : public Session,
                           public std::enable_shared_from_this<WsConnection<Protocol>> {
 public:
  WsConnection(Socket socket, Worker& worker);
  ~WsConnection() override;

  // Beast reads the upgrade request only while initiating the accept (it
  // builds the response there), so a reference to the caller's is enough.
  void start(const UpgradeRequest& upgrade);
  void drain() override;
  void on_deadline() override;

  // Set-up before start (the upgrade's client token, the peer's count).
  Protocol& protocol() noexcept { return protocol_; }
  void hold(PeerSlot peer) noexcept { peer_ = std::move(peer); }

  // ---- for the protocol ----
  // Copies `message` into the send queue. Returns false when it is not sent:
  // the connection is closing, or the queue bound was hit (the connection is
  // then closing with 1008). `in_flight`: the reply to a request that began
  // before a drain, sent before the close frame.
  bool enqueue(std::string_view message, bool in_flight = false);
  // The message read last is handled: its bytes go, the next one is read.
  void finish_message();
  // Runs `Step` on the protocol as a handler of its own, so the worker's
  // other connections get a turn first.
  template <void (Protocol::*Step)()>
  void post_step() {
    boost::asio::post(ws_.get_executor(),
                      [self = this->shared_from_this()] { (self->protocol_.*Step)(); });
  }
  // Runs `Step` on the protocol at `when`, unless the connection is gone by
  // then or `timer` was set again (which cancels this wait). The wait holds
  // no reference, so a connection that closes is freed at once.
  template <void (Protocol::*Step)()>
  void run_at(boost::asio::steady_timer& timer, std::chrono::steady_clock::time_point when) {
    timer.expires_at(when);
    timer.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      if (ec) return;  // Happens when the timer is set again or destroyed.
      if (auto self = weak.lock()) (self->protocol_.*Step)();
    });
  }
  // Closes with an application close code (4000-4999) and a reason of at
  // most 123 bytes (RFC 6455 section 5.5).
  void close_with_reason(std::uint16_t code, std::string_view reason);
  [[nodiscard]] boost::asio::any_io_executor executor() { return ws_.get_executor(); }
  // Closing (drain, 1008, idle, peer gone): nothing more is sent.
  [[nodiscard]] bool closing() const noexcept { return state_ >= State::kClosing; }
  [[nodiscard]] std::size_t queued() const noexcept { return queue_.size(); }

 private:
  enum class State {
    kHandshaking,  // async_accept in progress
    kOpen,         // reading messages, answering them
    kClosing,      // closing: the write in flight (and a half-ingested frame) finish first
    kCloseSent,    // async_close started: waiting for the peer's close reply
    kClosed,       // the socket is closed under the stream
  };

  using TimePoint = Session::TimePoint;
  void on_ping_due(TimePoint now);
  void send_ping();
  void arm_deadline();
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec);
  void on_message_part();
  void do_write();
  void on_write(boost::beast::error_code ec);
  void close_with(const boost::beast::websocket::close_reason& reason);
  void start_close();
  void hard_close();

  // ---- the native engine (ws_connection_native.hpp) ----
  void native_read();
  void on_native_read(boost::beast::error_code ec, std::size_t bytes);
  void native_process();
  bool native_event(const ws::Event& event);
  void native_end(std::uint16_t code, std::string_view reason);
  void native_after_batch();
  void native_flush();
  void on_native_write(boost::beast::error_code ec);
  void native_start_close();
  void native_ping();

  boost::beast::websocket::stream<Socket> ws_;
  Worker& worker_;
  const config::ServerConfig& config_;
  boost::beast::flat_buffer in_;
  WsSendQueue queue_;
  State state_ = State::kHandshaking;
  boost::beast::websocket::close_reason close_reason_{boost::beast::websocket::close_code::normal};
  bool writing_ = false;           // one write at a time: OnWrite starts the next
  bool read_after_write_ = false;  // FinishMessage deferred the next read to OnWrite
  // Liveness: the next ping is due at ping_due_; heard_since_ping_ says the
  // peer sent anything (pong, ping, data) since the last one went out.
  TimePoint ping_due_{};
  bool heard_since_ping_ = true;
  bool ping_in_flight_ = false;  // Beast takes one ping at a time
  // A message whose first part has arrived must end by message_due_; pings
  // and pongs never move it, so a peer cannot hold a half message open.
  TimePoint message_due_{};
  // Native engine: the read buffer (allocated on the first read, grown only
  // for a frame that needs it, bounded by the reader's limit: a larger
  // message closes with 1009, counted as limit="frame_size") and what the
  // next gather write sends: control frames, then queued messages, then
  // the close frame. The pongs in control_out_ are bounded by one read's
  // worth of pings: the next read waits for the write in flight.
  const bool native_;
  ws::FrameReader reader_;
  std::unique_ptr<char[]> read_buffer_;
  std::size_t read_capacity_ = 0;
  std::size_t read_size_ = 0;
  std::string control_out_;
  std::string close_out_;
  std::string control_writing_;  // the control and close bytes of the write in flight
  std::string headers_writing_;  // the frame headers of its messages
  std::vector<boost::asio::const_buffer> write_buffers_;
  std::size_t messages_writing_ = 0;
  bool close_writing_ = false;
  bool close_after_write_ = false;  // a failure or the peer's close: the socket closes once sent
  bool processing_ = false;         // inside native_process: replies wait for its one write
  bool message_pending_ = false;    // the protocol is still working on a message read
  PeerSlot peer_;                   // this connection in --max-conns-per-ip's count
  // Last, so it is destroyed first, while the connection it answers through is whole.
  Protocol protocol_;
};

}  // namespace trove::net
