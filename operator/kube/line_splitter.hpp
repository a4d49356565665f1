// Splits a watch response body into newline-delimited JSON events. Bytes
// arrive in arbitrary chunks: one event may span several chunks and one chunk
// may hold several events (and a trailing partial one).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace trove::kube {

class LineSplitter {
 public:
  // A single watch event larger than this is refused rather than buffered
  // without bound (a real apiserver caps objects at ~1.5 MiB in etcd).
  static constexpr std::size_t kDefaultMaxLineBytes = 16u << 20;

  explicit LineSplitter(std::size_t max_line_bytes = kDefaultMaxLineBytes)
      : max_line_bytes_(max_line_bytes) {}

  // Calls on_line for every complete line in `chunk` (plus what was buffered
  // before), without the '\n' and without a trailing '\r'. Empty lines are
  // skipped. Throws std::length_error when a line outgrows the limit; the
  // splitter is then reset.
  void feed(std::string_view chunk, const std::function<void(std::string_view)>& on_line);

  // Bytes of an incomplete line held for the next feed().
  std::size_t pending() const { return partial_.size(); }
  void reset() { partial_.clear(); }

 private:
  std::size_t max_line_bytes_;
  std::string partial_;
};

}  // namespace trove::kube
