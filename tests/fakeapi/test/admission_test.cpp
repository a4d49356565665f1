// Mutating admission on create against a real HTTPS webhook in the test:
// selectors, the JSONPatch, denials, failurePolicy, timeoutSeconds, TLS
// verification with the caBundle, and hostile replies.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "api_fixture.hpp"
#include "resource_path.hpp"
#include "tls_cert.hpp"

namespace trove::fakeapi::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr const char* kPods = "/api/v1/namespaces/default/pods";

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string temp_dir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "trove-admission-XXXXXX").string();
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

// A one-thread HTTPS webhook: each connection gets one reply from handler
// (given the request's uid), or none while hang is set.
class TestWebhook {
 public:
  using Handler = std::function<std::pair<int, std::string>(const std::string& uid)>;

  explicit TestWebhook(Handler handler) : handler_(std::move(handler)), dir_(temp_dir()) {
    files_ = make_self_signed(dir_);
    ctx_.use_certificate_chain_file(files_.cert.string());
    ctx_.use_private_key_file(files_.key.string(), net::ssl::context::pem);
    acceptor_.open(tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { serve(); });
  }
  ~TestWebhook() {
    stopping_ = true;
    beast::error_code ec;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ec);  // wakes accept()
    thread_.join();
    std::filesystem::remove_all(dir_, ec);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string ca_pem() const { return read_file(files_.cert); }
  int calls() const { return calls_; }
  std::atomic<bool> hang{false};

 private:
  void serve() {
    while (!stopping_) {
      beast::error_code ec;
      tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      one(std::move(socket));
    }
  }
  void one(tcp::socket socket) {
    beast::error_code ec;
    beast::ssl_stream<tcp::socket> stream(std::move(socket), ctx_);
    stream.handshake(net::ssl::stream_base::server, ec);
    if (ec) return;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(stream, buffer, req, ec);
    if (ec) return;
    ++calls_;
    while (hang && !stopping_)
      std::this_thread::sleep_for(10ms);
    std::string uid = at(req.body(), "/request/uid");
    auto [status, body] = handler_(uid);
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.body() = body;
    res.prepare_payload();
    http::write(stream, res, ec);
  }

  Handler handler_;
  std::string dir_;
  TlsFiles files_;
  net::io_context ioc_;
  net::ssl::context ctx_{net::ssl::context::tls_server};
  tcp::acceptor acceptor_{ioc_};
  std::atomic<bool> stopping_{false};
  std::atomic<int> calls_{0};
  std::thread thread_;
};

std::string allowed(const std::string& uid, const std::string& patch_json) {
  std::string patch = patch_json.empty() ? ""
                                         : R"(,"patchType":"JSONPatch","patch":")" +
                                               base64_encode(patch_json) + "\"";
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":")" +
         uid + R"(","allowed":true)" + patch + "}}";
}

constexpr const char* kAddLabel =
    R"([{"op":"add","path":"/metadata/labels/injected","value":"yes"}])";

std::string configuration(std::uint16_t port, const std::string& ca, const std::string& policy,
                          const std::string& extra = "") {
  return R"({"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration",
    "metadata":{"name":"inject"},"webhooks":[{"name":"inject.test.dev","sideEffects":"None",
    "admissionReviewVersions":["v1"],"failurePolicy":")" +
         policy + R"(","timeoutSeconds":1,
    "objectSelector":{"matchLabels":{"inject":"true"}},)" +
         extra + R"(
    "rules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"]}],
    "clientConfig":{"url":"https://localhost:)" +
         std::to_string(port) + R"(/mutate","caBundle":")" + base64_encode(ca) + "\"}}]}";
}

std::string pod(const std::string& name, bool labelled) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"(","labels":{"inject":")" + (labelled ? "true" : "false") +
         R"("}},"spec":{"containers":[{"name":"a","image":"a"}]}})";
}

class Admission : public ::testing::Test {
 protected:
  void install(const std::string& config) {
    auto r = api.request(
        "POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", config);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  DirectResponse create(const std::string& name, bool labelled = true,
                        const std::string& path = kPods) {
    return api.request("POST", path, pod(name, labelled));
  }
  FakeApiServer api;
};

TEST_F(Admission, SelectedPodIsPatchedOthersAreNotSent) {
  TestWebhook hook([](const std::string& uid) { return std::pair{200, allowed(uid, kAddLabel)}; });
  install(configuration(hook.port(), hook.ca_pem(), "Fail"));
  auto r = create("p1");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(at(r.body, "/metadata/labels/injected"), "yes");
  auto plain = create("p2", false);
  ASSERT_EQ(plain.status, 201) << plain.body;
  EXPECT_EQ(at(plain.body, "/metadata/labels/injected"), "<absent>");
  EXPECT_EQ(hook.calls(), 1);
}

TEST_F(Admission, NamespaceSelectorUsesTheNamespacesLabels) {
  TestWebhook hook([](const std::string& uid) { return std::pair{200, allowed(uid, kAddLabel)}; });
  install(configuration(
      hook.port(), hook.ca_pem(), "Fail",
      R"("namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name",
                           "operator":"In","values":["games"]}]},)"));
  EXPECT_EQ(at(create("p1").body, "/metadata/labels/injected"), "<absent>");
  auto r = create("p2", true, "/api/v1/namespaces/games/pods");
  EXPECT_EQ(at(r.body, "/metadata/labels/injected"), "yes") << r.body;
  EXPECT_EQ(hook.calls(), 1);
}

