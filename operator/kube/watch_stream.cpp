#include "kube/watch_stream.hpp"

#include "kube/errors.hpp"
#include "kube/json_depth.hpp"
#include "trove/common/json.hpp"

namespace trove::kube {
namespace {
// Read size per syscall; a bookmark is ~150 bytes, a pod ~4 KiB.
constexpr std::size_t kReadChunkBytes = 64u << 10;
}  // namespace

std::string_view to_string(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
    case WatchEventType::kError:
      return "ERROR";
  }
  return "?";
}

WatchEvent parse_watch_event(std::string_view line) {
  auto pool = std::make_unique<JsonAllocator>(line.size() + 256);
  rapidjson::GenericDocument<rapidjson::UTF8<>, JsonAllocator> doc(pool.get());
  if (!parse_json(doc, line) || !doc.IsObject())
    throw transport_error("malformed watch event: " + std::string(line.substr(0, 200)));
  const std::string_view type = KubeObject::string_at(doc, "type");
  WatchEventType t;
  if (type == "ADDED") {
    t = WatchEventType::kAdded;
  } else if (type == "MODIFIED") {
    t = WatchEventType::kModified;
  } else if (type == "DELETED") {
    t = WatchEventType::kDeleted;
  } else if (type == "BOOKMARK") {
    t = WatchEventType::kBookmark;
  } else if (type == "ERROR") {
    t = WatchEventType::kError;
  } else {
    throw transport_error("watch event of unknown type '" + std::string(type.substr(0, 40)) + "'");
  }
  rapidjson::Value* obj = common::find_member(&doc, "object");
  if (obj == nullptr || !obj->IsObject()) throw transport_error("watch event without an object");
  rapidjson::Value object;
  object = *obj;  // moves; the bytes stay in `pool`
  return WatchEvent{t, KubeObject(std::move(pool), std::move(object))};
}

WatchStream::WatchStream(std::unique_ptr<BodyStream> body, std::chrono::milliseconds idle_timeout,
                         std::size_t max_event_bytes)
    : body_(std::move(body)),
      idle_timeout_(idle_timeout),
      splitter_(max_event_bytes),
      buffer_(kReadChunkBytes) {}

std::optional<WatchEvent> WatchStream::next() {
  while (lines_.empty()) {
    const std::size_t n = body_->read_some(buffer_.data(), buffer_.size(), idle_timeout_);
    if (n == 0) {
      if (splitter_.pending() > 0) throw transport_error("watch ended inside an event");
      return std::nullopt;
    }
    try {
      splitter_.feed({buffer_.data(), n}, [this](std::string_view l) { lines_.emplace_back(l); });
    } catch (const std::length_error& e) {
      throw transport_error(e.what());
    }
  }
  std::string line = std::move(lines_.front());
  lines_.pop_front();
  return parse_watch_event(line);
}

}  // namespace trove::kube
