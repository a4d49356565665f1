// Process figures read from /proc.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace trove::common {

// Resident set size of this process in bytes (/proc/self/statm), or nullopt
// when /proc is unavailable.
std::optional<std::uint64_t> ReadProcessRssBytes();

// Parses the contents of a statm file: "size resident shared ..." in pages.
std::optional<std::uint64_t> ParseStatmResidentBytes(std::string_view statm,
                                                     std::uint64_t page_size);

}  // namespace trove::common
