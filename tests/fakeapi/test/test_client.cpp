#include "test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <stdexcept>

namespace trove::fakeapi::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

template <class Stream>
HttpResult exchange(Stream& stream, const std::string& target, const RequestOptions& options) {
  http::request<http::string_body> req(http::string_to_verb(options.method), target, 11);
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::accept, options.accept);
  if (!options.body.empty() || options.method != "GET") {
    req.set(http::field::content_type, options.content_type);
    req.body() = options.body;
  }
  if (!options.bearer.empty()) req.set(http::field::authorization, "Bearer " + options.bearer);
  req.keep_alive(false);
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(stream, buffer, parser);
  HttpResult out;
  out.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    std::string name(field.name_string());
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  out.body = parser.get().body();
  return out;
}

}  // namespace

HttpResult http_request(std::uint16_t port, const std::string& target,
                        const RequestOptions& options) {
  net::io_context ioc;
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  if (options.ca_file.empty()) {
    beast::tcp_stream stream(ioc);
    stream.connect(endpoint);
    return exchange(stream, target, options);
  }
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(options.ca_file);
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  beast::get_lowest_layer(stream).connect(endpoint);
  stream.handshake(ssl::stream_base::client);
  return exchange(stream, target, options);
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect failed");
  }
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buffer[4096];
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

WatchReader::WatchReader(std::uint16_t port, const std::string& target, const std::string& accept) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("connect failed");
  }
  std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: " + accept + "\r\n\r\n";
  if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    throw std::runtime_error("send failed");
  }
  // Status line and headers.
  while (raw_.find("\r\n\r\n") == std::string::npos) {
    if (!fill(std::chrono::milliseconds(5000))) throw std::runtime_error("no response headers");
  }
  std::size_t end = raw_.find("\r\n\r\n");
  std::string head = raw_.substr(0, end);
  raw_.erase(0, end + 4);
  status_ = std::stoi(head.substr(9, 3));
  for (char& c : head)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  chunked_ = head.find("transfer-encoding: chunked") != std::string::npos;
  if (!chunked_) {
    // An error answer with Content-Length: read it whole.
    std::size_t at = head.find("content-length: ");
    std::size_t length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 16));
    while (raw_.size() < length && fill(std::chrono::milliseconds(5000))) {
    }
    body_ = raw_;
    ended_ = true;
  }
}

WatchReader::~WatchReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool WatchReader::fill(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char buffer[16384];
  ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
  if (n <= 0) {
    ended_ = true;
    return false;
  }
  raw_.append(buffer, static_cast<std::size_t>(n));
  return true;
}

void WatchReader::decode() {
  while (true) {
    std::size_t eol = raw_.find("\r\n");
    if (eol == std::string::npos) return;
    std::size_t size = std::stoul(raw_.substr(0, eol), nullptr, 16);
    if (size == 0) {
      ended_ = true;
      raw_.clear();
      return;
    }
    if (raw_.size() < eol + 2 + size + 2) return;
    body_ += raw_.substr(eol + 2, size);
    raw_.erase(0, eol + 2 + size + 2);
  }
}

std::optional<std::string> WatchReader::next_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (chunked_) decode();
    std::size_t nl = body_.find('\n');
    if (nl != std::string::npos) {
      std::string line = body_.substr(0, nl);
      body_.erase(0, nl + 1);
      return line;
    }
    if (ended_) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !fill(left)) {
      if (ended_ && chunked_) decode();
      if (body_.find('\n') != std::string::npos) continue;
      return std::nullopt;
    }
  }
}

}  // namespace trove::fakeapi::testing
