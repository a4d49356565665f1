// Fuzzes the NDJSON batch parser (IngestPipeline::ingest, docs/api.md) with
// the server's default limits: every line is counted once, accepted or
// rejected; rejections come in line order; what was stored is a JSON object
// naming its own box.
#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "ingest/ingest_pipeline.hpp"
#include "memory/epoch_arena.hpp"
#include "store/box_store.hpp"

namespace {

using namespace trove;

// Few boxes, so a batch can also fill the store (store_full).
constexpr std::size_t kMaxBoxes = 16;

std::size_t lines_in(std::string_view batch) {
  if (batch.empty()) return 0;
  const auto newlines = static_cast<std::size_t>(std::count(batch.begin(), batch.end(), '\n'));
  return newlines + (batch.back() == '\n' ? 0 : 1);
}

void check_stored(const store::BoxStore& store, std::uint64_t box) {
  std::array<char, store::kPayloadMaxLimit> payload{};
  const store::ReadResult read = store.read(box, std::span<char>(payload.data(), payload.size()));
  FUZZ_CHECK(read.found);
  // The schema fields, without `data` (always last; the differential target
  // checks its bytes): it may hold numbers beyond a double's range, valid
  // JSON that RapidJSON refuses. Schema strings are escaped, so the first
  // `,"data":` is the member's.
  std::string fields(payload.data(), read.payload_size);
  if (const std::size_t at = fields.find(R"(,"data":)"); at != std::string::npos) {
    fields.resize(at);
    fields += '}';
  }
  rapidjson::Document doc;
  doc.Parse(fields.data(), fields.size());
  FUZZ_CHECK(!doc.HasParseError() && doc.IsObject());
  const auto id = doc.FindMember("box");
  FUZZ_CHECK(id != doc.MemberEnd() && id->value.IsUint64() && id->value.GetUint64() == box);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view batch(reinterpret_cast<const char*>(data), size);
  // One arena for the whole run, reset after every input: how a worker
  // uses it (a fresh one per input would cost a chunk's mapping each time).
  static memory::EpochArena arena(memory::EpochArenaConfig{.capacity_bytes = 4 * memory::kMiB});
  store::BoxStore store(store::BoxStoreConfig{.max_boxes = kMaxBoxes, .huge_pages = false});
  ingest::IngestPipeline pipeline(store, &arena);
  std::vector<std::uint64_t> stored;
  pipeline.set_observer([&](std::uint64_t box, std::string_view hunt, std::uint64_t version,
                            std::string_view payload) {
    FUZZ_CHECK(version > 0 && hunt.size() <= ingest::kMaxStringFieldBytes && !payload.empty());
    stored.push_back(box);
  });
  const ingest::BatchResult result = pipeline.ingest(batch);
  arena.reset();  // the batch copy and blobs are dead once ingest() returns

  FUZZ_CHECK(result.accepted + result.rejected == lines_in(batch));
  FUZZ_CHECK(result.accepted == stored.size());
  FUZZ_CHECK(result.rejections.size() <= result.rejected);
  FUZZ_CHECK(result.rejections_truncated == (result.rejections.size() < result.rejected));
  for (std::size_t i = 0; i < result.rejections.size(); ++i) {
    FUZZ_CHECK(result.rejections[i].index < lines_in(batch));
    FUZZ_CHECK(i == 0 || result.rejections[i - 1].index < result.rejections[i].index);
    FUZZ_CHECK(!result.rejections[i].reason.empty());
  }
  for (const std::uint64_t box : stored)
    check_stored(store, box);
  return 0;
}
