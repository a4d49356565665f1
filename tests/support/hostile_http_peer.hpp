// A raw HTTP server on 127.0.0.1 that answers every request with a chunked
// response whose first chunk-size line never ends: endless chunk extensions.
// It counts the bytes the client took before closing, so a test can show
// that a trove HTTP client cuts such an answer off instead of buffering it.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <string>
#include <thread>

namespace trove::test_support {

class EndlessChunkExtensionPeer {
 public:
  // Offers at most `max_bytes` of extensions in all.
  explicit EndlessChunkExtensionPeer(std::size_t max_bytes) : max_bytes_(max_bytes) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, kBacklog) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      return;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~EndlessChunkExtensionPeer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    if (thread_.joinable()) thread_.join();
  }
  EndlessChunkExtensionPeer(const EndlessChunkExtensionPeer&) = delete;
  EndlessChunkExtensionPeer& operator=(const EndlessChunkExtensionPeer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  // Bytes of the endless answers the client accepted before it closed.
  [[nodiscard]] std::size_t bytes_taken() const { return sent_.load(); }

 private:
  static constexpr int kBacklog = 4;
  static constexpr std::size_t kBlockBytes = 64 * 1024;

  // Every connection until the listener is shut down (a client may retry).
  void serve() {
    for (int fd; (fd = ::accept(listen_fd_, nullptr, nullptr)) >= 0;)
      answer(fd);
  }

  void answer(int fd) {
    read_request_head(fd);
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1";
    send_all(fd, head);
    std::string block(kBlockBytes, 'v');
    block[0] = ';';
    while (sent_.load() < max_bytes_ && send_all(fd, block))
      sent_ += block.size();
    ::close(fd);
  }

  static void read_request_head(int fd) {
    std::string seen;
    char c;
    while (seen.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1)
      seen += c;
  }

  static bool send_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  std::size_t max_bytes_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> sent_{0};
  std::thread thread_;
};

}  // namespace trove::test_support
