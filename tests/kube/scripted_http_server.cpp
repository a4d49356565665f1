#include "scripted_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace trove::kube::testing {
namespace {

constexpr std::string_view kHeaderEnd = "\r\n\r\n";
constexpr std::size_t kReadPiece = 4096;
// Any object the client can parse; the tests look only at the server's counts.
constexpr std::string_view kObjectBody =
    R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default",)"
    R"("uid":"u-1","resourceVersion":"7"}})";

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::size_t content_length(std::string_view head) {
  const std::string headers = lower(head);
  constexpr std::string_view kName = "\r\ncontent-length:";
  const auto at = headers.find(kName);
  if (at == std::string::npos) return 0;
  return std::stoul(headers.substr(at + kName.size()));
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool answer(int fd) {
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
      std::to_string(kObjectBody.size()) + "\r\n\r\n" + std::string(kObjectBody);
  return send_all(fd, response);
}

}  // namespace

ScriptedHttpServer::ScriptedHttpServer(ConnectionFault fault, int answered_before_fault)
    : fault_(fault), answered_before_fault_(answered_before_fault) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // the kernel picks a free port
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listen_fd_, SOMAXCONN) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("scripted server: cannot listen on 127.0.0.1");
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

ScriptedHttpServer::~ScriptedHttpServer() {
  stopping_.store(true);
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  acceptor_.join();
  {
    std::lock_guard lock(mutex_);
    for (int fd : open_fds_)
      ::shutdown(fd, SHUT_RDWR);  // wakes a blocked recv()
  }
  for (auto& t : connection_threads_)
    t.join();
  ::close(listen_fd_);
}

std::string ScriptedHttpServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

int ScriptedHttpServer::count(std::string_view method) const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::count_if(received_.begin(), received_.end(),
                                        [&](const auto& r) { return r.method == method; }));
}

int ScriptedHttpServer::connections_accepted() const {
  std::lock_guard lock(mutex_);
  return accepted_;
}

void ScriptedHttpServer::wait_until_fault_applied() {
  std::unique_lock lock(mutex_);
  fault_applied_cv_.wait(lock, [this] { return fault_applied_; });
}

void ScriptedHttpServer::accept_loop() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0 || stopping_.load()) {
      if (fd >= 0) ::close(fd);
      return;
    }
    std::lock_guard lock(mutex_);
    const bool faulty = accepted_++ == 0;
    open_fds_.push_back(fd);
    // Threads are only started here and joined by the destructor after this
    // loop ended, so the vector is never touched concurrently.
    connection_threads_.emplace_back([this, fd, faulty] { serve(fd, faulty); });
  }
}

void ScriptedHttpServer::serve(int fd, bool faulty) {
  std::string pending;
  for (int answered = 0;; ++answered) {
    const bool fault_now = faulty && answered == answered_before_fault_;
    if (fault_now && fault_ == ConnectionFault::kCloseWhenIdle) break;
    auto request = read_request(fd, pending);
    if (!request) break;
    record(*request);
    if (fault_now || !answer(fd)) break;
  }
  close_connection(fd);
  if (faulty) mark_fault_applied();
}

std::optional<ReceivedRequest> ScriptedHttpServer::read_request(int fd, std::string& pending) {
  auto fill = [&] {
    char piece[kReadPiece];
    const ssize_t n = ::recv(fd, piece, sizeof piece, 0);
    if (n <= 0) return false;
    pending.append(piece, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t head_end;
  while ((head_end = pending.find(kHeaderEnd)) == std::string::npos)
    if (!fill()) return std::nullopt;
  const std::size_t body_start = head_end + kHeaderEnd.size();
  const std::size_t body_size = content_length(std::string_view(pending).substr(0, head_end));
  while (pending.size() < body_start + body_size)
    if (!fill()) return std::nullopt;
  ReceivedRequest out;
  const std::size_t method_end = pending.find(' ');
  const std::size_t target_end = pending.find(' ', method_end + 1);
  out.method = pending.substr(0, method_end);
  out.target = pending.substr(method_end + 1, target_end - method_end - 1);
  out.body = pending.substr(body_start, body_size);
  pending.erase(0, body_start + body_size);
  return out;
}

void ScriptedHttpServer::record(const ReceivedRequest& request) {
  std::lock_guard lock(mutex_);
  received_.push_back(request);
}

void ScriptedHttpServer::close_connection(int fd) {
  std::lock_guard lock(mutex_);
  open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
  ::close(fd);
}

void ScriptedHttpServer::mark_fault_applied() {
  std::lock_guard lock(mutex_);
  fault_applied_ = true;
  fault_applied_cv_.notify_all();
}

}  // namespace trove::kube::testing
