// The ingest pipeline's phases on their own (decode+validate, render), to see
// where a message's time goes. Uses trove_ingest's internal headers.

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>

#include "ingest/message_decoder.hpp"
#include "ingest/payload_writer.hpp"
#include "reference_batch.hpp"

namespace trove::bench {
namespace {

void BM_PhaseDecode(benchmark::State& state) {
  const std::string line(kReferenceMessage);
  simdjson::padded_string padded(line);
  ingest::MessageDecoder decoder(4096, 8, ingest::kDefaultMaxDataBytes);
  ingest::BoxMessage message;
  ingest::DecodeError error;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark loop idiom
    const bool ok = decoder.decode(padded.data(), line.size(), false, message, error);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(message);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PhaseDecode);

void BM_PhaseRender(benchmark::State& state) {
  ingest::BoxMessage message;
  message.box = 123456;
  message.has_state = true;
  message.state = ingest::BoxState::open;
  message.has_x = message.has_y = message.has_ts = message.has_player = true;
  message.x = 12.5;
  message.y = -3.25;
  message.ts = 1732712345678;
  message.player = "p-8812";
  ingest::PayloadWriter writer;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark loop idiom
    benchmark::DoNotOptimize(writer.render(message));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PhaseRender);

}  // namespace
}  // namespace trove::bench
