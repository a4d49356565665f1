// The spdlog formatters behind configure_logging() (logging.hpp), exposed so
// tests can format into a buffer instead of stderr.
#pragma once

#include <spdlog/formatter.h>

#include <memory>

#include "trove/common/logging.hpp"

namespace trove::common {

// spdlog pattern of the text format, without the fields and the newline.
inline constexpr const char* kTextLogPattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v";

std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format);

}  // namespace trove::common
