#include "trove/common/process.hpp"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <string>

namespace trove::common {

std::optional<std::uint64_t> parse_statm_resident_bytes(std::string_view statm,
                                                        std::uint64_t page_size) {
  // Fields: size resident shared text lib data dt (pages).
  auto space = statm.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view rest = statm.substr(space + 1);
  std::uint64_t pages = 0;
  auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), pages);
  if (ec != std::errc{} || ptr == rest.data()) return std::nullopt;
  return pages * page_size;
}

std::optional<std::uint64_t> read_process_rss_bytes() {
  std::ifstream in("/proc/self/statm");
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  const long page = ::sysconf(_SC_PAGESIZE);
  return parse_statm_resident_bytes(line, page > 0 ? static_cast<std::uint64_t>(page) : 4096u);
}

}  // namespace trove::common
