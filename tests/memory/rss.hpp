#pragma once
// Process resident set size from /proc/self/statm (tests only).

#include <unistd.h>

#include <cstddef>
#include <fstream>

namespace trove::test {

inline std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages_total = 0;
  std::size_t pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace trove::test
