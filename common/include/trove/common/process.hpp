// Process figures read from /proc.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace trove::common {

// Resident set size of this process in bytes (/proc/self/statm), or nullopt
// when /proc is unavailable.
std::optional<std::uint64_t> read_process_rss_bytes();

// Parses the contents of a statm file: "size resident shared ..." in pages.
std::optional<std::uint64_t> parse_statm_resident_bytes(std::string_view statm,
                                                        std::uint64_t page_size);

}  // namespace trove::common
