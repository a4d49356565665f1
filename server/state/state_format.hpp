#pragma once
// The bytes of the files under --state-dir, as docs/state-format.md
// describes them: a 40-byte header, then records of
//   u32 body length | u32 CRC32C of the body | body
// with a body of
//   u8 kind | u8 hunt length | u16 payload length (its low 16 bits) |
//   u64 box | u64 version | hunt | payload
// all little-endian. A log segment holds box records; a snapshot holds box
// records and ends with one end record (kind 1, box = the box record count).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace trove::state {

// Raised when a file names a format version this build does not know: the
// server refuses to start rather than guess (docs/state-format.md).
class FutureFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Version 2: payloads above 4096 bytes (a box's `data`), whose length the
// body length gives; version 1 files read the same way.
inline constexpr std::uint32_t kFormatVersion = 2;
inline constexpr std::string_view kLogMagic = "TROVELOG";
inline constexpr std::string_view kSnapshotMagic = "TROVSNAP";
inline constexpr std::size_t kMagicBytes = 8;
inline constexpr std::size_t kHeaderBytes = 40;
inline constexpr std::size_t kRecordHeadBytes = 8;  // length + CRC
inline constexpr std::size_t kBodyFixedBytes = 20;  // kind, sizes, box, version
// A hunt is at most 64 bytes and a payload at most 69632 (the store's
// kPayloadMaxLimit): a length beyond this is damage, never a record.
inline constexpr std::size_t kMaxPayloadBytes = 68 * 1024;
inline constexpr std::size_t kMaxBodyBytes = kBodyFixedBytes + 64 + kMaxPayloadBytes;
// Header flag of a snapshot written after every worker stopped (SIGTERM,
// drain): nothing in memory was newer, so the restored server may keep the
// incarnation.
inline constexpr std::uint32_t kFlagClean = 1U;

enum class RecordKind : std::uint8_t { kBox = 0, kEnd = 1 };

struct FileHeader {
  std::string_view magic;  // kLogMagic or kSnapshotMagic
  std::uint32_t version = kFormatVersion;
  std::uint32_t flags = 0;
  std::uint64_t incarnation = 0;
  std::uint64_t generation = 0;  // log: the segment's; snapshot: covers logs below it
  std::uint32_t worker = 0;      // log: the writing worker
};

// A header of this build's format version.
FileHeader make_header(std::string_view magic, std::uint64_t incarnation, std::uint64_t generation,
                       std::uint32_t worker = 0, std::uint32_t flags = 0);
void append_header(std::string& out, const FileHeader& header);

enum class HeaderCheck { kOk, kTooShort, kBadMagic, kBadChecksum, kFutureVersion };
// Reads a header of kind `magic` from the file's first bytes.
HeaderCheck parse_header(std::string_view bytes, std::string_view magic, FileHeader& header);

struct BoxRecord {
  RecordKind kind = RecordKind::kBox;
  std::uint64_t box = 0;
  std::uint64_t version = 0;
  std::string_view hunt;
  std::string_view payload;
};

// A box record and the end record that closes a snapshot.
BoxRecord box_record(std::uint64_t box, std::uint64_t version, std::string_view hunt,
                     std::string_view payload);
BoxRecord end_record(std::uint64_t box_records);
void append_record(std::string& out, const BoxRecord& record);

enum class RecordCheck {
  kOk,
  kEnd,        // no bytes left
  kTruncated,  // the bytes end inside the record
  kBadLength,  // a length no record has
  kBadChecksum,
  kBadBody,  // checksum right, fields inconsistent (never written so)
};
// Reads the record at the start of `bytes`; on kOk, `record` views `bytes`
// and `consumed` is its size (also set on kBadChecksum and kBadBody: where
// the damaged record claims to end).
RecordCheck parse_record(std::string_view bytes, BoxRecord& record, std::size_t& consumed);

}  // namespace trove::state
