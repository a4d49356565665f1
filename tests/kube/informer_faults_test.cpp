// The informer converges after every injected fault, with callbacks that
// neither miss nor duplicate a final state.
#include <gtest/gtest.h>

#include "fake_fixture.hpp"

namespace trove::kube::testing {
namespace {

using namespace std::chrono_literals;

class InformerFaults : public FakeApiTest {
 protected:
  void SetUp() override {
    FakeApiTest::SetUp();
    for (int i = 0; i < 10; ++i)
      direct_ok("POST", "/api/v1/namespaces/default/pods", pod_json("seed-" + std::to_string(i)));
    client_ = make_client();
    informer_ = std::make_unique<Informer>(*client_, fast_informer());
    informer_->add_handlers(mirror_.handlers());
    informer_->on_error([this](const ReflectorError& e) {
      std::lock_guard lock(errors_mutex_);
      errors_.push_back(std::string(to_string(e.kind)) + ": " + e.message);
    });
    informer_->start();
    ASSERT_TRUE(informer_->wait_for_sync(5s));
  }
  void TearDown() override {
    informer_->stop();
    FakeApiTest::TearDown();
  }

  // Creates, updates and deletes a few pods straight in the server.
  void mutate(int round) {
    const std::string base = "/api/v1/namespaces/default/pods";
    direct_ok("POST", base, pod_json("r" + std::to_string(round) + "-a"));
    direct_ok("POST", base, pod_json("r" + std::to_string(round) + "-b"));
    direct_ok("PATCH", base + "/seed-" + std::to_string(round % 10),
              R"({"metadata":{"annotations":{"round":")" + std::to_string(round) + "\"}}}",
              "application/merge-patch+json");
    direct_ok("DELETE", base + "/r" + std::to_string(round) + "-b");
  }

  void expect_converged() {
    ASSERT_TRUE(wait_converged(*informer_, "default", 15s))
        << "cache never matched the server; errors seen: " << joined_errors();
    EXPECT_EQ(mirror_.state(), server_pods()) << "callbacks missed a final state";
    EXPECT_TRUE(mirror_.violations().empty())
        << "callback contradiction: " << mirror_.violations().front();
  }

