// What every worker shares: configuration, the box store, the live tuning,
// client access (tokens, origins), the process-wide connection count, and
// the list of workers for fan-out.
// Everything else is per worker (shared-nothing: docs/design.md, Threading).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "config/server_config.hpp"
#include "memory/allocator_strategy.hpp"
#include "memory/purger.hpp"
#include "net/change_feed.hpp"
#include "net/client_access.hpp"
#include "net/memory_guard.hpp"
#include "net/peer_connections.hpp"
#include "net/tuning_state.hpp"
#include "net/worker_metrics.hpp"
#include "state/journal.hpp"
#include "store/box_store.hpp"

namespace trove::net {

class Worker;

struct ServerContext {
  ServerContext(const config::ServerConfig& c, store::BoxStore& s, TuningState& t,
                memory::Purger& p, memory::AllocatorStrategy a)
      : config(c),
        store(s),
        tuning(t),
        purge(p),
        strategy(a),
        access(c),
        peers(c.max_conns_per_ip == 0 ? nullptr
                                      : std::make_unique<PeerConnections>(c.max_conns_per_ip)) {}

  const config::ServerConfig& config;
  store::BoxStore& store;
  TuningState& tuning;
  memory::Purger& purge;
  memory::AllocatorStrategy strategy;
  // Client tokens and allowed origins; built from config, so a bad key file
  // stops the server at start.
  ClientAccess access;
  // The memory budget (--max-memory-mib); set before the workers start;
  // nullptr = no budget.
  const MemoryGuard* memory = nullptr;
  [[nodiscard]] bool over_memory_budget() const noexcept {
    return memory != nullptr && memory->over();
  }
  // Open public connections per peer (--max-conns-per-ip); nullptr when off.
  std::unique_ptr<PeerConnections> peers;

  // The state directory's log (--state-dir), or nullptr without one. Set
  // before the workers are built.
  state::Journal* journal = nullptr;

  // The change order hunt recovery resumes from (change_feed.hpp).
  ChangeFeed changes;

  // The ingest listener's bound port (set before the workers start), named
  // in the 404 an ingest request on the public listener gets.
  std::uint16_t ingest_port = 0;
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> open_connections{0};  // data plane, all workers
  // Limits hit on the admin listener (its own thread); scraped beside the workers'.
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Limit::kCount)> admin_limits{};

  void count_admin_limit(Limit limit) noexcept {
    admin_limits[static_cast<std::size_t>(limit)].fetch_add(1, std::memory_order_relaxed);
  }
  // Every worker, fixed before any starts; fan-out posts to their io_contexts.
  std::vector<Worker*> workers;
};

}  // namespace trove::net
