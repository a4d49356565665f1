#include "session.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "worker.hpp"

namespace trove::loadgen {

Session::Session(Worker& worker, RoleStats& stats) : worker_(worker), stats_(stats) {}

std::uint16_t Session::target_port() const {
  return worker_.config().port;
}

Session::~Session() {
  close_socket();
}

void Session::start_connect() {
  reconnect_pending_ = false;
  if (!worker_.sending_allowed()) return;
  if (!worker_.may_connect()) {
    worker_.waiting_connect_.push_back(this);
    return;
  }
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    fail(std::string("socket_") + strerrorname_np(errno));
    return;
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(target_port());
  if (::inet_pton(AF_INET, worker_.config().host.c_str(), &addr.sin_addr) != 1) {
    fail("bad_host_address");
    return;
  }
  state_ = State::kConnecting;
  worker_.connect_started();
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    worker_.watch(fd_, this, EPOLLIN, true);
    on_connect_result(0);
    return;
  }
  if (errno != EINPROGRESS) {
    on_connect_result(errno);
    return;
  }
  worker_.watch(fd_, this, EPOLLOUT, true);
}

void Session::on_connect_result(int error) {
  worker_.connect_finished();
  if (!worker_.waiting_connect_.empty()) {
    Session* next = worker_.waiting_connect_.back();
    worker_.waiting_connect_.pop_back();
    next->start_connect();
  }
  if (error != 0) {
    state_ = State::kIdle;
    fail(error == ECONNREFUSED ? std::string("connect_refused")
                               : std::string("connect_") + strerrorname_np(error));
    return;
  }
  state_ = State::kOpen;
  update_interest(false);
  on_connected();
}

void Session::handle_events(std::uint32_t events) {
  if (state_ == State::kConnecting) {
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error == 0 && (events & (EPOLLERR | EPOLLHUP))) error = ECONNREFUSED;
    on_connect_result(error);
    return;
  }
  if (state_ != State::kOpen) return;
  if (events & EPOLLIN) {
    read_ready();
    if (state_ != State::kOpen) return;
  } else if (events & (EPOLLERR | EPOLLHUP)) {
    fail("connection_reset");
    return;
  }
  if ((events & EPOLLOUT) && want_write_) flush();
}

void Session::read_ready() {
  // Read everything available (level-triggered: a short read is fine too).
  for (;;) {
    if (rpos_ > 0 && rpos_ == rbuf_.size()) {
      rbuf_.clear();
      rpos_ = 0;
    } else if (rpos_ > 65536) {
      rbuf_.erase(0, rpos_);
      rpos_ = 0;
    }
    const std::size_t old = rbuf_.size();
    constexpr std::size_t kChunk = 65536;
    rbuf_.resize(old + kChunk);
    const ssize_t n = ::read(fd_, rbuf_.data() + old, kChunk);
    if (n > 0) {
      rbuf_.resize(old + static_cast<std::size_t>(n));
      worker_.refresh_now();
      on_data();
      if (state_ != State::kOpen) return;
      if (static_cast<std::size_t>(n) < kChunk) return;
      continue;
    }
    rbuf_.resize(old);
    if (n == 0) {
      fail("closed_by_server");
      return;
    }
    if (errno == EAGAIN || errno == EINTR) return;
    fail(errno == ECONNRESET ? std::string("connection_reset")
                             : std::string("read_") + strerrorname_np(errno));
    return;
  }
}

void Session::send(std::string_view bytes) {
  if (state_ != State::kOpen) return;
  if (wpos_ == wbuf_.size()) {
    // Nothing queued: write straight from the caller's bytes.
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) {
      fail(errno == EPIPE || errno == ECONNRESET ? std::string("connection_reset")
                                                 : std::string("write_") + strerrorname_np(errno));
      return;
    }
    const auto written = n < 0 ? 0u : static_cast<std::size_t>(n);
    if (written == bytes.size()) return;
    wbuf_.assign(bytes.substr(written));
    wpos_ = 0;
    update_interest(true);
    return;
  }
  wbuf_.append(bytes);
}

void Session::flush() {
  while (wpos_ < wbuf_.size()) {
    const ssize_t n = ::send(fd_, wbuf_.data() + wpos_, wbuf_.size() - wpos_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN) return;
      fail("connection_reset");
      return;
    }
    wpos_ += static_cast<std::size_t>(n);
  }
  wbuf_.clear();
  wpos_ = 0;
  update_interest(false);
}

void Session::update_interest(bool want_write) {
  want_write_ = want_write;
  worker_.watch(fd_, this, EPOLLIN | (want_write ? EPOLLOUT : 0u), false);
}

void Session::fail(const std::string& kind) {
  // Failures after the window (the drain) are counted too: a request that
  // was due inside the window and never answered is an error of the window.
  stats_.count_error(kind);
  if (state_ == State::kConnecting) worker_.connect_finished();
  close_socket();
  on_disconnected();
  if (!reconnect_pending_ && worker_.sending_allowed()) {
    reconnect_pending_ = true;
    set_timer(worker_.now() + static_cast<std::int64_t>(worker_.config().reconnect_ms) * 1'000'000);
  }
}

void Session::close_socket() {
  if (fd_ >= 0) {
    worker_.unwatch(fd_);
    ::close(fd_);
  }
  fd_ = -1;
  state_ = State::kIdle;
  rbuf_.clear();
  rpos_ = 0;
  wbuf_.clear();
  wpos_ = 0;
  want_write_ = false;
}

void Session::set_timer(std::int64_t due) {
  timer_due_ = due;
  worker_.schedule(this, due);
}

void Session::handle_timer(std::int64_t due) {
  if (due != timer_due_) return;  // superseded
  timer_due_ = 0;
  if (reconnect_pending_) {
    start_connect();
    return;
  }
  if (state_ == State::kOpen) on_timer();
}

void Session::check_timeout(std::int64_t now) {
  if (state_ != State::kOpen) return;
  const std::int64_t sent = oldest_outstanding_sent();
  if (sent != 0 && now - sent > static_cast<std::int64_t>(worker_.config().timeout_ms) * 1'000'000)
    fail("timeout");
}

}  // namespace trove::loadgen
