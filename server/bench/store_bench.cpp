// BoxStore micro-benchmarks: write and read of an ~85-byte payload, to one
// hot box and spread over 1 M boxes.

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>

#include "store/box_store.hpp"

namespace trove::bench {
namespace {

constexpr std::string_view kPayload =
    R"({"box":123456,"state":"open","x":12.5,"y":-3.25,"ts":1732712345678,"player":"p-8812"})";
constexpr std::uint64_t kBoxes = 1 << 20;

// A fixed, cheap permutation of box ids so the spread case defeats the cache.
std::uint64_t spread_id(std::uint64_t i) {
  return 1 + ((i * 0x9E3779B97F4A7C15ULL) % kBoxes);
}

store::BoxStore& filled_store() {
  // Built once for every store benchmark and kept for the process's life.
  static store::BoxStore* store = [] {
    auto* s = new store::BoxStore({.max_boxes = kBoxes});
    for (std::uint64_t id = 1; id <= kBoxes; ++id)
      s->write(id, {kPayload.data(), kPayload.size()});
    return s;
  }();
  return *store;
}

void BM_StoreWrite(benchmark::State& state) {
  store::BoxStore& store = filled_store();
  const bool spread = state.range(0) != 0;
  std::uint64_t i = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark loop idiom
    const std::uint64_t id = spread ? spread_id(i++) : 123456;
    benchmark::DoNotOptimize(store.write(id, {kPayload.data(), kPayload.size()}));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(spread ? "1M boxes" : "one box");
}
BENCHMARK(BM_StoreWrite)->Arg(0)->Arg(1);

void BM_StoreRead(benchmark::State& state) {
  store::BoxStore& store = filled_store();
  const bool spread = state.range(0) != 0;
  std::array<char, store::kDefaultPayloadMax> buffer{};
  std::uint64_t i = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark loop idiom
    const std::uint64_t id = spread ? spread_id(i++) : 123456;
    benchmark::DoNotOptimize(store.read(id, buffer));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(spread ? "1M boxes" : "one box");
}
BENCHMARK(BM_StoreRead)->Arg(0)->Arg(1);

}  // namespace
}  // namespace trove::bench
