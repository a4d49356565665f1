// Drives the admin listener over a real loopback socket with raw requests.
#include "trove/common/admin_http_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace trove::common {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Sends `raw` and reads until the server closes the connection.
std::string round_trip(std::uint16_t port, const std::string& raw) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(raw));
  std::string out;
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    std::size_t n = s.read_some(asio::buffer(buf), ec);
    if (ec) break;
    out.append(buf, n);
  }
  return out;
}

class AdminHttpServerTest : public testing::Test {
 protected:
  void SetUp() override {
    routes_.add({"GET", "/healthz", false, false, "liveness",
                 [](const HttpRequest&) { return HttpResponse::text(200, "ok\n"); }});
    routes_.add({"POST", "/echo", true, false, "echo the body",
                 [](const HttpRequest& r) { return HttpResponse::text(200, r.body); }});
    AdminHttpServerOptions options;
    options.max_body_bytes = 16;
    server_ = std::make_unique<AdminHttpServer>(options, routes_);
    server_->start();
    ASSERT_NE(server_->port(), 0);
  }
  RouteTable routes_;
  std::unique_ptr<AdminHttpServer> server_;
};

TEST_F(AdminHttpServerTest, ServesRoutesAndHelp) {
  std::string r =
      round_trip(server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << r;
  EXPECT_NE(r.find("\r\n\r\nok\n"), std::string::npos) << r;
  r = round_trip(server_->port(), "GET /help HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(r.find("POST /echo [mutates] [token]: echo the body"), std::string::npos) << r;
}

TEST_F(AdminHttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  std::string r =
      round_trip(server_->port(),
                 "GET /healthz HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.find("HTTP/1.1 200"), 0u);
  EXPECT_NE(r.find("HTTP/1.1 200", 5), std::string::npos) << r;
}

TEST_F(AdminHttpServerTest, MalformedRequestIs400) {
  std::string r = round_trip(server_->port(), "GARBAGE\x01\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 400", 0), 0u) << r;
}

TEST_F(AdminHttpServerTest, OversizedBodyIs413) {
  std::string r = round_trip(server_->port(), "POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\n" +
                                                  std::string(100, 'x'));
  EXPECT_EQ(r.rfind("HTTP/1.1 413", 0), 0u) << r;
}

TEST_F(AdminHttpServerTest, StopClosesOpenConnectionsAndIsIdempotent) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  server_->stop();
  char c;
  boost::system::error_code ec;
  s.read_some(asio::buffer(&c, 1), ec);
  EXPECT_TRUE(ec) << "connection should be closed by Stop()";
  server_->stop();
}

TEST(ParseHostPort, AcceptsHostPortAndRejectsMalformed) {
  std::string host;
  std::uint16_t port = 0;
  EXPECT_TRUE(parse_host_port("127.0.0.1:8081", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8081);
  EXPECT_TRUE(parse_host_port("[::1]:0", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_FALSE(parse_host_port("127.0.0.1", host, port));
  EXPECT_FALSE(parse_host_port("127.0.0.1:70000", host, port));
  EXPECT_FALSE(parse_host_port(":80", host, port));
  EXPECT_FALSE(parse_host_port("h:8x", host, port));
}

}  // namespace
}  // namespace trove::common
