// BoxStore micro-benchmarks: write and read of an ~85-byte payload, to one
// hot box and spread over 1 M boxes.

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

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

// 1 M boxes spread over 100 hunts, so one hunt's snapshot matches 1 % of
// the slots it scans (a large store, far out of cache, as on a worker).
constexpr std::uint64_t kScanHunts = 100;
store::BoxStore& hunted_store() {
  static store::BoxStore* store = [] {
    auto* s = new store::BoxStore({.max_boxes = kBoxes});
    std::string hunt;
    for (std::uint64_t id = 1; id <= kBoxes; ++id) {
      hunt = "hunt-" + std::to_string(id % kScanHunts);
      s->write(id, {kPayload.data(), kPayload.size()}, hunt);
    }
    return s;
  }();
  return *store;
}

// Wants one hunt and only counts what it is shown (a snapshot's visitor
// also builds a push per match; that cost is the push path's).
struct OneHunt final : store::BoxVisitor {
  std::string_view hunt = "hunt-7";
  std::uint64_t matched = 0;
  bool wants(std::string_view h) override { return h == hunt; }
  bool visit(const store::BoxView& box) override {
    matched += box.payload.empty() ? 0 : 1;
    return true;
  }
};

// One scan step of Arg(0) slots, as a hunt snapshot takes between two turns
// of the worker's other connections; the cursor walks the whole store, so
// each step reads slots that are not in cache.
void BM_StoreScanStep(benchmark::State& state) {
  const store::BoxStore& store = hunted_store();
  const auto step = static_cast<std::size_t>(state.range(0));
  OneHunt visitor;
  std::size_t slot = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark loop idiom
    slot = store.visit_boxes(slot, step, visitor);
    if (slot >= store.slot_count()) slot = 0;
  }
  benchmark::DoNotOptimize(visitor.matched);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(step));
  state.SetLabel("slots per step; 1 % match");
}
BENCHMARK(BM_StoreScanStep)->Arg(256)->Arg(1024)->Arg(4096);

}  // namespace
}  // namespace trove::bench
