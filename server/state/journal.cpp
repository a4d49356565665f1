#include "state/journal.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <utility>

#include "state/log_segment.hpp"
#include "state/snapshot.hpp"
#include "state/state_dir.hpp"

namespace trove::state {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {
// After a failed commit or snapshot, the next snapshot attempt comes this
// soon: a full disk that gets space back is durable again within it.
constexpr auto kRetryInterval = std::chrono::seconds(1);

std::uint64_t nanos_since(Clock::time_point start) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
}
}  // namespace

// Emptied chunks kept for the worker to fill again (their capacity saves
// its buffer's regrowth); a chunk grown past kSpareChunkBytes by a large
// batch is freed instead.
constexpr std::size_t kMaxSpareChunks = 256;
constexpr std::size_t kSpareChunkBytes = std::size_t{64} << 10;

struct Journal::Lane {
  // The worker's batches are handed over whole (moved, never copied) and
  // written with one writev.
  std::mutex mutex;  // pending*, spare and next_ticket: the worker and the committer
  std::vector<std::string> pending;
  std::size_t pending_bytes = 0;
  std::uint64_t pending_records = 0;
  std::uint64_t next_ticket = 1;
  std::vector<std::string> spare;
  std::vector<std::string> writing;  // committer only
  std::unique_ptr<LogSegment> segment;
  CommitListener listener;
  unsigned worker = 0;
};

Journal::Journal(JournalOptions options, const store::BoxStore& store)
    : options_(std::move(options)), store_(store), generation_(options_.first_generation) {
  for (unsigned w = 0; w < options_.workers; ++w) {
    lanes_.push_back(std::make_unique<Lane>());
    lanes_.back()->worker = w;
    lanes_.back()->segment =
        std::make_unique<LogSegment>(options_.dir, generation_, w, options_.incarnation);
  }
  // Present while the server runs: a restore that finds it knows the last
  // run did not end with a clean snapshot (restore.hpp, Incarnation).
  std::ofstream(options_.dir / std::string(kRunningMarker)) << "trove-server running\n";
  sync_directory(options_.dir);
  committer_ = std::thread([this] { commit_loop(); });
  snapshotter_ = std::thread([this] { snapshot_loop(); });
}

Journal::~Journal() {
  close();
}

std::uint64_t Journal::submit(unsigned worker, std::string& records, std::uint64_t count) {
  if (records.empty()) return 0;
  Lane& lane = *lanes_[worker];
  std::lock_guard lock(lane.mutex);
  if (lane.pending_bytes + records.size() > kMaxPendingBytes) {
    records.clear();
    counters_.dropped_batches.fetch_add(1, std::memory_order_relaxed);
    fail("log commits fall behind: a batch was not logged (more than 64 MiB waiting)");
    return kNotLogged;
  }
  lane.pending_bytes += records.size();
  lane.pending_records += count;
  lane.pending.push_back(std::move(records));
  records.clear();  // moved-from: empty, but say so
  if (!lane.spare.empty()) {
    records.swap(lane.spare.back());
    lane.spare.pop_back();
  }
  return lane.next_ticket;
}

void Journal::set_listener(unsigned worker, CommitListener listener) {
  lanes_[worker]->listener = std::move(listener);
}

