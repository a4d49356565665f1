#include "state/crc32c.hpp"

#include <array>
#include <cstring>

namespace trove::state {

namespace {

// The reflected Castagnoli polynomial.
constexpr std::uint32_t kPolynomial = 0x82F63B78U;

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < table.size(); ++i) {
    std::uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 1U) != 0 ? (crc >> 1) ^ kPolynomial : crc >> 1;
    table[i] = crc;
  }
  return table;
}
constexpr std::array<std::uint32_t, 256> kTable = make_table();

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::span<const std::byte> bytes,
                                                             std::uint32_t crc) noexcept {
  std::uint64_t state = ~crc;
  const std::byte* p = bytes.data();
  std::size_t n = bytes.size();
  for (; n >= sizeof(std::uint64_t); n -= sizeof(std::uint64_t), p += sizeof(std::uint64_t)) {
    std::uint64_t word;
    std::memcpy(&word, p, sizeof word);
    state = __builtin_ia32_crc32di(state, word);
  }
  auto state32 = static_cast<std::uint32_t>(state);
  for (; n > 0; --n, ++p)
    state32 = __builtin_ia32_crc32qi(state32, static_cast<unsigned char>(*p));
  return ~state32;
}

bool detect_sse42() noexcept {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") != 0;
}
#else
bool detect_sse42() noexcept {
  return false;
}
#endif

const bool kHaveSse42 = detect_sse42();

}  // namespace

std::uint32_t crc32c_table(std::span<const std::byte> bytes, std::uint32_t crc) noexcept {
  crc = ~crc;
  for (std::byte b : bytes)
    crc = kTable[(crc ^ static_cast<std::uint32_t>(b)) & 0xffU] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t crc32c(std::span<const std::byte> bytes, std::uint32_t crc) noexcept {
#if defined(__x86_64__)
  if (kHaveSse42) return crc32c_sse42(bytes, crc);
#endif
  return crc32c_table(bytes, crc);
}

bool crc32c_uses_sse42() noexcept {
  return kHaveSse42;
}

}  // namespace trove::state