TEST_F(Admission, DenialCarriesTheWebhooksMessage) {
  TestWebhook hook([](const std::string& uid) {
    return std::pair{
        200, R"({"response":{"uid":")" + uid +
                 R"(","allowed":false,"status":{"code":403,"message":"no sidecar for you"}}})"};
  });
  install(configuration(hook.port(), hook.ca_pem(), "Ignore"));
  auto r = create("p1");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(at(r.body, "/message"),
            "admission webhook \"inject.test.dev\" denied the request: no sidecar for you");
  EXPECT_EQ(api.request("GET", std::string(kPods) + "/p1").status, 404);
}

TEST_F(Admission, UnreachableWebhookFailsOrIsIgnoredByPolicy) {
  std::uint16_t closed_port = 0;
  std::string ca;
  {
    TestWebhook gone([](const std::string& uid) { return std::pair{200, allowed(uid, "")}; });
    closed_port = gone.port();
    ca = gone.ca_pem();
  }
  install(configuration(closed_port, ca, "Fail"));
  auto refused = create("p1");
  EXPECT_EQ(refused.status, 500);
  EXPECT_NE(refused.body.find("failed calling webhook \\\"inject.test.dev\\\""), std::string::npos)
      << refused.body;
  ASSERT_EQ(
      api.request("DELETE",
                  "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/inject")
          .status,
      200);
  install(configuration(closed_port, ca, "Ignore"));
  auto admitted = create("p2");
  EXPECT_EQ(admitted.status, 201) << admitted.body;
}

TEST_F(Admission, TimeoutSecondsBoundsTheCall) {
  TestWebhook hook([](const std::string& uid) { return std::pair{200, allowed(uid, kAddLabel)}; });
  hook.hang = true;
  install(configuration(hook.port(), hook.ca_pem(), "Fail"));
  auto start = std::chrono::steady_clock::now();
  auto r = create("p1");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("deadline exceeded"), std::string::npos) << r.body;
  EXPECT_LT(took, 5s);  // timeoutSeconds is 1
  hook.hang = false;
}

TEST_F(Admission, CertificateNotFromTheCaBundleIsRefused) {
  TestWebhook hook([](const std::string& uid) { return std::pair{200, allowed(uid, kAddLabel)}; });
  TestWebhook other([](const std::string& uid) { return std::pair{200, allowed(uid, "")}; });
  install(configuration(hook.port(), other.ca_pem(), "Fail"));
  auto r = create("p1");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("tls"), std::string::npos) << r.body;
  EXPECT_EQ(hook.calls(), 0);
}

TEST_F(Admission, HostileRepliesFailTheCreate) {
  const std::vector<std::function<std::pair<int, std::string>(const std::string&)>> replies = {
      [](const std::string&) {
        return std::pair{200, std::string("not json")};
      },
      [](const std::string&) {
        return std::pair{200, allowed("someone-else", "")};
      },
      [](const std::string& uid) {
        return std::pair{500, allowed(uid, "")};
      },
      [](const std::string& uid) {
        return std::pair{200, allowed(uid, R"([{"op":"remove","path":"/nope"}])")};
      },
      [](const std::string& uid) {
        return std::pair{200, allowed(uid, "{}")};
      },
      [](const std::string& uid) {
        return std::pair{200, allowed(uid, std::string(4 * 1024 * 1024, ' '))};
      },
  };
  int n = 0;
  for (const auto& reply : replies) {
    TestWebhook hook(reply);
    api.request(
        "DELETE",
        "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/inject");  // 404 the
                                                                                        // first
                                                                                        // time
    install(configuration(hook.port(), hook.ca_pem(), "Fail"));
    auto r = create("p" + std::to_string(n++));
    EXPECT_EQ(r.status, 500) << "reply " << n << ": " << r.body;
  }
}

TEST_F(Admission, UnusableClientConfigFailsTheCreate) {
  const std::vector<std::string> client_configs = {R"({"url":"https://localhost:abc/mutate"})",
                                                   R"({"url":"https://localhost:99999/mutate"})",
                                                   R"({"url":"https://:443/mutate"})",
                                                   R"({"url":"http://localhost/mutate"})",
                                                   R"({"url":"https://webhook.example/mutate"})",
                                                   R"("not an object")"};
  int n = 0;
  for (const std::string& client_config : client_configs) {
    api.request("DELETE",
                "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/inject");
    install(
        R"({"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration",
      "metadata":{"name":"inject"},"webhooks":[{"name":"inject.test.dev","sideEffects":"None",
      "admissionReviewVersions":["v1"],"timeoutSeconds":1,
      "rules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"]}],
      "clientConfig":)" +
        client_config + "}]}");
    auto r = create("p" + std::to_string(n++));
    EXPECT_EQ(r.status, 500) << client_config << ": " << r.body;
    EXPECT_NE(r.body.find("failed calling webhook"), std::string::npos) << r.body;
  }
}

TEST_F(Admission, MalformedSelectorMatchesNothing) {
  TestWebhook hook([](const std::string& uid) { return std::pair{200, allowed(uid, kAddLabel)}; });
  install(configuration(
      hook.port(), hook.ca_pem(), "Fail",
      R"("namespaceSelector":{"matchExpressions":[{"key":"a","operator":"Bogus"}]},)"));
  EXPECT_EQ(create("p1").status, 201);
  EXPECT_EQ(hook.calls(), 0);
}

}  // namespace
}  // namespace trove::fakeapi::testing