std::string Journal::last_error() const {
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

void Journal::fail(const std::string& reason) {
  failures_.fetch_add(1, std::memory_order_acq_rel);
  durable_.store(false, std::memory_order_release);
  {
    std::lock_guard lock(error_mutex_);
    last_error_ = reason;
  }
  std::lock_guard lock(wake_mutex_);
  snapshot_requested_ = true;
  wake_.notify_all();
}

void Journal::request_commit() noexcept {
  // One wake-up per commit, not per waiting batch.
  if (commit_requested_.exchange(true, std::memory_order_acq_rel)) return;
  std::lock_guard lock(wake_mutex_);
  commit_wake_.notify_one();
}

void Journal::commit_loop() {
  std::unique_lock lock(wake_mutex_);
  while (!stopping_) {
    commit_wake_.wait_for(lock, options_.sync_interval, [this] {
      return stopping_ || commit_requested_.load(std::memory_order_acquire);
    });
    // Cleared before the commit: a batch handed over during it asks again.
    commit_requested_.store(false, std::memory_order_release);
    lock.unlock();
    commit_all();
    lock.lock();
  }
}

void Journal::commit_all() {
  std::lock_guard segments(segments_mutex_);
  for (auto& lane : lanes_)
    commit_lane(*lane);
}

void Journal::commit_lane(Lane& lane) {
  std::uint64_t ticket = 0;
  std::uint64_t records = 0;
  std::size_t bytes = 0;
  {
    std::lock_guard lock(lane.mutex);
    if (lane.pending.empty()) return;
    lane.writing.swap(lane.pending);
    records = std::exchange(lane.pending_records, 0);
    bytes = std::exchange(lane.pending_bytes, 0);
    ticket = lane.next_ticket++;
  }
  const auto started = Clock::now();
  const std::error_code error = lane.segment->commit(lane.writing);
  counters_.commit_seconds.observe(nanos_since(started));
  if (!error) counters_.fsync_seconds.observe(lane.segment->last_sync_nanos());
  std::string reason;
  if (error) {
    counters_.commit_failures.fetch_add(1, std::memory_order_relaxed);
    reason = "state log write failed: " + error.message();
    fail(reason);
    spdlog::error("{} ({}); retrying, a snapshot will cover what was not logged", reason,
                  lane.segment->path().string());
  } else {
    counters_.commits.fetch_add(1, std::memory_order_relaxed);
    counters_.log_bytes.fetch_add(bytes, std::memory_order_relaxed);
    counters_.log_records.fetch_add(records, std::memory_order_relaxed);
    const auto total = bytes_since_snapshot_.fetch_add(bytes) + bytes;
    if (total > options_.snapshot_log_bytes) {
      std::lock_guard lock(wake_mutex_);
      snapshot_requested_ = true;
      wake_.notify_all();
    }
  }
  recycle(lane);
  if (lane.listener) lane.listener(ticket, !error, reason);
}

void Journal::recycle(Lane& lane) {
  for (std::string& chunk : lane.writing)
    chunk.clear();
  std::lock_guard lock(lane.mutex);
  for (std::string& chunk : lane.writing) {
    if (lane.spare.size() >= kMaxSpareChunks) break;
    if (chunk.capacity() <= kSpareChunkBytes) lane.spare.push_back(std::move(chunk));
  }
  lane.writing.clear();
}

bool Journal::snapshot_due(Clock::time_point last) const {
  if (snapshot_requested_) return true;
  return Clock::now() - last >= options_.snapshot_interval;
}

void Journal::snapshot_loop() {
  auto last = Clock::now();
  std::unique_lock lock(wake_mutex_);
  while (!stopping_) {
    const auto wait = durable() ? options_.snapshot_interval : kRetryInterval;
    wake_.wait_for(lock, wait, [&] { return stopping_ || snapshot_due(last); });
    if (stopping_) break;
    if (!snapshot_due(last) && durable()) continue;
    snapshot_requested_ = false;
    lock.unlock();
    take_snapshot(/*clean=*/false);
    last = Clock::now();
    lock.lock();
    // A failed attempt is retried after kRetryInterval, not at once.
    if (!durable()) wake_.wait_for(lock, kRetryInterval, [&] { return stopping_; });
  }
}

void Journal::rotate(std::uint64_t generation) {
  std::vector<std::unique_ptr<LogSegment>> next;
  for (const auto& lane : lanes_)
    next.push_back(
        std::make_unique<LogSegment>(options_.dir, generation, lane->worker, options_.incarnation));
  std::lock_guard segments(segments_mutex_);
  for (std::size_t i = 0; i < lanes_.size(); ++i)
    lanes_[i]->segment = std::move(next[i]);
}

void Journal::delete_covered(std::uint64_t generation) {
  for (const StateFile& file : list_state_files(options_.dir)) {
    if (file.generation >= generation) continue;
    std::error_code ignored;
    fs::remove(file.path, ignored);
  }
  sync_directory(options_.dir);
}

void Journal::take_snapshot(bool clean) {
  const std::uint64_t failures_before = failures_.load(std::memory_order_acquire);
  const std::uint64_t generation = generation_ + 1;
  const auto started = Clock::now();
  try {
    // Rotate first: every record in the older segments was stored before
    // the snapshot starts reading, so the snapshot holds it (or newer).
    if (!clean) rotate(generation);
    generation_ = generation;
    bytes_since_snapshot_.store(0);
    const SnapshotWritten written =
        write_snapshot(store_, options_.dir, {generation, options_.incarnation, clean});
    delete_covered(generation);
    counters_.snapshots.fetch_add(1, std::memory_order_relaxed);
    counters_.snapshot_seconds.observe(nanos_since(started));
    counters_.snapshot_bytes_last.store(written.bytes, std::memory_order_relaxed);
    if (failures_.load(std::memory_order_acquire) == failures_before && !durable()) {
      durable_.store(true, std::memory_order_release);
      spdlog::warn("state durable again: snapshot {} covers what earlier commits lost",
                   written.path.string());
    }
  } catch (const std::exception& e) {
    counters_.snapshot_failures.fetch_add(1, std::memory_order_relaxed);
    fail(std::string("snapshot failed: ") + e.what());
    spdlog::error("snapshot failed: {}; retrying in {} s", e.what(),
                  std::chrono::duration_cast<std::chrono::seconds>(kRetryInterval).count());
  }
}

void Journal::close() {
  {
    std::lock_guard lock(wake_mutex_);
    if (closed_) return;
    closed_ = true;
    stopping_ = true;
    wake_.notify_all();
    commit_wake_.notify_all();
  }
  committer_.join();
  snapshotter_.join();
  commit_all();
  take_snapshot(/*clean=*/true);
  if (durable()) {
    std::error_code ignored;
    fs::remove(options_.dir / std::string(kRunningMarker), ignored);
    sync_directory(options_.dir);
  }
}

}  // namespace trove::state
