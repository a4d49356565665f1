// The full ingest pipeline (parse + validate + hydrate + render + store) on
// the reference message in batches of 64, per allocation strategy, and raw
// simdjson On-Demand parsing of the same batch in the same run (the ratio's
// reference: it reads every field, validates and stores nothing).

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstring>
#include <string>

#include "ingest/ingest_pipeline.hpp"
#include "reference_batch.hpp"

namespace trove::bench {
namespace {

// Arena resets as often as a server at 3 M msg/s with 16 ms epochs would
// (~48 k messages): 768 batches of 64.
constexpr int kBatchesPerEpoch = 768;
// The `data` object of BM_IngestPipelineData, minified.
constexpr std::size_t kDataBytes = 200;

void BM_IngestPipeline(benchmark::State& state) {
  const auto strategy = static_cast<memory::AllocatorStrategy>(state.range(0));
  memory::EpochArena arena;
  store::BoxStore store({.max_boxes = 1 << 16});
  ingest::IngestPipeline pipeline(store, &arena, ingest::IngestConfig{.strategy = strategy});
  const std::string batch = reference_batch();
  int batches = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark loop idiom
    const ingest::BatchResult r = pipeline.ingest(batch);
    if (r.accepted != kBatchMessages) {
      state.SkipWithError("a reference message was rejected");
      break;
    }
    if (++batches == kBatchesPerEpoch) {
      arena.reset();  // part of the cost: the server does it every epoch
      batches = 0;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatchMessages));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
  state.SetLabel(std::string(memory::to_string(strategy)));
}
BENCHMARK(BM_IngestPipeline)
    ->Arg(static_cast<int>(memory::AllocatorStrategy::epoch))
    ->Arg(static_cast<int>(memory::AllocatorStrategy::jemalloc))
    ->Arg(static_cast<int>(memory::AllocatorStrategy::system));

// The reference message with a 200-byte `data` object (docs/api.md): the
// issue's open-state case. Its payload (~290 bytes) leaves the slot's
// inline bytes, so the store's spill path is part of the cost.
std::string data_batch() {
  std::string data =
      R"({"hp":87,"mana":120,"inv":["sword","shield","potion"],"pos":{"x":12.5,"y":-3.25,)"
      R"("z":0},"flags":{"pvp":true,"afk":false},"guild":"the-explorers","note":")";
  const std::string tail = R"("})";
  data += std::string(kDataBytes - data.size() - tail.size(), 'n') + tail;
  std::string line(kReferenceMessage);
  line.insert(line.size() - 1, R"(,"data":)" + data);
  std::string batch;
  for (std::size_t i = 0; i < kBatchMessages; ++i) {
    batch += line;
    batch += '\n';
  }
  return batch;
}

void BM_IngestPipelineData(benchmark::State& state) {
  memory::EpochArena arena;
  store::BoxStore store({.max_boxes = 1 << 16,
                         .payload_max = ingest::payload_max_for(ingest::kDefaultMaxDataBytes),
                         .spill_bytes = std::size_t{64} << 20});
  ingest::IngestPipeline pipeline(store, &arena, ingest::IngestConfig{});
  const std::string batch = data_batch();
  int batches = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark loop idiom
    const ingest::BatchResult r = pipeline.ingest(batch);
    if (r.accepted != kBatchMessages) {
      state.SkipWithError("a data message was rejected");
      break;
    }
    if (++batches == kBatchesPerEpoch) {
      arena.reset();
      batches = 0;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatchMessages));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
  state.SetLabel("epoch, 200-byte data");
}
BENCHMARK(BM_IngestPipelineData);

// Every field of the reference message, as raw On-Demand reads them.
struct RawFields {
  std::uint64_t box = 0;
  double x = 0;
  double y = 0;
  std::int64_t ts = 0;
  std::string_view hunt;
  std::string_view player;
  std::string_view st;
};

// Reads every field of `object` into `out`; false on any error. Inlined into
// the benchmark loop, so the reference measures parsing, not a call.
[[gnu::always_inline]] inline bool read_raw_fields(simdjson::ondemand::object& object,
                                                   RawFields& out) {
  bool ok = true;
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    if (std::move(field_result).get(field)) return false;
    const simdjson::ondemand::raw_json_string key = field.key();
    simdjson::ondemand::value value = field.value();
    if (key == "box") {
      ok &= value.get_uint64().get(out.box) == simdjson::SUCCESS;
    } else if (key == "x") {
      ok &= value.get_double().get(out.x) == simdjson::SUCCESS;
    } else if (key == "y") {
      ok &= value.get_double().get(out.y) == simdjson::SUCCESS;
    } else if (key == "ts") {
      ok &= value.get_int64().get(out.ts) == simdjson::SUCCESS;
    } else if (key == "hunt") {
      ok &= value.get_string().get(out.hunt) == simdjson::SUCCESS;
    } else if (key == "player") {
      ok &= value.get_string().get(out.player) == simdjson::SUCCESS;
    } else if (key == "state") {
      ok &= value.get_string().get(out.st) == simdjson::SUCCESS;
    }
  }
  return ok;
}

// Raw simdjson: the same batch, padded once, each line iterated with
// On-Demand and every field read. No copy, validation, rendering or store.
void BM_SimdjsonRawParse(benchmark::State& state) {
  const std::string batch = reference_batch();
  simdjson::padded_string padded(batch);
  simdjson::ondemand::parser parser;
  const char* data = padded.data();
  const std::size_t size = batch.size();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark loop idiom
    std::size_t position = 0;
    while (position < size) {
      const auto* newline =
          static_cast<const char*>(std::memchr(data + position, '\n', size - position));
      const std::size_t length = newline != nullptr
                                     ? static_cast<std::size_t>(newline - data) - position
                                     : size - position;
      simdjson::ondemand::document doc;
      if (parser.iterate(data + position, length, length + simdjson::SIMDJSON_PADDING).get(doc)) {
        state.SkipWithError("parse failed");
        return;
      }
      simdjson::ondemand::object object;
      if (doc.get_object().get(object)) {
        state.SkipWithError("not an object");
        return;
      }
      RawFields fields;
      if (!read_raw_fields(object, fields)) {
        state.SkipWithError("field error");
        return;
      }
      benchmark::DoNotOptimize(fields.box);
      benchmark::DoNotOptimize(fields.x);
      benchmark::DoNotOptimize(fields.y);
      benchmark::DoNotOptimize(fields.ts);
      benchmark::DoNotOptimize(fields.hunt);
      benchmark::DoNotOptimize(fields.player);
      benchmark::DoNotOptimize(fields.st);
      position += length + 1;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatchMessages));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}
BENCHMARK(BM_SimdjsonRawParse);

}  // namespace
}  // namespace trove::bench
