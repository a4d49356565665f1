// CRC32C against RFC 3720's test vectors (B.4), for both implementations.
#include "state/crc32c.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

namespace trove::state {
namespace {

std::vector<std::byte> bytes_of(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values)
    out.push_back(static_cast<std::byte>(v));
  return out;
}

std::vector<std::byte> filled(std::size_t n, int (*value)(std::size_t)) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<std::byte>(value(i));
  return out;
}

struct Vector {
  const char* name;
  std::vector<std::byte> data;
  std::uint32_t crc;
};

std::vector<Vector> rfc3720_vectors() {
  std::vector<Vector> v;
  v.push_back({"32 bytes of zeros", filled(32, [](std::size_t) { return 0; }), 0x8A9136AAU});
  v.push_back({"32 bytes of ones", filled(32, [](std::size_t) { return 0xff; }), 0x62A8AB43U});
  v.push_back({"32 incrementing bytes",
               filled(32, [](std::size_t i) { return static_cast<int>(i); }), 0x46DD794EU});
  v.push_back({"32 decrementing bytes",
               filled(32, [](std::size_t i) { return static_cast<int>(31 - i); }), 0x113FDB5CU});
  v.push_back({"an iSCSI read command PDU",
               bytes_of({0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                         0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
                         0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
                         0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}),
               0xD9963A56U});
  return v;
}

TEST(Crc32c, MatchesTheRfc3720VectorsInBothImplementations) {
  for (const Vector& v : rfc3720_vectors()) {
    EXPECT_EQ(crc32c(v.data), v.crc) << v.name;
    EXPECT_EQ(crc32c_table(v.data), v.crc) << v.name;
  }
  EXPECT_EQ(crc32c(std::string_view("123456789")), 0xE3069283U) << "the common check value";
  EXPECT_EQ(crc32c(std::string_view()), 0U);
}

TEST(Crc32c, ContinuesAcrossPiecesAndAgreesWithTheTableAtEveryLengthAndAlignment) {
  std::mt19937_64 random(7);
  std::vector<std::byte> data(1000);
  for (std::byte& b : data)
    b = static_cast<std::byte>(random());
  const std::span<const std::byte> all(data);
  for (std::size_t offset = 0; offset < 9; ++offset) {
    for (std::size_t n = 0; n + offset <= 100; ++n) {
      const auto piece = all.subspan(offset, n);
      ASSERT_EQ(crc32c(piece), crc32c_table(piece)) << offset << "+" << n;
    }
  }
  const std::uint32_t whole = crc32c(all);
  EXPECT_EQ(crc32c(all.subspan(333), crc32c(all.first(333))), whole);
  EXPECT_EQ(crc32c_table(all.subspan(5), crc32c_table(all.first(5))), whole);
}

}  // namespace
}  // namespace trove::state
