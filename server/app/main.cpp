// trove-server: workers for the data plane, the admin listener, and a
// graceful drain on SIGTERM/SIGINT or POST /admin/v1/drain.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include "admin/admin_service.hpp"
#include "app/drain_command.hpp"
#include "config/process_resources.hpp"
#include "config/server_config.hpp"
#include "ingest/message.hpp"
#include "memory/allocator_strategy.hpp"
#include "memory/purger.hpp"
#include "net/worker.hpp"
#include "state/journal.hpp"
#include "state/restore.hpp"
#include "store/box_store.hpp"
#include "trove/common/admin_http_server.hpp"
#include "trove/common/logging.hpp"
#include "trove/common/signals.hpp"
#include "trove/common/token.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Lifecycle events from the signal thread and the admin thread.
class Lifecycle {
 public:
  void request_drain() {
    std::lock_guard lock(mutex_);
    drain_ = true;
    changed_.notify_all();
  }
  void request_exit() {
    std::lock_guard lock(mutex_);
    drain_ = true;
    exit_ = true;
    changed_.notify_all();
  }
  void wait_for_drain() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return drain_; });
  }
  void wait_for_exit() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return exit_; });
  }
  // The drain has closed every worker's listener (each closes its own, on
  // its own thread). A drain request over the admin API answers only then,
  // so its 202 means new connections are refused; `limit` bounds the wait
  // should a worker be stuck.
  void listeners_closed() {
    std::lock_guard lock(mutex_);
    listeners_closed_ = true;
    changed_.notify_all();
  }
  void wait_for_listeners_closed(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, limit, [this] { return listeners_closed_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool drain_ = false;
  bool exit_ = false;
  bool listeners_closed_ = false;
};

struct Ports {
  std::uint16_t data = 0;
  std::uint16_t ingest = 0;
  std::uint16_t admin = 0;
};

void write_port_file(const std::string& path, const Ports& ports) {
  // Write then rename, so a reader never sees a half-written file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << "{\"data\":" << ports.data << ",\"ingest\":" << ports.ingest
        << ",\"admin\":" << ports.admin << ",\"pid\":" << ::getpid() << "}\n";
    if (!out) throw std::runtime_error("cannot write port file '" + path + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot write port file '" + path + "'");
  }
}

trove::memory::AllocatorStrategy allocator_strategy_of(const trove::config::ServerConfig& config) {
  const auto strategy = trove::memory::parse_allocator_strategy(config.allocator);
  if (!strategy) {
    throw trove::config::ConfigError("invalid value for allocator: '" + config.allocator + "'");
  }
  return *strategy;
}

trove::store::BoxStoreConfig store_config_of(const trove::config::ServerConfig& config) {
  trove::store::BoxStoreConfig store_config;
  store_config.max_boxes = config.max_boxes;
  store_config.huge_pages = config.store_huge_pages;
  store_config.payload_max = trove::ingest::payload_max_for(config.max_data_bytes);
  store_config.spill_bytes = config.store_spill_mib << 20;
  return store_config;
}

using Workers = std::vector<std::unique_ptr<trove::net::Worker>>;

unsigned worker_count(const trove::config::ServerConfig& config) {
  return config.workers != 0 ? static_cast<unsigned>(config.workers)
                             : trove::config::default_worker_count();
}

// --state-dir: restores the store (before anything listens, so /readyz
// turns 200 only after it) and opens the journal; nullptr without one.
// Throws state::FutureFormatError for a directory of a newer format.
std::unique_ptr<trove::state::Journal> open_state(const trove::config::ServerConfig& config,
                                                  trove::store::BoxStore& store) {
  using namespace trove;
  if (config.state_dir.empty()) return nullptr;
  std::filesystem::create_directories(config.state_dir);
  const auto started = Clock::now();
  const state::RestoreReport report = state::restore_state(config.state_dir, store);
  const auto restore_nanos = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started).count());
  if (report.incarnation_kept) store.set_incarnation(report.incarnation);
  for (const std::string& problem : report.problems)
    spdlog::error("state: {}", problem);
  spdlog::info(
      "state restored from {} in {} ms: {} boxes from {}, {} log records replayed, {} torn, {} "
      "corrupt files moved aside; incarnation {:016x} ({})",
      config.state_dir, restore_nanos / 1'000'000, report.snapshot_boxes,
      report.snapshot.empty() ? "no snapshot" : report.snapshot.string(), report.log_records,
      report.torn_records, report.corrupt_files, store.incarnation(),
      report.incarnation_kept ? "kept: clean stop" : "new");
  state::JournalOptions options;
  options.dir = config.state_dir;
  options.workers = worker_count(config);
  options.incarnation = store.incarnation();
  options.first_generation = report.next_generation;
  options.sync_interval = std::chrono::milliseconds(
      config.sync_interval_ms != 0 ? config.sync_interval_ms : config.epoch_ms);
  options.snapshot_interval = std::chrono::seconds(config.snapshot_interval_s);
  options.snapshot_log_bytes = config.snapshot_log_mib << 20;
  auto journal = std::make_unique<state::Journal>(options, store);
  journal->set_restore_figures({restore_nanos, report.snapshot_boxes, report.log_records,
                                report.torn_records, report.corrupt_files});
  return journal;
}

