// Fuzzes the operator's duration flags (operator/controller/duration,
// "15s", "500ms", "1.5m", bare seconds): an accepted duration is between 0
// and a day, and its millisecond spelling reads back the same.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "controller/duration.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = trove::controller::parse_duration(text);
  if (!parsed) return 0;
  FUZZ_CHECK(parsed->count() >= 0 && *parsed <= std::chrono::hours(24));
  const std::string millis = std::to_string(parsed->count()) + "ms";
  FUZZ_CHECK(trove::controller::parse_duration(millis) == parsed);
  return 0;
}
