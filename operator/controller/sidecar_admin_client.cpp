#include "controller/sidecar_admin_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>

#include "trove/common/http_read_limits.hpp"

namespace trove::controller {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The sidecar's answers carry a handful of short header fields.
constexpr std::size_t kMaxAdminHeaderBytes = 16 * 1024;

// Shared by the chains of one batch: which call is next, where results go.
struct Batch {
  const std::vector<AdminCall>& calls;
  std::vector<AdminResult>& results;
  std::chrono::milliseconds timeout;
  std::size_t next = 0;
};

// One call at a time; when it ends, the chain takes the batch's next call.
class AdminExchange : public std::enable_shared_from_this<AdminExchange> {
 public:
  AdminExchange(asio::io_context& ioc, Batch& batch) : ioc_(ioc), batch_(batch) {}

  void start_next() {
    if (batch_.next >= batch_.calls.size()) return;
    index_ = batch_.next++;
    const AdminCall& call = batch_.calls[index_];
    stream_.emplace(ioc_);
    buffer_.clear();
    parser_.emplace();
    parser_->body_limit(kMaxAdminBodyBytes);
    parser_->header_limit(kMaxAdminHeaderBytes);
    chunk_extensions_.attach(*parser_);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(call.host, ec);
    if (ec || call.port == 0) {
      finish_error("bad sidecar address " + call.host + ":" + std::to_string(call.port));
      return;
    }
    request_ = {};
    request_.method_string(call.method);
    request_.target(call.target);
    request_.version(11);
    request_.set(http::field::host, call.host + ":" + std::to_string(call.port));
    request_.set(http::field::user_agent, "trove-operator");
    request_.set(http::field::connection, "close");
    if (!call.token.empty()) request_.set(http::field::authorization, "Bearer " + call.token);
    if (!call.body.empty() || call.method == "PUT") {
      request_.set(http::field::content_type, "application/json");
      request_.body() = call.body;
    }
    request_.prepare_payload();
    // One deadline for the whole exchange: connect, write and read.
    stream_->expires_after(batch_.timeout);
    stream_->async_connect(
        tcp::endpoint(address, call.port),
        [self = shared_from_this()](beast::error_code e) { self->on_connect(e); });
  }

 private:
  void on_connect(beast::error_code ec) {
    // Happens when the sidecar is down (refused) or the deadline passed.
    if (ec) return finish_error("connect: " + ec.message());
    http::async_write(
        *stream_, request_,
        [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_write(e); });
  }

  void on_write(beast::error_code ec) {
    // Happens when the sidecar closes mid-request or the deadline passed.
    if (ec) return finish_error("write: " + ec.message());
    http::async_read(
        *stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_read(e); });
  }

  void on_read(beast::error_code ec) {
    // Happens on a timeout, a closed connection or an oversized answer.
    if (ec) return finish_error("read: " + ec.message());
    AdminResult& r = batch_.results[index_];
    r.status = static_cast<int>(parser_->get().result_int());
    r.body = std::move(parser_->get().body());
    close_and_continue();
  }

  void finish_error(const std::string& what) {
    const AdminCall& call = batch_.calls[index_];
    batch_.results[index_].error =
        call.method + " " + call.host + ":" + std::to_string(call.port) + call.target + ": " + what;
    close_and_continue();
  }

  void close_and_continue() {
    beast::error_code ignored;
    stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_->socket().close(ignored);
    start_next();
  }

  asio::io_context& ioc_;
  Batch& batch_;
  std::size_t index_ = 0;
  std::optional<beast::tcp_stream> stream_;
  // Capped, and chunk extensions counted: a hostile or broken sidecar cannot
  // make the operator hold memory (http_read_limits.hpp).
  beast::flat_buffer buffer_{common::read_buffer_limit(kMaxAdminHeaderBytes)};
  common::ChunkExtensionBudget chunk_extensions_{kMaxAdminHeaderBytes};
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::string_body>> parser_;
};

}  // namespace

std::vector<AdminResult> run_admin_calls(const std::vector<AdminCall>& calls,
                                         const AdminClientOptions& options) {
  std::vector<AdminResult> results(calls.size());
  if (calls.empty()) return results;
  asio::io_context ioc(1);
  Batch batch{calls, results, options.timeout};
  const std::size_t chains = std::max<std::size_t>(1, std::min(options.concurrency, calls.size()));
  for (std::size_t i = 0; i < chains; ++i) {
    std::make_shared<AdminExchange>(ioc, batch)->start_next();
  }
  ioc.run();
  return results;
}

}  // namespace trove::controller
