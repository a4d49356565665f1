// Epoch arena micro-benchmarks: bump allocation, reset at a 128 MiB fill
// (percentiles of individually timed resets), purge cost per MiB.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <vector>

#include "memory/epoch_arena.hpp"
#include "memory/purger.hpp"

namespace trove::bench {
namespace {

using memory::EpochArena;
using memory::EpochArenaConfig;
using memory::kMiB;
using Clock = std::chrono::steady_clock;

void report_percentiles(benchmark::State& state, std::vector<double>& nanos, const char* unit_name,
                        double divisor) {
  if (nanos.empty()) return;
  std::sort(nanos.begin(), nanos.end());
  const auto at = [&](double p) {
    const auto i = static_cast<std::size_t>(p * static_cast<double>(nanos.size() - 1));
    return nanos[i] / divisor;
  };
  state.counters[std::string("p50_") + unit_name] = at(0.50);
  state.counters[std::string("p99_") + unit_name] = at(0.99);
  state.counters[std::string("max_") + unit_name] = nanos.back() / divisor;
}

// Allocations of the size of a hydrated blob; reset every 16384 (an epoch).
void BM_ArenaAllocate(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  EpochArena arena;
  std::size_t n = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark loop idiom
    benchmark::DoNotOptimize(arena.allocate(size, 8));
    if (++n == 16384) {
      state.PauseTiming();
      arena.reset();
      n = 0;
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ArenaAllocate)->Arg(64)->Arg(256);

// Reset of an arena filled to `range(0)` MiB (8 KiB blobs, pages touched once
// so the chunks are real). Each reset is timed on its own.
void BM_ArenaResetAtFill(benchmark::State& state) {
  const std::size_t fill = static_cast<std::size_t>(state.range(0)) * kMiB;
  EpochArenaConfig config;
  config.capacity_bytes = fill;
  EpochArena arena(config);
  for (std::size_t done = 0; done < fill; done += 8192) {
    std::memset(arena.allocate(8192), 1, 64);
  }
  arena.reset();
  std::vector<double> samples;
  samples.reserve(1 << 16);
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark loop idiom
    for (std::size_t done = 0; done < fill; done += 8192) {
      benchmark::DoNotOptimize(arena.allocate(8192));
    }
    const auto start = Clock::now();
    const bool ok = arena.reset();
    const auto stop = Clock::now();
    benchmark::DoNotOptimize(ok);
    const double ns = std::chrono::duration<double, std::nano>(stop - start).count();
    samples.push_back(ns);
    state.SetIterationTime(ns * 1e-9);
  }
  report_percentiles(state, samples, "us", 1000.0);
  state.counters["fill_MiB"] = static_cast<double>(fill) / static_cast<double>(kMiB);
}
BENCHMARK(BM_ArenaResetAtFill)->Arg(1)->Arg(128)->UseManualTime()->Iterations(2000);

double thread_cpu_nanos() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// arena.<i>.purge of `range(0)` MiB of trimmed chunks, with 4 KiB pages
// (range(1) = 0) or transparent huge pages asked for (range(1) = 1). Reports
// µs per MiB purged, wall clock and the purging thread's CPU time (the wall
// figure includes waiting for a core on a busy machine).
void BM_PurgePerMiB(benchmark::State& state) {
  const std::size_t bytes = static_cast<std::size_t>(state.range(0)) * kMiB;
  EpochArenaConfig config;
  config.capacity_bytes = bytes;
  config.high_water_epochs = 1;
  config.trim_slack_bytes = 0;
  config.trim_chunks_per_tick = 1 << 20;
  config.huge_pages = state.range(1) != 0;
  EpochArena arena(config);
  memory::Purger purger;
  std::vector<double> wall;
  std::vector<double> cpu;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): benchmark loop idiom
    state.PauseTiming();
    for (std::size_t done = 0; done < bytes; done += kMiB) {
      std::memset(arena.allocate(kMiB, 64), 1, kMiB);
    }
    arena.reset();
    arena.reset();  // a quiet epoch: every chunk but one is above the high-water
    arena.trim();
    state.ResumeTiming();
    const double cpu_start = thread_cpu_nanos();
    const auto start = Clock::now();
    purger.purge_now(arena.jemalloc_index());
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    cpu.push_back(thread_cpu_nanos() - cpu_start);
    wall.push_back(ns);
    state.SetIterationTime(ns * 1e-9);
  }
  // One chunk (2 MiB) stays; the rest was purged.
  const double purged_mib =
      static_cast<double>(bytes - config.chunk_bytes) / static_cast<double>(kMiB);
  for (double& s : wall)
    s /= purged_mib;
  for (double& s : cpu)
    s /= purged_mib;
  report_percentiles(state, wall, "us_per_MiB", 1000.0);
  report_percentiles(state, cpu, "cpu_us_per_MiB", 1000.0);
  state.SetLabel(config.huge_pages ? "huge pages" : "4 KiB pages");
}
BENCHMARK(BM_PurgePerMiB)->Args({64, 0})->Args({64, 1})->UseManualTime()->Iterations(20);

}  // namespace
}  // namespace trove::bench
