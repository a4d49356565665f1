// Shared set-up for client tests: an in-process fake API server (tests/fakeapi)
// and clients configured through the kubeconfig it writes, so every test also
// exercises kubeconfig loading.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <utility>

#include "kube/client.hpp"
#include "kube/informer.hpp"
#include "trove/fakeapi/fake_api_server.hpp"

namespace trove::kube::testing {

namespace fs = std::filesystem;

inline fs::path make_temp_dir(const std::string& tag) {
  static int counter = 0;
  fs::path p = fs::temp_directory_path() / ("trove-kube-" + tag + "-" + std::to_string(::getpid()) +
                                            "-" + std::to_string(counter++));
  fs::create_directories(p);
  return p;
}

inline void write_file(const fs::path& path, const std::string& text) {
  fs::path tmp = path;
  tmp += ".tmp";
  std::ofstream(tmp, std::ios::trunc) << text;
  fs::rename(tmp, path);  // atomic, like a kubelet token rotation
}

// A pod small enough for thousands, with a label and a field to update.
inline std::string pod_json(const std::string& name, const std::string& ns = "default",
                            const std::string& app = "game", int generation_tag = 0) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"(","namespace":")" +
         ns + R"(","labels":{"app":")" + app + R"("},"annotations":{"tag":")" +
         std::to_string(generation_tag) +
         R"("}},"spec":{"containers":[{"name":"c","image":"trove:dev"}]}})";
}

class FakeApiTest : public ::testing::Test {
 protected:
  void start_server(fakeapi::ServerOptions options = {}) {
    dir_ = make_temp_dir("fake");
    server_ = std::make_unique<fakeapi::FakeApiServer>(std::move(options));
    server_->start();
    admin_.reset();
    kubeconfig_ = dir_ / "kubeconfig";
    server_->write_kubeconfig(kubeconfig_);
  }
  void SetUp() override { start_server(fast_server_options()); }
  void TearDown() override {
    admin_.reset();
    if (server_) server_->stop();
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static fakeapi::ServerOptions fast_server_options() {
    fakeapi::ServerOptions o;
    o.bookmark_interval = std::chrono::milliseconds{100};
    return o;
  }

  // A client with rate limits high enough that tests measure the server, not
  // the limiter (tests of the limiter set their own).
  std::unique_ptr<Client> make_client(ClientOptions options = fast_client_options()) {
    return std::make_unique<Client>(load_kubeconfig_file(kubeconfig_.string()), std::move(options));
  }
  static ClientOptions fast_client_options() {
    ClientOptions o;
    o.qps = 10'000;
    o.burst = 10'000;
    o.transport.request_timeout = std::chrono::milliseconds{10'000};
    return o;
  }

  // Informer settings scaled down from minutes to fractions of a second.
  static InformerConfig fast_informer(const std::string& ns = "default") {
    InformerConfig c;
    c.type = pods_type();
    c.namespace_ = ns;
    c.min_watch_timeout = std::chrono::seconds{1};
    c.max_watch_timeout = std::chrono::seconds{3};
    c.idle_timeout = std::chrono::milliseconds{700};  // > 2x the 100 ms bookmarks
    c.backoff = BackoffConfig{std::chrono::milliseconds{10}, std::chrono::milliseconds{200}, 2.0,
                              1.0, std::chrono::milliseconds{5'000}};
    return c;
  }

  // Writes and reads that set up or check the server's state, through a
  // separate unthrottled client (request faults in these tests target only
  // list/watch or name their verb, so these calls are not affected).
  fakeapi::DirectResponse direct(std::string_view method, std::string_view target,
                                 std::string_view body = {},
                                 std::string_view type = "application/json") {
    if (!admin_) admin_ = make_client();
    HttpRequest req;
    req.method = std::string(method);
    req.target = std::string(target);
    req.body = std::string(body);
    if (!body.empty()) req.content_type = std::string(type);
    HttpResponse res = admin_->request(std::move(req));
    return fakeapi::DirectResponse{res.status, res.content_type, std::move(res.body)};
  }
  void direct_ok(std::string_view method, std::string_view target, std::string_view body = {},
                 std::string_view type = "application/json") {
    auto r = direct(method, target, body, type);
    ASSERT_GE(r.status, 200) << method << " " << target << ": " << r.body;
    ASSERT_LT(r.status, 300) << method << " " << target << ": " << r.body;
  }

  // key -> resourceVersion of every pod the server holds in `ns`.
  std::map<std::string, std::string> server_pods(const std::string& ns = "default") {
    auto r = direct("GET", "/api/v1/namespaces/" + ns + "/pods");
    EXPECT_EQ(r.status, 200) << r.body;
    rapidjson::Document doc;
    doc.Parse(r.body.data(), r.body.size());
    std::map<std::string, std::string> out;
    if (!doc.IsObject() || !doc.HasMember("items")) return out;
    for (const auto& item : doc["items"].GetArray()) {
      const auto& m = item["metadata"];
      out[std::string(m["namespace"].GetString()) + "/" + m["name"].GetString()] =
          m["resourceVersion"].GetString();
    }
    return out;
  }

  static std::map<std::string, std::string> cache_pods(const Store& store) {
    std::map<std::string, std::string> out;
    for (const auto& o : store.list())
      out[o->key()] = std::string(o->resource_version());
    return out;
  }

  // Polls until the informer's cache equals the server's pods in `ns`.
  bool wait_converged(const Informer& informer, const std::string& ns,
                      std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (informer.has_synced() && cache_pods(informer.store()) == server_pods(ns)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    return false;
  }

  fs::path dir_;
  fs::path kubeconfig_;
  std::unique_ptr<fakeapi::FakeApiServer> server_;
  std::unique_ptr<Client> admin_;
};

// Mirrors the cache from callbacks alone and records any callback that
// contradicts what came before (an add of a present key, an update or delete
// of an absent one, an update that changes nothing): the "no missed, no
// duplicated final state" check.
class CallbackMirror {
 public:
  EventHandlers handlers() {
    EventHandlers h;
    h.on_add = [this](const ObjectPtr& o) {
      std::lock_guard lock(mutex_);
      if (!state_.emplace(o->key(), std::string(o->resource_version())).second)
        violations_.push_back("add of present " + o->key());
      ++adds_;
    };
    h.on_update = [this](const ObjectPtr& old, const ObjectPtr& o) {
      std::lock_guard lock(mutex_);
      auto it = state_.find(o->key());
      if (it == state_.end()) {
        violations_.push_back("update of absent " + o->key());
      } else if (it->second == o->resource_version() && old->uid() == o->uid()) {
        violations_.push_back("duplicate update of " + o->key() + " at " + it->second);
      }
      state_[o->key()] = std::string(o->resource_version());
      ++updates_;
    };
    h.on_delete = [this](const ObjectPtr& o) {
      std::lock_guard lock(mutex_);
      if (state_.erase(o->key()) == 0) violations_.push_back("delete of absent " + o->key());
      ++deletes_;
    };
    return h;
  }
  std::map<std::string, std::string> state() const {
    std::lock_guard lock(mutex_);
    return state_;
  }
  std::vector<std::string> violations() const {
    std::lock_guard lock(mutex_);
    return violations_;
  }
  int adds() const { return adds_; }
  int updates() const { return updates_; }
  int deletes() const { return deletes_; }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> state_;
  std::vector<std::string> violations_;
  std::atomic<int> adds_{0}, updates_{0}, deletes_{0};
};

}  // namespace trove::kube::testing
