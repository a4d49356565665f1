// A watch response as a sequence of typed events. Splits the chunked body
// into lines and parses each into an event whose object owns its memory.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/line_splitter.hpp"
#include "kube/object.hpp"
#include "kube/transport.hpp"

namespace trove::kube {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };
std::string_view to_string(WatchEventType type);

struct WatchEvent {
  WatchEventType type;
  KubeObject object;  // for kError: the Status object
};

// Parses one event line. Throws ApiError(kTransport) when malformed: a
// server that sends garbage gets the same treatment as a broken stream.
WatchEvent parse_watch_event(std::string_view line);

class WatchStream {
 public:
  WatchStream(std::unique_ptr<BodyStream> body, std::chrono::milliseconds idle_timeout,
              std::size_t max_event_bytes = LineSplitter::kDefaultMaxLineBytes);

  // The next event, or nullopt when the server ended the watch normally.
  // Throws ApiError(kTransport) on I/O errors, on `idle_timeout` without any
  // byte (the idle timer of a silent watch) and after cancel().
  std::optional<WatchEvent> next();
  // Thread-safe: makes a blocked next() throw promptly.
  void cancel() { body_->cancel(); }

 private:
  std::unique_ptr<BodyStream> body_;
  std::chrono::milliseconds idle_timeout_;
  LineSplitter splitter_;
  std::deque<std::string> lines_;
  std::vector<char> buffer_;
};

}  // namespace trove::kube
