// WatchStream over a scripted body: events split and merged across reads,
// malformed events, idle and end-of-stream behaviour.
#include "kube/watch_stream.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "kube/errors.hpp"

namespace trove::kube {
namespace {

// Hands out pre-cut chunks; an empty deque is the end of the body; the
// string "<idle>" simulates the idle timer firing.
class ScriptedBody : public BodyStream {
 public:
  explicit ScriptedBody(std::deque<std::string> chunks) : chunks_(std::move(chunks)) {}
  std::size_t read_some(char* data, std::size_t size, std::chrono::milliseconds) override {
    if (chunks_.empty()) return 0;
    std::string c = std::move(chunks_.front());
    chunks_.pop_front();
    if (c == "<idle>") throw transport_error("no watch data");
    EXPECT_LE(c.size(), size);
    std::copy(c.begin(), c.end(), data);
    return c.size();
  }
  void cancel() override {}

 private:
  std::deque<std::string> chunks_;
};

WatchStream stream_of(std::deque<std::string> chunks) {
  return WatchStream(std::make_unique<ScriptedBody>(std::move(chunks)),
                     std::chrono::milliseconds{100});
}

TEST(WatchStream, EventsAcrossAndWithinChunks) {
  auto s = stream_of({
      R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}})"
      "\n"
      R"({"type":"MODIFIED","object":{"metadata":{"na)",
      R"(me":"a","resourceVersion":"2"}}})"
      "\n"
      R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"9"}}})"
      "\n"
      R"({"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"10"}}})"
      "\n",
  });
  auto e1 = s.next();
  ASSERT_TRUE(e1);
  EXPECT_EQ(e1->type, WatchEventType::kAdded);
  EXPECT_EQ(e1->object.name(), "a");
  auto e2 = s.next();
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->type, WatchEventType::kModified);
  EXPECT_EQ(e2->object.resource_version(), "2");
  auto e3 = s.next();
  ASSERT_TRUE(e3);
  EXPECT_EQ(e3->type, WatchEventType::kBookmark);
  EXPECT_EQ(e3->object.resource_version(), "9");
  auto e4 = s.next();
  ASSERT_TRUE(e4);
  EXPECT_EQ(e4->type, WatchEventType::kDeleted);
  EXPECT_FALSE(s.next()) << "end of body ends the watch normally";
}

TEST(WatchStream, ErrorEventCarriesStatus) {
  auto s = stream_of({R"({"type":"ERROR","object":{"kind":"Status","status":"Failure",)"
                      R"("reason":"Expired","code":410,"message":"too old"}})"
                      "\n"});
  auto e = s.next();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, WatchEventType::kError);
  EXPECT_EQ(parse_status_json(e->object.to_json()).kind(), ErrorKind::kExpired);
}

TEST(WatchStream, MalformedEventsAreTransportErrors) {
  for (const char* bad : {"not json\n", "[1]\n",
                          R"({"type":"ADDED"})"
                          "\n",
                          R"({"type":"EXPLODED","object":{}})"
                          "\n",
                          R"({"type":"ADDED","object":"str"})"
                          "\n"}) {
    auto s = stream_of({bad});
    try {
      s.next();
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kTransport) << bad;
    }
  }
}

TEST(WatchStream, TruncatedLastEventIsAnError) {
  auto s = stream_of({R"({"type":"ADDED","obj)"});
  EXPECT_THROW(s.next(), ApiError);
}

TEST(WatchStream, IdleTimeoutSurfacesAsTransportError) {
  auto s = stream_of({"<idle>"});
  try {
    s.next();
    ADD_FAILURE();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransport);
  }
}

TEST(WatchStream, EventObjectOwnsCompactMemory) {
  auto e = parse_watch_event(
      R"({"type":"ADDED","object":{"metadata":{"name":"p","namespace":"n","resourceVersion":"7"}}})");
  EXPECT_EQ(e.object.key(), "n/p");
  EXPECT_LT(e.object.pool_bytes(), 4096u) << "no 64 KiB default pool per object";
}

}  // namespace
}  // namespace trove::kube
