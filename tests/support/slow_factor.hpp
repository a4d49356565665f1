// How much slower than a release build on an idle machine a test may run:
// TROVE_TEST_SLOWDOWN, which CMake sets for the sanitizer presets (as for the
// integration tests' harness). Wait deadlines and upper bounds on elapsed
// time are scaled by it; lower bounds (a lease must be waited out) are not.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>

namespace trove::test_support {

inline double slow_factor() {
  const char* text = std::getenv("TROVE_TEST_SLOWDOWN");
  if (text == nullptr) return 1.0;
  const double factor = std::strtod(text, nullptr);
  return factor >= 1.0 ? factor : 1.0;
}

// `bound` times slow_factor().
template <class Rep, class Period>
std::chrono::milliseconds scaled(std::chrono::duration<Rep, Period> bound) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(bound);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(ms.count()) * slow_factor()));
}

}  // namespace trove::test_support
