#pragma once
// The benchmarks' reference input (docs/benchmarks.md): the reference message,
// in NDJSON batches of 64.

#include <cstddef>
#include <string>
#include <string_view>

namespace trove::bench {

inline constexpr std::string_view kReferenceMessage =
    R"({"box":123456,"hunt":"spring","x":12.5,"y":-3.25,"state":"open","ts":1732712345678,"player":"p-8812"})";
inline constexpr std::size_t kBatchMessages = 64;

inline std::string reference_batch() {
  std::string batch;
  for (std::size_t i = 0; i < kBatchMessages; ++i) {
    batch += kReferenceMessage;
    batch += '\n';
  }
  return batch;
}

}  // namespace trove::bench
