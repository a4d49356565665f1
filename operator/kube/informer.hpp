// An informer: a reflector (LIST then WATCH, kept alive through every
// failure) feeding an indexed cache, with add/update/delete callbacks.
//
// The reflector is an explicit state machine (informer.cpp, after kube-rs's
// watcher and client-go's reflector):
//
//   Listing{rv, continue, paged}  --last page-->  Watching{rv}
//   Watching  --normal end / transport error / idle-->  Watching{last rv}  (a watch restart)
//   Watching  --410 (in-stream ERROR or as the watch's status)-->
//             Listing{last rv, unpaged}                                     (a relist)
//   Listing   --410 on the list itself-->  Listing{"", paged}               (fresh list)
//   any error other than 410 waits a jittered exponential backoff first.
//
// Threading: start() runs the reflector on its own thread with blocking I/O
// (Client is blocking). Callbacks run on that thread, one at a time, after
// the cache already reflects the change; they must not block for long (hand
// work to a WorkQueue). Store reads are safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "kube/backoff.hpp"
#include "kube/client.hpp"
#include "kube/errors.hpp"
#include "kube/store.hpp"

namespace trove::kube {

struct InformerConfig {
  ResourceType type;
  std::string namespace_;  // "" = all namespaces
  std::string label_selector;
  std::string field_selector;
  // Same page size as client-go's reflector.
  int page_size = 500;
  // Each watch asks the server to end it after a random time in this range
  // (client-go: 5..10 minutes) so watches do not all restart at once.
  std::chrono::seconds min_watch_timeout{300};
  std::chrono::seconds max_watch_timeout{600};
  // A watch silent for this long is restarted. Must exceed twice the
  // bookmark interval (about a minute on kube-apiserver).
  std::chrono::milliseconds idle_timeout{150'000};
  BackoffConfig backoff;
};

// Why the reflector left its happy path (kube-rs's watcher::Error).
enum class ReflectorErrorKind {
  kInitialListFailed,  // a LIST page failed
  kNoResourceVersion,  // a LIST answered without metadata.resourceVersion
  kWatchStartFailed,   // the WATCH request was refused
  kWatchError,         // the server sent an ERROR event
  kWatchFailed,        // the stream broke: I/O error, idle timeout, bad data
};
std::string_view to_string(ReflectorErrorKind kind);

struct ReflectorError {
  ReflectorErrorKind kind;
  std::string message;
};

enum class ReflectorState { kListing, kWatching, kBackoff, kStopped };

struct EventHandlers {
  std::function<void(const ObjectPtr&)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& object)> on_update;
  std::function<void(const ObjectPtr& final_state)> on_delete;
};

class Informer {
 public:
  Informer(Client& client, InformerConfig config);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Before start().
  void add_handlers(EventHandlers handlers);
  void add_indexer(const std::string& name, Store::IndexFunc func);
  void on_error(std::function<void(const ReflectorError&)> hook);

  void start();
  // Cancels an open watch and joins the thread. Idempotent.
  void stop();

  const Store& store() const { return store_; }
  bool has_synced() const { return synced_.load(); }
  bool wait_for_sync(std::chrono::milliseconds timeout);
  ReflectorState state() const { return state_.load(); }
  std::string last_resource_version() const;

  // LISTs after the first one (410 recoveries); exported as
  // trove_operator_relists_total.
  std::uint64_t relists() const { return relists_.load(); }
  // Watches re-opened without a relist; trove_operator_watch_restarts_total.
  std::uint64_t watch_restarts() const { return watch_restarts_.load(); }
  std::uint64_t events_received() const { return events_.load(); }

 private:
  void run();
  void dispatch(const std::vector<Delta>& deltas);
  void report(ReflectorErrorKind kind, const std::string& message);
  // Waits `delay` unless stop() comes first; returns false when stopping.
  bool sleep_for(std::chrono::milliseconds delay);
  void set_rv(const std::string& rv);

  struct Listing;
  struct Watching;
  struct Step;
  Step list_step(Listing s);
  Step watch_step(Watching s);
  // The next watch's options: from `resource_version`, with a random
  // server-side timeout in the configured range.
  WatchOptions watch_options(const std::string& resource_version);
  // Applies one ADDED/MODIFIED/DELETED/BOOKMARK event to the cache and moves
  // `rv` to its resourceVersion.
  void apply(WatchEvent event, std::string& rv);

  Client& client_;
  const InformerConfig config_;
  Store store_;
  std::vector<EventHandlers> handlers_;
  std::function<void(const ReflectorError&)> error_hook_;
  Backoff backoff_;
  std::mt19937_64 rng_;

  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  WatchStream* open_stream_ = nullptr;  // guarded by mutex_, for stop()
  std::string last_rv_;                 // guarded by mutex_

  std::atomic<bool> synced_{false};
  std::atomic<ReflectorState> state_{ReflectorState::kStopped};
  std::atomic<std::uint64_t> relists_{0};
  std::atomic<std::uint64_t> watch_restarts_{0};
  std::atomic<std::uint64_t> events_{0};
};

}  // namespace trove::kube
