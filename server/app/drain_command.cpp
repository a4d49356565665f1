#include "app/drain_command.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>

#include "trove/common/token.hpp"

namespace trove::app {
namespace {

// The first line of the answer is all the command needs; the rest (a short
// JSON or text body) is read only up to this bound.
constexpr std::size_t kMaxAnswerBytes = 4096;
// On top of the server's own drain deadline: the answer comes once its data
// listeners are closed, which the server bounds by drain_timeout_ms.
constexpr auto kAnswerSlack = std::chrono::seconds(5);

// A wildcard bind address is not something to connect to: use loopback.
std::string connect_address(const std::string& bind) {
  if (bind == "0.0.0.0") return "127.0.0.1";
  if (bind == "::") return "::1";
  return bind;
}

// A connected socket, or -1 with `error` set.
int connect_to(const std::string& address, std::uint16_t port, std::chrono::milliseconds timeout,
               std::string& error) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof *v4;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof *v6;
  } else {
    error = "not an IP address: " + address;
    return -1;
  }
  const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::generic_category().message(errno);
    return -1;
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    error = std::generic_category().message(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// The answer until the server closes, the bound, or the timeout.
std::string read_answer(int fd) {
  std::string answer;
  std::array<char, 1024> piece{};
  while (answer.size() < kMaxAnswerBytes) {
    const ssize_t n = ::recv(fd, piece.data(), piece.size(), 0);
    if (n <= 0) break;
    answer.append(piece.data(), static_cast<std::size_t>(n));
  }
  return answer;
}

std::string drain_request(const std::string& host, const std::string& token) {
  std::string request = "POST /admin/v1/drain HTTP/1.1\r\nHost: " + host +
                        "\r\nContent-Length: 0\r\nConnection: close\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  return request + "\r\n";
}

// "HTTP/1.1 401 ..." -> 401; 0 when the answer is no HTTP status line.
int status_of(const std::string& answer) {
  constexpr std::string_view kPrefix = "HTTP/1.1 ";
  constexpr std::size_t kDigits = 3;
  if (answer.size() < kPrefix.size() + kDigits || answer.compare(0, kPrefix.size(), kPrefix) != 0) {
    return 0;
  }
  int status = 0;
  const char* digits = answer.data() + kPrefix.size();
  const auto [end, ec] = std::from_chars(digits, digits + kDigits, status);
  return ec == std::errc{} && end == digits + kDigits ? status : 0;
}

std::string body_of(const std::string& answer) {
  const auto end = answer.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : answer.substr(end + 4);
}

}  // namespace

int run_drain_command(const config::ServerConfig& config) {
  std::string token;
  if (!config.admin_token_file.empty()) token = common::read_token_file(config.admin_token_file);
  const std::string address = connect_address(config.admin_bind);
  const auto port = static_cast<std::uint16_t>(config.admin_port);
  const std::string where = address + ":" + std::to_string(port);
  const auto timeout = std::chrono::milliseconds(config.drain_timeout_ms) + kAnswerSlack;
  std::string error;
  const int fd = connect_to(address, port, timeout, error);
  if (fd < 0) {
    spdlog::error("trove-server drain: cannot connect to the admin API at {}: {}", where, error);
    return 1;
  }
  const bool sent = send_all(fd, drain_request(address, token));
  const std::string answer = sent ? read_answer(fd) : std::string();
  ::close(fd);
  const int status = status_of(answer);
  if (status == 202) {
    std::cout << "trove-server drain: accepted by " << where << "; its data listeners are closed\n";
    return 0;
  }
  if (status == 0) {
    spdlog::error("trove-server drain: no HTTP answer from {}", where);
  } else if ((status == 401 || status == 403) && token.empty()) {
    spdlog::error(
        "trove-server drain: {} refused ({}) a drain without a token: give --admin-token-file",
        where, status);
  } else {
    spdlog::error("trove-server drain: {} answered {}: {}", where, status, body_of(answer));
  }
  return 1;
}

}  // namespace trove::app
