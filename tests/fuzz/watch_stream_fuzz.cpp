// Fuzzes the kube client's watch stream (operator/kube/watch_stream,
// line_splitter): a chunked body cut at fuzzed places, split into lines and
// decoded into events. A malformed stream ends in ApiError, never in another
// exception or a crash.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "fuzz_check.hpp"
#include "kube/errors.hpp"
#include "kube/transport.hpp"
#include "kube/watch_stream.hpp"

namespace {

using namespace trove::kube;

// A small line bound, so the fuzzer (inputs up to 4 KiB) reaches the
// too-long path; a larger input (a regression file) gets the operator's
// own bound, so hostile events of any size replay as the operator sees them.
constexpr std::size_t kFuzzedEventBytes = 4096;

// The body: each read returns the next chunk, whose size the chunk's first
// byte gives (1 … 64), so the splitter sees events cut anywhere.
class FuzzedBody final : public BodyStream {
 public:
  explicit FuzzedBody(std::string_view bytes) : rest_(bytes) {}
  std::size_t read_some(char* data, std::size_t size, std::chrono::milliseconds) override {
    if (rest_.empty()) return 0;
    const std::size_t want = static_cast<std::uint8_t>(rest_.front()) % 64 + 1;
    rest_.remove_prefix(1);
    const std::size_t n = std::min({want, size, rest_.size()});
    std::memcpy(data, rest_.data(), n);
    rest_.remove_prefix(n);
    return n;
  }
  void cancel() override {}

 private:
  std::string_view rest_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::size_t max_event_bytes =
      size > kFuzzedEventBytes ? LineSplitter::kDefaultMaxLineBytes : kFuzzedEventBytes;
  WatchStream stream(std::make_unique<FuzzedBody>(bytes), std::chrono::milliseconds(1),
                     max_event_bytes);
  try {
    while (const auto event = stream.next()) {
      FUZZ_CHECK(event->object.json().IsObject());
    }
  } catch (const ApiError& e) {
    FUZZ_CHECK(e.kind() == ErrorKind::kTransport);
  }
  return 0;
}
