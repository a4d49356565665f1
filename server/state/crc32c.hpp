#pragma once
// CRC32C (Castagnoli, the polynomial iSCSI and ext4 use: RFC 3720 B.4), the
// checksum of every state record (docs/state-format.md). The SSE4.2 crc32
// instruction when the CPU has it (8 bytes a cycle), a table otherwise;
// both give the same value.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace trove::state {

// The CRC32C of `bytes`, continuing from `crc` (0 to start).
std::uint32_t crc32c(std::span<const std::byte> bytes, std::uint32_t crc = 0) noexcept;
inline std::uint32_t crc32c(std::string_view text, std::uint32_t crc = 0) noexcept {
  return crc32c(std::as_bytes(std::span<const char>(text.data(), text.size())), crc);
}
// The portable table implementation alone, so tests compare both paths.
std::uint32_t crc32c_table(std::span<const std::byte> bytes, std::uint32_t crc = 0) noexcept;
// True when crc32c() uses the SSE4.2 instruction on this CPU.
bool crc32c_uses_sse42() noexcept;

}  // namespace trove::state
