#include "state/state_format.hpp"

#include <bit>
#include <cstring>

#include "state/crc32c.hpp"
#include "store/box_store.hpp"

namespace trove::state {

static_assert(kMaxPayloadBytes >= store::kPayloadMaxLimit, "a record holds any stored payload");
static_assert(std::endian::native == std::endian::little,
              "state files are little-endian and written in host order");

namespace {

template <class T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <class T>
T get(std::string_view bytes, std::size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

// Header layout: magic 8 | version 4 | flags 4 | incarnation 8 |
// generation 8 | worker 4 | CRC32C of the 36 bytes before it 4.
constexpr std::size_t kHeaderCrcAt = kHeaderBytes - sizeof(std::uint32_t);

}  // namespace

FileHeader make_header(std::string_view magic, std::uint64_t incarnation, std::uint64_t generation,
                       std::uint32_t worker, std::uint32_t flags) {
  FileHeader header;
  header.magic = magic;
  header.flags = flags;
  header.incarnation = incarnation;
  header.generation = generation;
  header.worker = worker;
  return header;
}

BoxRecord box_record(std::uint64_t box, std::uint64_t version, std::string_view hunt,
                     std::string_view payload) {
  BoxRecord record;
  record.box = box;
  record.version = version;
  record.hunt = hunt;
  record.payload = payload;
  return record;
}

BoxRecord end_record(std::uint64_t box_records) {
  BoxRecord record;
  record.kind = RecordKind::kEnd;
  record.box = box_records;
  return record;
}

void append_header(std::string& out, const FileHeader& header) {
  const std::size_t start = out.size();
  out.append(header.magic.substr(0, kMagicBytes));
  put(out, header.version);
  put(out, header.flags);
  put(out, header.incarnation);
  put(out, header.generation);
  put(out, header.worker);
  put(out, crc32c(std::string_view(out).substr(start, kHeaderCrcAt)));
}

HeaderCheck parse_header(std::string_view bytes, std::string_view magic, FileHeader& header) {
  if (bytes.size() < kHeaderBytes) return HeaderCheck::kTooShort;
  if (bytes.substr(0, kMagicBytes) != magic) return HeaderCheck::kBadMagic;
  if (crc32c(bytes.substr(0, kHeaderCrcAt)) != get<std::uint32_t>(bytes, kHeaderCrcAt)) {
    return HeaderCheck::kBadChecksum;
  }
  header.magic = magic;
  header.version = get<std::uint32_t>(bytes, 8);
  header.flags = get<std::uint32_t>(bytes, 12);
  header.incarnation = get<std::uint64_t>(bytes, 16);
  header.generation = get<std::uint64_t>(bytes, 24);
  header.worker = get<std::uint32_t>(bytes, 32);
  return header.version > kFormatVersion ? HeaderCheck::kFutureVersion : HeaderCheck::kOk;
}

void append_record(std::string& out, const BoxRecord& record) {
  const auto body_size =
      static_cast<std::uint32_t>(kBodyFixedBytes + record.hunt.size() + record.payload.size());
  put(out, body_size);
  const std::size_t crc_at = out.size();
  put(out, std::uint32_t{0});
  const std::size_t body_at = out.size();
  put(out, static_cast<std::uint8_t>(record.kind));
  put(out, static_cast<std::uint8_t>(record.hunt.size()));
  // The low 16 bits: a payload may be longer (the body length says by how
  // much); the field stays a check of the record's consistency.
  put(out, static_cast<std::uint16_t>(record.payload.size() & 0xffffU));
  put(out, record.box);
  put(out, record.version);
  out.append(record.hunt);
  out.append(record.payload);
  const std::uint32_t crc = crc32c(std::string_view(out).substr(body_at));
  std::memcpy(out.data() + crc_at, &crc, sizeof crc);
}

RecordCheck parse_record(std::string_view bytes, BoxRecord& record, std::size_t& consumed) {
  if (bytes.empty()) return RecordCheck::kEnd;
  if (bytes.size() < kRecordHeadBytes) return RecordCheck::kTruncated;
  const auto body_size = get<std::uint32_t>(bytes, 0);
  if (body_size < kBodyFixedBytes || body_size > kMaxBodyBytes) return RecordCheck::kBadLength;
  if (bytes.size() - kRecordHeadBytes < body_size) return RecordCheck::kTruncated;
  const std::string_view body = bytes.substr(kRecordHeadBytes, body_size);
  consumed = kRecordHeadBytes + body_size;
  if (crc32c(body) != get<std::uint32_t>(bytes, 4)) return RecordCheck::kBadChecksum;
  const auto kind = get<std::uint8_t>(body, 0);
  const std::size_t hunt_size = get<std::uint8_t>(body, 1);
  const std::size_t payload_low_bits = get<std::uint16_t>(body, 2);
  if (kind > static_cast<std::uint8_t>(RecordKind::kEnd) ||
      kBodyFixedBytes + hunt_size > body_size) {
    return RecordCheck::kBadBody;
  }
  const std::size_t payload_size = body_size - kBodyFixedBytes - hunt_size;
  if ((payload_size & 0xffffU) != payload_low_bits) return RecordCheck::kBadBody;
  record.kind = static_cast<RecordKind>(kind);
  record.box = get<std::uint64_t>(body, 4);
  record.version = get<std::uint64_t>(body, 12);
  record.hunt = body.substr(kBodyFixedBytes, hunt_size);
  record.payload = body.substr(kBodyFixedBytes + hunt_size, payload_size);
  consumed = kRecordHeadBytes + body_size;
  return RecordCheck::kOk;
}

}  // namespace trove::state