// config.workers of them, or one per core; each is registered in `context`.
Workers create_workers(trove::net::ServerContext& context) {
  const unsigned count = worker_count(context.config);
  Workers workers;
  for (unsigned i = 0; i < count; ++i) {
    workers.push_back(std::make_unique<trove::net::Worker>(i, context));
    context.workers.push_back(workers.back().get());
  }
  return workers;
}

// Opens every worker's public and ingest listeners; returns their ports.
// Port 0: the first bind picks the port, the others reuse it.
Ports listen_all(const Workers& workers, const trove::config::ServerConfig& config) {
  using trove::net::Listener;
  Ports ports{static_cast<std::uint16_t>(config.port),
              static_cast<std::uint16_t>(config.ingest_port), 0};
  for (const auto& w : workers) {
    ports.data = w->listen(Listener::kPublic, config.bind, ports.data);
    ports.ingest = w->listen(Listener::kIngest, config.ingest_bind, ports.ingest);
  }
  return ports;
}

// Drain: readyz turns 503, listeners close, idle keep-alives close,
// in-flight requests finish, WebSockets get 1001 — within the deadline.
// Returns the connections still open at the deadline.
std::uint64_t drain_workers(const Workers& workers, trove::net::ServerContext& context,
                            Lifecycle& lifecycle) {
  context.draining.store(true);
  for (const auto& w : workers)
    w->drain();
  const auto deadline = Clock::now() + std::chrono::milliseconds(context.config.drain_timeout_ms);
  while (!std::all_of(workers.begin(), workers.end(), [](const auto& w) {
    return w->listener_closed();
  }) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  lifecycle.listeners_closed();
  auto open = [&] {
    std::uint64_t n = 0;
    for (const auto& w : workers)
      n += w->open_sessions();
    return n;
  };
  while (open() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return open();
}

void stop_workers(const Workers& workers) {
  for (const auto& w : workers)
    w->stop();
  for (const auto& w : workers)
    w->join();
}

int run(const trove::config::ServerConfig& config) {
  using namespace trove;
  const memory::AllocatorStrategy strategy = allocator_strategy_of(config);
  // Connections need descriptors: use all the hard limit allows.
  const std::uint64_t fd_limit = config::raise_fd_soft_limit();
  spdlog::info("file descriptor limit {}", fd_limit);
  // Read now, so an unreadable file fails the start (a missing one is waited
  // for: common/token.hpp); re-read on rotation.
  std::optional<common::TokenFile> token_file;
  if (!config.admin_token_file.empty()) token_file.emplace(config.admin_token_file);
  auto token_source = [&token_file] { return token_file ? token_file->current() : std::string(); };

  store::BoxStore store(store_config_of(config));
  std::unique_ptr<state::Journal> journal = open_state(config, store);
  net::TuningState tuning(
      common::Tuning{config.arena_mib << 20, config.epoch_ms, /*generation=*/0});
  memory::Purger purger;
  net::ServerContext context(config, store, tuning, purger, strategy);
  context.journal = journal.get();
  net::MemoryGuard memory_guard(config::memory_budget_bytes(config.max_memory_mib));
  if (memory_guard.budget_bytes() != 0) {
    context.memory = &memory_guard;
    spdlog::info("memory budget {} MiB", memory_guard.budget_bytes() >> 20);
  }
  Workers workers = create_workers(context);
  Ports ports = listen_all(workers, config);
  context.ingest_port = ports.ingest;

  Lifecycle lifecycle;
  admin::AdminService admin(context, context.workers, token_source, [&] {
    lifecycle.request_drain();
    lifecycle.wait_for_listeners_closed(std::chrono::milliseconds(config.drain_timeout_ms));
  });
  common::AdminHttpServerOptions admin_options;
  admin_options.bind_address = config.admin_bind;
  admin_options.port = static_cast<std::uint16_t>(config.admin_port);
  admin_options.on_limit_exceeded = [&context](common::HttpLimit limit) {
    context.count_admin_limit(net::limit_of(limit));
  };
  common::AdminHttpServer admin_server(admin_options, admin.routes());
  admin_server.start();

  for (auto& w : workers)
    w->start();
  admin.set_listening();
  ports.admin = admin_server.port();
  if (!config.port_file.empty()) write_port_file(config.port_file, ports);
  spdlog::info(
      "{} workers; public http://{}:{} (poll /v1/boxes/{{id}}, ws /v1/ws); "
      "ingest http://{}:{}/v1/ingest; admin http://{}:{}/help",
      workers.size(), config.bind, ports.data, config.ingest_bind, ports.ingest, config.admin_bind,
      ports.admin);

  common::ShutdownSignalWatcher signals([&](int) { lifecycle.request_exit(); });
  lifecycle.wait_for_drain();
  const std::uint64_t left = drain_workers(workers, context, lifecycle);
  stop_workers(workers);
  // The workers were the only ones to request purges. Stop the purge thread
  // here, while every worker's jemalloc arena still exists: a purge still
  // running when workers.clear() destroys the arenas below would purge a
  // destroyed arena.
  purger.stop();
  // Every worker stopped: the last commit and the clean final snapshot.
  if (journal) journal->close();
  spdlog::info("drained ({} connections cut at the deadline)", left);
  // A drain asked over the admin API keeps the process (and /metrics,
  // /readyz = 503) up until the pod's SIGTERM.
  lifecycle.wait_for_exit();
  admin_server.stop();
  workers.clear();
  return 0;
}

}  // namespace

constexpr std::string_view kDrainCommand = "drain";

int main(int argc, char** argv) {
  // Before any thread: every thread inherits the blocked SIGTERM/SIGINT and
  // the watcher thread alone takes them.
  trove::common::block_shutdown_signals();
  // A write past RLIMIT_FSIZE fails with EFBIG, which the state journal
  // reports like a full disk, instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  // Text at info until the configuration (which may not load) says otherwise.
  trove::common::configure_logging(trove::common::LogFormat::text, trove::common::LogLevel::info);
  try {
    // Single-threaded here (no thread has started yet), so getenv is safe.
    auto getenv = [](const char* n) { return std::getenv(n); };  // NOLINT(concurrency-mt-unsafe)
    // `trove-server drain [flags]`: the same flags, the drain client.
    const bool drain = argc > 1 && std::string_view(argv[1]) == kDrainCommand;
    if (drain) {
      --argc;
      ++argv;  // load_config skips argv[0]: "drain" takes the program name's place
    }
    auto loaded = trove::config::load_config(argc, argv, getenv);
    if (loaded.help) {
      std::cout << *loaded.help;
      return 0;
    }
    if (loaded.print_config) {
      std::cout << trove::config::to_yaml(loaded.config);
      return 0;
    }
    trove::common::configure_logging(loaded.config.log_format, loaded.config.log_level);
    if (drain) return trove::app::run_drain_command(loaded.config);
    return run(loaded.config);
  } catch (const trove::config::ConfigError& e) {
    spdlog::error("{}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
