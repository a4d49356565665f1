// events.k8s.io/v1 Events with series de-duplication.
#include "kube/event_recorder.hpp"

#include <gtest/gtest.h>

#include "fake_fixture.hpp"

namespace trove::kube::testing {
namespace {

using namespace std::chrono_literals;

class EventRecorderTest : public FakeApiTest {};

TEST_F(EventRecorderTest, RepeatsBecomeASeriesOnOneEvent) {
  auto client = make_client();
  KubeObject hunt =
      KubeObject::parse(R"({"metadata":{"name":"hunt-1","namespace":"default","uid":"u-1"}})");
  EventRecorderConfig cfg;
  cfg.reporting_instance = "operator-0";
  EventRecorder recorder(*client, cfg);
  auto ref = ObjectReference::to(hunt, "trove.dev/v1alpha1", "TreasureHunt");
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(recorder.record(ref, "Normal", "Tuned", "Tune", "arena 128 MiB"));
  EXPECT_TRUE(recorder.record(ref, "Warning", "PushFailed", "Tune", "timeout"));
  EXPECT_EQ(recorder.created(), 2u);
  EXPECT_EQ(recorder.series_updates(), 2u);

  auto events = client->list(events_type(), "default");
  ASSERT_EQ(events.items.size(), 2u);
  int series_seen = 0;
  for (const auto& e : events.items) {
    EXPECT_STREQ(e.at("/regarding/name")->GetString(), "hunt-1");
    EXPECT_STREQ(e.at("/reportingController")->GetString(), "trove.dev/operator");
    if (KubeObject::string_at(e.json(), "reason") == "Tuned") {
      ASSERT_NE(e.at("/series/count"), nullptr);
      EXPECT_EQ(e.at("/series/count")->GetInt(), 3);
      ++series_seen;
    }
  }
  EXPECT_EQ(series_seen, 1);
}

TEST_F(EventRecorderTest, DeletedEventStartsANewOneAndWindowExpires) {
  auto client = make_client();
  EventRecorderConfig cfg;
  cfg.series_window = 200ms;
  EventRecorder recorder(*client, cfg);
  ObjectReference ref{"v1", "Pod", "default", "p", "u"};
  recorder.record(ref, "Normal", "R", "A", "n");
  auto events = client->list(events_type(), "default");
  ASSERT_EQ(events.items.size(), 1u);
  client->remove(events_type(), "default", events.items[0].name());
  EXPECT_TRUE(recorder.record(ref, "Normal", "R", "A", "n")) << "NotFound on patch re-creates";
  EXPECT_EQ(recorder.created(), 2u);
  std::this_thread::sleep_for(250ms);
  EXPECT_TRUE(recorder.record(ref, "Normal", "R", "A", "n"));
  EXPECT_EQ(recorder.created(), 3u) << "after the window a new event starts";
}

TEST_F(EventRecorderTest, FailuresAreCountedNotThrown) {
  auto client = make_client();
  EventRecorder recorder(*client, {});
  fakeapi::RequestFault f;
  f.verb = "create";
  f.resource = "events";
  f.status = 500;
  f.retry_after_seconds = 0;
  server_->faults().add_request_fault(f);
  EXPECT_FALSE(recorder.record({"v1", "Pod", "default", "p", "u"}, "Normal", "R", "A", "n"));
  EXPECT_EQ(recorder.failures(), 1u);
}

TEST_F(EventRecorderTest, HostileNoteIsClipped) {
  auto client = make_client();
  EventRecorder recorder(*client, {});
  std::string note(100'000, 'x');
  note += "\"\\\n";
  EXPECT_TRUE(recorder.record({"v1", "Pod", "default", "p", "u"}, "Normal", "R", "A", note));
  auto events = client->list(events_type(), "default");
  ASSERT_EQ(events.items.size(), 1u);
  EXPECT_EQ(events.items[0].at("/note")->GetStringLength(), 1024u);
}

}  // namespace
}  // namespace trove::kube::testing
