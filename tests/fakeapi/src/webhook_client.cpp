#include "webhook_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace trove::fakeapi {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// One call's state: every step runs on a private io_context whose run()
// the caller bounds; the tcp_stream's single expiry is the whole call's
// deadline, as kube-apiserver's context timeout is.
struct Call {
  Call(const WebhookTarget& t, ssl::context& ctx) : target(t), stream(ioc, ctx) {}

  const WebhookTarget& target;
  net::io_context ioc{1};
  beast::ssl_stream<beast::tcp_stream> stream;
  http::request<http::string_body> request;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  WebhookReply reply;

  void fail(const std::string& step, const beast::error_code& ec) {
    reply.error =
        step + ": " + (ec == beast::error::timeout ? "context deadline exceeded" : ec.message());
  }

  void start(const tcp::endpoint& endpoint) {
    beast::get_lowest_layer(stream).expires_after(target.timeout);
    beast::get_lowest_layer(stream).async_connect(endpoint, [this](beast::error_code ec) {
      if (ec) return fail("dial tcp", ec);
      stream.async_handshake(ssl::stream_base::client, [this](beast::error_code ec2) {
        if (ec2) return fail("tls", ec2);
        write();
      });
    });
  }

  void write() {
    http::async_write(stream, request, [this](beast::error_code ec, std::size_t) {
      if (ec) return fail("write", ec);
      parser.emplace();
      parser->body_limit(kMaxWebhookReplyBytes);
      http::async_read(stream, buffer, *parser, [this](beast::error_code ec2, std::size_t) {
        if (ec2) return fail("read", ec2);
        reply.delivered = true;
        reply.status = static_cast<int>(parser->get().result_int());
        reply.body = std::move(parser->get().body());
      });
    });
  }
};

bool configure_trust(ssl::context& ctx, const WebhookTarget& target, std::string* error) {
  beast::error_code ec;
  ctx.set_verify_mode(ssl::verify_peer, ec);
  if (target.ca_bundle.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.add_certificate_authority(net::buffer(target.ca_bundle), ec);
  }
  if (ec) *error = "x509: the caBundle holds no usable certificate: " + ec.message();
  return !ec;
}

}  // namespace

WebhookReply call_webhook(const WebhookTarget& target, const std::string& body) {
  ssl::context ctx(ssl::context::tls_client);
  WebhookReply early;
  if (!configure_trust(ctx, target, &early.error)) return early;
  beast::error_code ec;
  auto address = net::ip::make_address(target.connect_host, ec);
  if (ec) {
    early.error = "dial tcp: lookup " + target.connect_host + ": no such host";
    return early;
  }
  Call call(target, ctx);
  call.stream.set_verify_callback(ssl::host_name_verification(target.server_name));
  // SNI, as Go's TLS client sends it for a DNS name. SSL_set_tlsext_host_name
  // is a macro with a C cast; this is its expansion.
  SSL_ctrl(call.stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(target.server_name.c_str()));
  call.request = {http::verb::post, target.path, 11};
  call.request.set(http::field::host, target.server_name + ":" + std::to_string(target.port));
  call.request.set(http::field::content_type, "application/json");
  call.request.set(http::field::accept, "application/json, */*");
  call.request.body() = body;
  call.request.prepare_payload();
  call.start(tcp::endpoint(address, target.port));
  // The stream's expiry ends every step; this only guards against a bug there.
  call.ioc.run_for(target.timeout + std::chrono::seconds(1));
  if (!call.reply.delivered && call.reply.error.empty()) {
    call.reply.error = "context deadline exceeded";
  }
  return call.reply;
}

}  // namespace trove::fakeapi
