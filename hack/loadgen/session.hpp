// One client connection owned by a Worker: non-blocking connect, buffered
// reads and writes, failure accounting and reconnects. Protocol sessions
// (HTTP poll, WebSocket get/subscribe/ingest, HTTP ingest) derive from it and
// only turn bytes into requests and latencies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "run_report.hpp"

namespace trove::loadgen {

class Worker;

class Session {
 public:
  Session(Worker& worker, RoleStats& stats);
  virtual ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start_connect();
  void handle_events(std::uint32_t events);
  void handle_timer(std::int64_t due);
  // Called by the worker's sweep: fails a request outstanding too long.
  void check_timeout(std::int64_t now);
  // True when nothing is in flight, so the worker may stop after the window.
  virtual bool drained() const = 0;

  std::int64_t timer_due() const { return timer_due_; }

 protected:
  virtual void on_connected() = 0;
  // New bytes are in rbuf_ from rpos_ on; consume by advancing rpos_.
  virtual void on_data() = 0;
  virtual void on_timer() = 0;
  // Monotonic ns since the oldest outstanding request was sent; 0 if none.
  virtual std::int64_t oldest_outstanding_sent() const = 0;
  // The connection is gone: forget (and count) what was in flight.
  virtual void on_disconnected() = 0;
  // The server port this session connects to (ingest sessions: the ingest port).
  virtual std::uint16_t target_port() const;

  void send(std::string_view bytes);
  // Counts `kind`, closes the socket and reconnects after a pause.
  void fail(const std::string& kind);
  void set_timer(std::int64_t due);
  bool is_open() const { return state_ == State::kOpen; }

  Worker& worker_;
  RoleStats& stats_;
  std::string rbuf_;
  std::size_t rpos_ = 0;

 private:
  enum class State : std::uint8_t { kIdle, kConnecting, kOpen };
  void on_connect_result(int error);
  void read_ready();
  void flush();
  void close_socket();
  void update_interest(bool want_write);

  int fd_ = -1;
  State state_ = State::kIdle;
  bool reconnect_pending_ = false;
  bool want_write_ = false;
  std::string wbuf_;
  std::size_t wpos_ = 0;
  std::int64_t timer_due_ = 0;
};

}  // namespace trove::loadgen