  // Waits until the informer consumed `n` injected request faults, so the
  // test's own LISTs (server_pods) cannot take them instead.
  bool wait_faults_consumed(std::uint64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (server_->stats().faults_injected < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  bool saw_error(const std::string& needle) {
    std::lock_guard lock(errors_mutex_);
    for (const auto& e : errors_)
      if (e.find(needle) != std::string::npos) return true;
    return false;
  }
  std::string joined_errors() {
    std::lock_guard lock(errors_mutex_);
    std::string s;
    for (const auto& e : errors_)
      s += "\n  " + e;
    return s;
  }

  std::unique_ptr<Client> client_;
  std::unique_ptr<Informer> informer_;
  CallbackMirror mirror_;
  std::mutex errors_mutex_;
  std::vector<std::string> errors_;
};

TEST_F(InformerFaults, SyncsAndFollowsWithoutFaults) {
  EXPECT_EQ(informer_->store().size(), 10u);
  EXPECT_EQ(mirror_.adds(), 10);
  for (int r = 0; r < 3; ++r)
    mutate(r);
  expect_converged();
  EXPECT_EQ(informer_->relists(), 0u);
}

TEST_F(InformerFaults, EarlyCloseRewatchesFromLastResourceVersion) {
  fakeapi::WatchFaults f;
  f.close_after_events = 2;
  server_->faults().set_watch_faults(f);
  server_->close_all_watches();  // the fault applies to watches opened from now on
  for (int r = 0; r < 5; ++r)
    mutate(r);
  expect_converged();
  server_->faults().clear();
  EXPECT_GT(informer_->watch_restarts(), 2u);
  EXPECT_EQ(informer_->relists(), 0u) << "a normal end resumes the watch, it does not relist";
}

TEST_F(InformerFaults, ServerClosingAllWatchesIsResumed) {
  mutate(0);
  server_->close_all_watches();
  mutate(1);
  expect_converged();
  EXPECT_GE(informer_->watch_restarts(), 1u);
  EXPECT_EQ(informer_->relists(), 0u);
}

TEST_F(InformerFaults, SilentWatchIsRestartedByIdleTimer) {
  ASSERT_TRUE(wait_converged(*informer_, "default", 5s));
  fakeapi::WatchFaults f;
  f.silent = true;
  server_->faults().set_watch_faults(f);
  mutate(0);
  std::this_thread::sleep_for(200ms);
  server_->faults().clear();  // the silent watch stays silent: only the idle timer saves us
  expect_converged();
  EXPECT_GE(informer_->watch_restarts(), 1u);
  EXPECT_TRUE(saw_error("WatchFailed")) << joined_errors();
}

TEST_F(InformerFaults, ExpiredInStreamRelistsAtLastResourceVersion) {
  mutate(0);
  ASSERT_TRUE(wait_converged(*informer_, "default", 5s));
  mutate(1);
  server_->expire_resource_versions(/*close_open_watches=*/true);
  mutate(2);
  expect_converged();
  EXPECT_GE(informer_->relists(), 1u);
  EXPECT_TRUE(saw_error("WatchError")) << joined_errors();
}

TEST_F(InformerFaults, ExpiredAsWatchStatusRelists) {
  fakeapi::RequestFault f;
  f.verb = "watch";
  f.resource = "pods";
  f.status = 410;
  f.count = 1;
  server_->faults().add_request_fault(f);
  server_->close_all_watches();
  ASSERT_TRUE(wait_faults_consumed(1)) << joined_errors();
  mutate(0);
  expect_converged();
  EXPECT_EQ(informer_->relists(), 1u);
  EXPECT_TRUE(saw_error("WatchStartFailed")) << joined_errors();
}

TEST_F(InformerFaults, ExpiredWatchFromCompactedVersionAsHttpStatus) {
  // Blind the informer (its next watch stays silent), change things and
  // compact the history behind its back: when the idle timer restarts the
  // watch from its old resourceVersion the server answers HTTP 410.
  fakeapi::WatchFaults wf;
  wf.silent = true;
  wf.expired_as_http_status = true;
  server_->faults().set_watch_faults(wf);
  server_->close_all_watches();
  std::this_thread::sleep_for(100ms);
  mutate(0);
  server_->expire_resource_versions(/*close_open_watches=*/false);
  wf.silent = false;
  server_->faults().set_watch_faults(wf);
  expect_converged();
  server_->faults().clear();
  EXPECT_GE(informer_->relists(), 1u) << joined_errors();
  EXPECT_TRUE(saw_error("WatchStartFailed")) << joined_errors();
}

TEST_F(InformerFaults, ExpiredListFallsBackToFreshList) {
  fakeapi::RequestFault watch410;
  watch410.verb = "watch";
  watch410.status = 410;
  watch410.count = 1;
  fakeapi::RequestFault list410;
  list410.verb = "list";
  list410.status = 410;
  list410.count = 1;
  server_->faults().add_request_fault(watch410);
  server_->faults().add_request_fault(list410);
  server_->close_all_watches();
  ASSERT_TRUE(wait_faults_consumed(2)) << joined_errors();
  mutate(0);
  expect_converged();
  EXPECT_GE(informer_->relists(), 1u);
  EXPECT_TRUE(saw_error("InitialListFailed")) << joined_errors();
  EXPECT_EQ(server_->stats().faults_injected, 2u);
}

TEST_F(InformerFaults, ExpiredListWithCompactedHistory) {
  server_->faults().set_expire_lists(true);
  mutate(0);
  server_->expire_resource_versions(/*close_open_watches=*/true);
  mutate(1);
  expect_converged();
  server_->faults().clear();
  EXPECT_GE(informer_->relists(), 1u);
}

TEST_F(InformerFaults, ServerErrorsBackOffAndRecover) {
  // A 410 forces a relist whose first two LISTs fail with 500, then the
  // next three WATCH requests fail too.
  fakeapi::RequestFault expired;
  expired.verb = "watch";
  expired.status = 410;
  expired.count = 1;
  fakeapi::RequestFault list500;
  list500.verb = "list";
  list500.status = 500;
  list500.retry_after_seconds = 0;
  list500.count = 2;
  server_->faults().add_request_fault(expired);
  server_->faults().add_request_fault(list500);
  server_->close_all_watches();
  ASSERT_TRUE(wait_faults_consumed(3)) << joined_errors();
  fakeapi::RequestFault watch500 = list500;
  watch500.verb = "watch";
  watch500.count = 3;
  server_->faults().add_request_fault(watch500);
  server_->close_all_watches();
  ASSERT_TRUE(wait_faults_consumed(6)) << joined_errors();
  mutate(0);
  expect_converged();
  EXPECT_TRUE(saw_error("InitialListFailed")) << joined_errors();
  EXPECT_TRUE(saw_error("WatchStartFailed")) << joined_errors();
  EXPECT_EQ(informer_->relists(), 1u);
  EXPECT_GE(informer_->watch_restarts(), 3u);
}

TEST_F(InformerFaults, TooManyRequestsOnWatchWaitsRetryAfter) {
  fakeapi::RequestFault f;
  f.verb = "watch";
  f.status = 429;
  f.retry_after_seconds = 1;
  f.count = 2;
  server_->faults().add_request_fault(f);
  server_->close_all_watches();
  mutate(0);
  expect_converged();
  EXPECT_TRUE(saw_error("TooManyRequests")) << joined_errors();
}

TEST_F(InformerFaults, LabelSelectorKeepsCacheSmallAndTracksRelabels) {
  InformerConfig cfg = fast_informer();
  cfg.label_selector = "app=selected";
  Informer selected(*client_, cfg);
  CallbackMirror mirror;
  selected.add_handlers(mirror.handlers());
  selected.start();
  ASSERT_TRUE(selected.wait_for_sync(5s));
  EXPECT_EQ(selected.store().size(), 0u) << "no seed pod carries app=selected";
  const std::string base = "/api/v1/namespaces/default/pods";
  direct_ok("POST", base, pod_json("in", "default", "selected"));
  direct_ok("PATCH", base + "/seed-1", R"({"metadata":{"labels":{"app":"selected"}}})",
            "application/merge-patch+json");
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (selected.store().size() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(selected.store().size(), 2u);
  direct_ok("PATCH", base + "/in", R"({"metadata":{"labels":{"app":"other"}}})",
            "application/merge-patch+json");
  while (selected.store().size() != 1 && std::chrono::steady_clock::now() < deadline + 5s)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(selected.store().size(), 1u) << "a pod relabelled out of the selector leaves the cache";
  EXPECT_NE(selected.store().get("default/seed-1"), nullptr);
  EXPECT_EQ(mirror.deletes(), 1);
  EXPECT_TRUE(mirror.violations().empty());
  selected.stop();
}

TEST_F(InformerFaults, IndexersAndStopArePrompt) {
  informer_->stop();
  Informer indexed(*client_, fast_informer());
  indexed.add_indexer("app", [](const KubeObject& o) {
    const auto* v = o.at("/metadata/labels/app");
    return std::vector<std::string>{v && v->IsString() ? v->GetString() : ""};
  });
  indexed.start();
  ASSERT_TRUE(indexed.wait_for_sync(5s));
  EXPECT_EQ(indexed.store().by_index("app", "game").size(), 10u);
  const auto start = std::chrono::steady_clock::now();
  indexed.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s) << "stop cancels the open watch";
  EXPECT_EQ(indexed.state(), ReflectorState::kStopped);
  informer_->start();
}

}  // namespace
}  // namespace trove::kube::testing
