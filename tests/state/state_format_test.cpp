// The bytes of state files: headers and records round-trip, and every kind
// of damage is told apart from a good record.
#include "state/state_format.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "state/crc32c.hpp"

namespace trove::state {
namespace {

TEST(StateHeader, RoundTripsAndRejectsShortForeignDamagedAndFutureHeaders) {
  std::string bytes;
  append_header(bytes, make_header(kLogMagic, 0xabcdef, 42, 3));
  ASSERT_EQ(bytes.size(), kHeaderBytes);
  FileHeader h;
  ASSERT_EQ(parse_header(bytes, kLogMagic, h), HeaderCheck::kOk);
  EXPECT_EQ(h.version, kFormatVersion);
  EXPECT_EQ(h.incarnation, 0xabcdefU);
  EXPECT_EQ(h.generation, 42U);
  EXPECT_EQ(h.worker, 3U);
  EXPECT_EQ(parse_header(bytes.substr(0, 39), kLogMagic, h), HeaderCheck::kTooShort);
  EXPECT_EQ(parse_header(bytes, kSnapshotMagic, h), HeaderCheck::kBadMagic);
  std::string damaged = bytes;
  damaged[20] ^= 1;
  EXPECT_EQ(parse_header(damaged, kLogMagic, h), HeaderCheck::kBadChecksum);
  std::string future;
  FileHeader newer = make_header(kSnapshotMagic, 1, 1);
  newer.version = kFormatVersion + 1;
  append_header(future, newer);
  EXPECT_EQ(parse_header(future, kSnapshotMagic, h), HeaderCheck::kFutureVersion);
  EXPECT_EQ(h.version, kFormatVersion + 1);
}

TEST(StateRecord, RoundTripsBoxAndEndRecords) {
  std::string bytes;
  append_record(bytes, box_record(7, 9, "spring", R"({"box":7})"));
  append_record(bytes, end_record(1));
  BoxRecord r;
  std::size_t used = 0;
  ASSERT_EQ(parse_record(bytes, r, used), RecordCheck::kOk);
  EXPECT_EQ(r.kind, RecordKind::kBox);
  EXPECT_EQ(r.box, 7U);
  EXPECT_EQ(r.version, 9U);
  EXPECT_EQ(r.hunt, "spring");
  EXPECT_EQ(r.payload, R"({"box":7})");
  const std::string_view rest = std::string_view(bytes).substr(used);
  ASSERT_EQ(parse_record(rest, r, used), RecordCheck::kOk);
  EXPECT_EQ(r.kind, RecordKind::kEnd);
  EXPECT_EQ(parse_record(rest.substr(used), r, used), RecordCheck::kEnd);
}

TEST(StateRecord, TellsCutShortImpossibleAndDamagedRecordsApart) {
  std::string good;
  append_record(good, box_record(7, 9, "h", "{}"));
  BoxRecord r;
  std::size_t used = 0;
  for (std::size_t n = 1; n < good.size(); ++n)
    EXPECT_EQ(parse_record(good.substr(0, n), r, used), RecordCheck::kTruncated) << n;
  for (std::size_t i = kRecordHeadBytes; i < good.size(); ++i) {
    std::string flipped = good;
    flipped[i] ^= 0x10;
    EXPECT_EQ(parse_record(flipped, r, used), RecordCheck::kBadChecksum) << "byte " << i;
  }
  std::string zeros(64, '\0');
  EXPECT_EQ(parse_record(zeros, r, used), RecordCheck::kBadLength);
  std::string huge = good;
  huge[3] = 0x7f;  // a length of ~2 GiB
  EXPECT_EQ(parse_record(huge, r, used), RecordCheck::kBadLength);
}

TEST(StateRecord, APayloadAbove64KiBRoundTripsAndItsLengthFieldMustAgree) {
  const std::string payload(kMaxPayloadBytes, 'p');
  std::string bytes;
  append_record(bytes, box_record(3, 4, "h", payload));
  BoxRecord r;
  std::size_t used = 0;
  ASSERT_EQ(parse_record(bytes, r, used), RecordCheck::kOk);
  EXPECT_EQ(r.payload, payload);
  EXPECT_EQ(used, bytes.size());
  // A body whose length field's low 16 bits disagree with the body length
  // was never written so (the checksum is recomputed to reach the check).
  std::string odd;
  append_record(odd, box_record(3, 4, "h", "{}"));
  odd[kRecordHeadBytes + 2] = 3;
  const std::uint32_t crc = crc32c(std::string_view(odd).substr(kRecordHeadBytes));
  std::memcpy(odd.data() + 4, &crc, sizeof crc);
  EXPECT_EQ(parse_record(odd, r, used), RecordCheck::kBadBody);
}

}  // namespace
}  // namespace trove::state
