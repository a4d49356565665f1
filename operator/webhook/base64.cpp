#include "webhook/base64.hpp"

#include <cstdint>

namespace trove::webhook {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint32_t kSixBits = 0x3f;

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                            (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                            std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    out += kAlphabet[(n >> 18) & kSixBits];
    out += kAlphabet[(n >> 12) & kSixBits];
    out += kAlphabet[(n >> 6) & kSixBits];
    out += kAlphabet[n & kSixBits];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  std::uint32_t n = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
  if (rest == 2) n |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
  out += kAlphabet[(n >> 18) & kSixBits];
  out += kAlphabet[(n >> 12) & kSixBits];
  out += rest == 2 ? kAlphabet[(n >> 6) & kSixBits] : '=';
  out += '=';
  return out;
}

}  // namespace trove::webhook
