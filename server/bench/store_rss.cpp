// trove-store-rss: resident memory of a BoxStore filled with N boxes of one
// payload size, measured in its own process (docs/design.md, "Box store:
// variable-size payloads"). Prints one JSON line: the process RSS before
// and after filling, the store's resident bytes per box, and the spill's
// figures. hack/bench/store_rss.sh runs it for 50-byte and 4 KiB payloads.
//
// usage: trove-store-rss BOXES PAYLOAD_BYTES [huge_pages: on|off]

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "ingest/message.hpp"
#include "store/box_store.hpp"

namespace {

// Resident bytes of this process (/proc/self/statm, second field, in pages).
std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size_pages = 0;
  std::size_t resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return resident_pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// The spill reservation: room for every box's payload in its size class
// (at most a quarter of slack) plus a margin.
constexpr std::size_t kSpillMargin = std::size_t{64} << 20;

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s BOXES PAYLOAD_BYTES [on|off]\n", argv[0]);
    return 2;
  }
  const std::size_t boxes = std::strtoull(argv[1], nullptr, 10);
  const std::size_t payload_bytes = std::strtoull(argv[2], nullptr, 10);
  const bool huge = argc < 4 || std::string(argv[3]) == "on";
  if (boxes == 0 || payload_bytes == 0 ||
      payload_bytes > trove::ingest::payload_max_for(trove::ingest::kMaxDataBytesLimit)) {
    std::fprintf(stderr, "BOXES must be > 0 and PAYLOAD_BYTES 1 … 66560\n");
    return 2;
  }
  const std::size_t before = resident_bytes();
  trove::store::BoxStore store(
      {.max_boxes = boxes,
       .payload_max = trove::ingest::payload_max_for(trove::ingest::kMaxDataBytesLimit),
       .huge_pages = huge,
       .spill_bytes = boxes * (payload_bytes + payload_bytes / 4 + 64) + kSpillMargin});
  const std::string payload(payload_bytes, 'p');
  for (std::uint64_t id = 1; id <= boxes; ++id) {
    if (store.write(id, {payload.data(), payload.size()}).status !=
        trove::store::WriteStatus::stored) {
      std::fprintf(stderr, "box %llu not stored\n", static_cast<unsigned long long>(id));
      return 1;
    }
  }
  const std::size_t after = resident_bytes();
  std::printf(
      "{\"boxes\":%zu,\"payloadBytes\":%zu,\"hugePages\":%s,\"rssBeforeBytes\":%zu,"
      "\"rssAfterBytes\":%zu,\"storeBytesPerBox\":%.1f,\"spillCarvedBytes\":%zu,"
      "\"reservedBytes\":%zu}\n",
      boxes, payload_bytes, huge ? "true" : "false", before, after,
      static_cast<double>(after - before) / static_cast<double>(boxes),
      store.spill().carved_bytes(), store.reserved_bytes());
  return 0;
}
