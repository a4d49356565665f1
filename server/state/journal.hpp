#pragma once
// Journal: the running side of --state-dir (docs/state-format.md).
//
//   * Workers hand over the records of each ingest batch (submit); the
//     state committer thread group-commits every --sync-interval-ms: per
//     worker, one write and one fdatasync of everything handed over since
//     the last commit. No worker ever waits for the disk.
//   * Each submit returns a ticket; once the worker's durable ticket
//     reaches it, the batch is on disk (--ack durable answers then). The
//     worker's listener hears of every commit, on the committer thread. A
//     batch waiting for its durable ack does not wait for the interval:
//     request_commit() starts the next commit as soon as the disk is free.
//   * The snapshot thread writes a snapshot every --snapshot-interval-s, or
//     once the log passes --snapshot-log-mib, or soon after a failed commit
//     (a snapshot of the live store covers what the failure lost): it
//     rotates every worker to a new segment generation, writes the store
//     through its seqlock readers, publishes by rename, then deletes the
//     segments and snapshots the new one covers.
//   * close() (SIGTERM, drain, after the workers stopped): a last commit,
//     then a clean snapshot, so a restart restores exactly and keeps the
//     incarnation.
//
// Bounds: each worker's records waiting for a commit are capped at
// kMaxPendingBytes; a batch beyond it is not logged (counted, and the
// journal is not durable until the next snapshot).

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "memory/local_metrics.hpp"
#include "store/box_store.hpp"

namespace trove::state {

class LogSegment;

struct JournalOptions {
  std::filesystem::path dir;
  unsigned workers = 1;
  std::uint64_t incarnation = 0;
  std::uint64_t first_generation = 1;
  std::chrono::milliseconds sync_interval{16};
  std::chrono::seconds snapshot_interval{60};
  std::uint64_t snapshot_log_bytes = std::uint64_t{256} << 20;
};

// A commit is a write into the page cache and one fdatasync: tens of
// microseconds on a fast SSD, tens of milliseconds on a busy network disk,
// seconds when the disk stalls.
inline constexpr std::array<double, 12> kCommitBoundsSeconds = {
    50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 100e-3, 250e-3, 1.0};
// A snapshot writes the whole store: ~100 ms per million boxes on local
// disk, more on a slow volume.
inline constexpr std::array<double, 11> kSnapshotBoundsSeconds = {
    10e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0};
using CommitHistogram = memory::LocalHistogram<kCommitBoundsSeconds.size()>;
using SnapshotHistogram = memory::LocalHistogram<kSnapshotBoundsSeconds.size()>;

// What the restore before ready found (restore.hpp), for metrics.
struct RestoreFigures {
  std::uint64_t nanos = 0;
  std::uint64_t snapshot_boxes = 0;
  std::uint64_t log_records = 0;  // replayed
  std::uint64_t torn_records = 0;
  std::uint64_t corrupt_files = 0;
};

// Cumulative figures for metrics and stats, readable from any thread. The
// histograms have one writer at a time: the committer thread (and close()
// after it stopped) for commits, the snapshot thread (and close()) for
// snapshots.
struct JournalCounters {
  std::atomic<std::uint64_t> log_bytes{0};
  std::atomic<std::uint64_t> log_records{0};
  std::atomic<std::uint64_t> commits{0};
  std::atomic<std::uint64_t> commit_failures{0};
  std::atomic<std::uint64_t> dropped_batches{0};         // over kMaxPendingBytes
  CommitHistogram commit_seconds{kCommitBoundsSeconds};  // write + fdatasync
  CommitHistogram fsync_seconds{kCommitBoundsSeconds};   // fdatasync alone
  std::atomic<std::uint64_t> snapshots{0};
  std::atomic<std::uint64_t> snapshot_failures{0};
  SnapshotHistogram snapshot_seconds{kSnapshotBoundsSeconds};
  std::atomic<std::uint64_t> snapshot_bytes_last{0};
  RestoreFigures restore;  // set once, before the workers start
};

class Journal {
 public:
  // Records waiting for a commit per worker: ~20 ms of 1 M msg/s at ~150
  // bytes a record is 3 MiB; 64 MiB rides out a disk stalled for a second.
  static constexpr std::size_t kMaxPendingBytes = std::size_t{64} << 20;
  // A ticket meaning "not logged" (the batch went over kMaxPendingBytes).
  static constexpr std::uint64_t kNotLogged = UINT64_MAX;

  // Creates the first segments and the running marker, starts the threads.
  // Throws std::system_error.
  Journal(JournalOptions options, const store::BoxStore& store);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Worker thread: hands over a batch's `count` records (state_format.hpp),
  // leaving `records` empty. Returns the ticket they commit under, 0 for no
  // records (nothing to wait for), or kNotLogged.
  std::uint64_t submit(unsigned worker, std::string& records, std::uint64_t count);
  // (ticket, ok, reason): called on the committer thread after each commit
  // of the worker's records. Set before the workers start.
  // Worker thread: a batch waits for its commit (--ack durable). Starts a
  // commit at once if none is running, else right after the running one:
  // while acks wait, commits run back to back, each taking everything
  // handed over meanwhile (group commit), instead of one per interval.
  void request_commit() noexcept;
  using CommitListener = std::function<void(std::uint64_t ticket, bool ok, const std::string&)>;
  void set_listener(unsigned worker, CommitListener listener);

  // False after a failed commit or a batch not logged, until a snapshot
  // covers it.
  bool durable() const noexcept { return durable_.load(std::memory_order_acquire); }
  std::string last_error() const;
  const JournalCounters& counters() const noexcept { return counters_; }
  // Before the workers start: what the restore found, for metrics.
  void set_restore_figures(const RestoreFigures& figures) noexcept { counters_.restore = figures; }

  // After every worker stopped: commits what is pending, stops the threads,
  // writes the clean final snapshot. Idempotent.
  void close();

 private:
  struct Lane;
  void commit_loop();
  void snapshot_loop();
  void commit_all();
  void commit_lane(Lane& lane);
  void recycle(Lane& lane);
  bool snapshot_due(std::chrono::steady_clock::time_point last) const;
  void take_snapshot(bool clean);
  void rotate(std::uint64_t generation);
  void delete_covered(std::uint64_t generation);
  void fail(const std::string& reason);

  JournalOptions options_;
  const store::BoxStore& store_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  JournalCounters counters_;
  std::atomic<bool> durable_{true};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> bytes_since_snapshot_{0};
  std::uint64_t generation_;

  mutable std::mutex error_mutex_;
  std::string last_error_;

  std::mutex segments_mutex_;  // held by a commit and by a rotation
  std::mutex wake_mutex_;
  std::condition_variable wake_;         // the snapshot thread
  std::condition_variable commit_wake_;  // the committer
  std::atomic<bool> commit_requested_{false};
  bool stopping_ = false;
  bool snapshot_requested_ = false;
  bool closed_ = false;
  std::thread committer_;
  std::thread snapshotter_;
};

}  // namespace trove::state
