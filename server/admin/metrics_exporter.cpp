#include "admin/metrics_exporter.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>

#include "memory/jemalloc_stats.hpp"
#include "trove/common/process.hpp"
#include "trove/common/prometheus_text.hpp"

namespace trove::admin {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

constexpr const char* kProtocolNames[] = {"http", "ws"};

// prometheus-cpp counters only go up by increments: mirror a monotonic total.
struct CounterMirror {
  Counter* counter = nullptr;
  double last = 0;
  void set(double total) {
    if (total > last) counter->Increment(total - last);
    last = total;
  }
};

// Mirrors the sum of per-thread LocalHistograms into one Histogram.
struct HistogramMirror {
  Histogram* histogram = nullptr;
  std::vector<double> last_buckets;
  double last_sum = 0;
  void set(const std::vector<double>& buckets, double sum) {
    if (last_buckets.empty()) last_buckets.assign(buckets.size(), 0.0);
    std::vector<double> delta(buckets.size());
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      delta[i] = buckets[i] - last_buckets[i];
      if (delta[i] < 0) delta[i] = 0;
    }
    histogram->ObserveMultiple(delta, sum > last_sum ? sum - last_sum : 0.0);
    last_buckets = buckets;
    last_sum = sum;
  }
};

template <std::size_t N>
prometheus::Histogram::BucketBoundaries bounds(const std::array<double, N>& b) {
  return {b.begin(), b.end()};
}

template <std::size_t N>
void accumulate(const net::LocalHistogram<N>& h, std::vector<double>& buckets, double& sum) {
  if (buckets.empty()) buckets.assign(N + 1, 0.0);
  for (std::size_t i = 0; i <= N; ++i)
    buckets[i] += static_cast<double>(h.bucket(i));
  sum += static_cast<double>(h.sum_nanos()) * 1e-9;
}

// The workers' own counters, summed for one scrape.
struct WorkerTotals {
  double accepted = 0;
  double rejected = 0;
  double accepted_bytes = 0;
  double rejected_bytes = 0;
  std::array<std::array<double, net::kStatusCodes.size()>, net::kProtocols> polls{};
  std::array<double, net::kProtocols> open{};
  std::array<double, static_cast<std::size_t>(net::RejectReason::kCount)> refused{};
  std::array<double, static_cast<std::size_t>(net::Limit::kCount)> limits{};
  double pushes = 0;
  std::array<std::vector<double>, net::kProtocols> poll_buckets, ingest_buckets;
  std::array<double, net::kProtocols> poll_sum{}, ingest_sum{};
  std::vector<double> reset_buckets;
  double reset_sum = 0;

  void add(net::Worker& w) {
    const auto& c = w.ingest_counters();
    accepted += static_cast<double>(c.accepted_messages.load(std::memory_order_relaxed));
    rejected += static_cast<double>(c.rejected_messages.load(std::memory_order_relaxed));
    accepted_bytes += static_cast<double>(c.accepted_bytes.load(std::memory_order_relaxed));
    rejected_bytes += static_cast<double>(c.rejected_bytes.load(std::memory_order_relaxed));
    const net::WorkerMetrics& m = w.metrics_view();
    for (std::size_t p = 0; p < net::kProtocols; ++p) {
      for (std::size_t i = 0; i < net::kStatusCodes.size(); ++i) {
        polls[p][i] += static_cast<double>(m.poll_requests[p][i].get());
      }
      open[p] += static_cast<double>(w.connections(static_cast<net::Protocol>(p)));
      accumulate(m.poll_latency[p], poll_buckets[p], poll_sum[p]);
      accumulate(m.ingest_latency[p], ingest_buckets[p], ingest_sum[p]);
    }
    for (std::size_t i = 0; i < refused.size(); ++i) {
      refused[i] += static_cast<double>(m.connections_rejected[i].get());
    }
    for (std::size_t i = 0; i < limits.size(); ++i) {
      limits[i] += static_cast<double>(m.limits[i].get());
    }
    pushes += static_cast<double>(m.ws_pushes.get());
    accumulate(m.reset_duration, reset_buckets, reset_sum);
  }

  // The admin listener's limits count in the same series as the workers'.
  void add_admin(const net::ServerContext& context) {
    for (std::size_t i = 0; i < limits.size(); ++i) {
      limits[i] += static_cast<double>(context.admin_limits[i].load(std::memory_order_relaxed));
    }
  }
};

}  // namespace

struct MetricsExporter::Families {
  prometheus::Registry registry;
  std::map<std::string, CounterMirror> counters;  // keyed by name + labels
  std::map<std::string, HistogramMirror> histograms;

  Family<Counter>& ingest_messages =
      prometheus::BuildCounter()
          .Name("trove_ingest_messages_total")
          .Help("Ingested NDJSON messages by result (accepted = stored).")
          .Register(registry);
  Family<Counter>& ingest_bytes = prometheus::BuildCounter()
                                      .Name("trove_ingest_bytes_total")
                                      .Help("Bytes of ingested NDJSON lines by result.")
                                      .Register(registry);
  Family<Counter>& poll_requests =
      prometheus::BuildCounter()
          .Name("trove_poll_requests_total")
          .Help(
              "Data-plane poll requests (HTTP GET /v1/boxes, WebSocket get) by protocol and code.")
          .Register(registry);
  Family<Histogram>& request_duration =
      prometheus::BuildHistogram()
          .Name("trove_request_duration_seconds")
          .Help("Server-side request latency, request parsed to response written.")
          .Register(registry);
  Family<Gauge>& connections = prometheus::BuildGauge()
                                   .Name("trove_connections")
                                   .Help("Open data-plane connections by protocol.")
                                   .Register(registry);
  Family<Counter>& connections_rejected = prometheus::BuildCounter()
                                              .Name("trove_connections_rejected_total")
                                              .Help("Connections refused at accept, by reason.")
                                              .Register(registry);
  Family<Counter>& limit_exceeded =
      prometheus::BuildCounter()
          .Name("trove_limit_exceeded_total")
          .Help("Requests or connections stopped by a configured limit, by limit.")
          .Register(registry);
  Family<Counter>& ws_pushes =
      prometheus::BuildCounter()
          .Name("trove_ws_pushes_total")
          .Help("WebSocket pushes queued to subscribers, live and on subscribe.")
          .Register(registry);
  Family<Counter>& epoch_resets = prometheus::BuildCounter()
                                      .Name("trove_epoch_resets_total")
                                      .Help("Epoch arena resets, per worker.")
                                      .Register(registry);
  Family<Histogram>& reset_duration = prometheus::BuildHistogram()
                                          .Name("trove_epoch_reset_duration_seconds")
                                          .Help("Duration of an epoch arena reset.")
                                          .Register(registry);
  Family<Histogram>& purge_duration =
      prometheus::BuildHistogram()
          .Name("trove_epoch_purge_duration_seconds")
          .Help("Duration of a jemalloc arena purge (off the workers).")
          .Register(registry);
  Family<Gauge>& arena_capacity = prometheus::BuildGauge()
                                      .Name("trove_arena_capacity_bytes")
                                      .Help("Epoch arena capacity in force, per worker.")
                                      .Register(registry);
  Family<Gauge>& arena_resident =
      prometheus::BuildGauge()
          .Name("trove_arena_resident_bytes")
          .Help("Bytes the epoch arena holds (chunks and live large blocks), per worker.")
          .Register(registry);
  Family<Gauge>& arena_high_water = prometheus::BuildGauge()
                                        .Name("trove_arena_high_water_bytes")
                                        .Help("Bytes used by the last completed epoch, per worker.")
                                        .Register(registry);
  Family<Counter>& arena_overflows =
      prometheus::BuildCounter()
          .Name("trove_arena_overflows_total")
          .Help("Epochs that needed more than the arena capacity, per worker.")
          .Register(registry);
  Family<Gauge>& change_inbox =
      prometheus::BuildGauge()
          .Name("trove_change_inbox_changes")
          .Help("Changes waiting in a worker's inbox for its push tick, per worker.")
          .Register(registry);
  Family<Gauge>& jemalloc = prometheus::BuildGauge()
                                .Name("trove_jemalloc_bytes")
                                .Help("jemalloc's own statistics (stats.*), bytes.")
                                .Register(registry);
  Family<Gauge>& rss = prometheus::BuildGauge()
                           .Name("trove_process_resident_memory_bytes")
                           .Help("Resident set size of the process, from /proc/self/statm.")
                           .Register(registry);
  Family<Gauge>& tuning_generation = prometheus::BuildGauge()
                                         .Name("trove_tuning_generation")
                                         .Help("Generation of the tuning in force.")
                                         .Register(registry);
  Family<Gauge>& tuning_arena = prometheus::BuildGauge()
                                    .Name("trove_tuning_arena_bytes")
                                    .Help("Arena size per worker set by the tuning in force.")
                                    .Register(registry);
  Family<Gauge>& tuning_epoch = prometheus::BuildGauge()
                                    .Name("trove_tuning_epoch_seconds")
                                    .Help("Epoch length set by the tuning in force.")
                                    .Register(registry);
  Family<Gauge>& store_boxes = prometheus::BuildGauge()
                                   .Name("trove_store_boxes")
                                   .Help("Boxes in the store.")
                                   .Register(registry);
  Family<Gauge>& store_capacity = prometheus::BuildGauge()
                                      .Name("trove_store_capacity")
                                      .Help("Box store capacity (max_boxes).")
                                      .Register(registry);
  // Payloads above a slot's inline bytes (docs/design.md, Box store).
  Family<Gauge>& store_spill = prometheus::BuildGauge()
                                   .Name("trove_store_spill_bytes")
                                   .Help(
                                       "Box store room for large payloads: state=used (blocks "
                                       "holding a payload), carved (resident high-water), "
                                       "reserved (--store-spill-mib).")
                                   .Register(registry);
  Family<Counter>& store_spill_refused =
      prometheus::BuildCounter()
          .Name("trove_store_spill_refused_total")
          .Help("Large payloads refused because --store-spill-mib was used up (store_full).")
          .Register(registry);
  // --state-dir (docs/state-format.md); present, at 0, without one.
  Family<Gauge>& state_durable =
      prometheus::BuildGauge()
          .Name("trove_state_durable")
          .Help(
              "1 while every acknowledged batch reaches the state log, 0 after a failed write "
              "until a snapshot covers it (or without --state-dir).")
          .Register(registry);
  Family<Counter>& state_log_bytes = prometheus::BuildCounter()
                                         .Name("trove_state_log_bytes_total")
                                         .Help("Bytes committed to the state log.")
                                         .Register(registry);
  Family<Counter>& state_commits =
      prometheus::BuildCounter()
          .Name("trove_state_commits_total")
          .Help("State log group commits (one write + fdatasync per worker), by result.")
          .Register(registry);
  Family<Histogram>& state_commit_duration =
      prometheus::BuildHistogram()
          .Name("trove_state_commit_duration_seconds")
          .Help("State log group commit per worker: one write and one fdatasync.")
          .Register(registry);
  Family<Histogram>& state_fsync_duration = prometheus::BuildHistogram()
                                                .Name("trove_state_fsync_duration_seconds")
                                                .Help("The fdatasync of a state log group commit.")
                                                .Register(registry);
  Family<Counter>& state_log_records = prometheus::BuildCounter()
                                           .Name("trove_state_log_records_total")
                                           .Help("Box records committed to the state log.")
                                           .Register(registry);
  Family<Counter>& state_snapshots = prometheus::BuildCounter()
                                         .Name("trove_state_snapshots_total")
                                         .Help("State snapshots written, by result.")
                                         .Register(registry);
  Family<Histogram>& state_snapshot_duration =
      prometheus::BuildHistogram()
          .Name("trove_state_snapshot_duration_seconds")
          .Help("Writing a state snapshot, store read to rename published.")
          .Register(registry);
  Family<Gauge>& state_snapshot_bytes = prometheus::BuildGauge()
                                            .Name("trove_state_snapshot_bytes")
                                            .Help("Size of the last snapshot written.")
                                            .Register(registry);
  Family<Gauge>& state_restore_duration =
      prometheus::BuildGauge()
          .Name("trove_state_restore_duration_seconds")
          .Help("The restore before ready at this start: snapshot read plus log replay.")
          .Register(registry);
  Family<Gauge>& state_restore_records =
      prometheus::BuildGauge()
          .Name("trove_state_restore_records")
          .Help("Records the restore at this start read, by source = snapshot|log.")
          .Register(registry);
  Family<Counter>& state_torn_records =
      prometheus::BuildCounter()
          .Name("trove_state_torn_records_total")
          .Help("Torn tail records the restore dropped (a crash in the middle of a write).")
          .Register(registry);
  Family<Counter>& state_corrupt_files =
      prometheus::BuildCounter()
          .Name("trove_state_corrupt_files_total")
          .Help("Damaged snapshots or log segments the restore moved aside.")
          .Register(registry);
  Family<Counter>& state_dropped =
      prometheus::BuildCounter()
          .Name("trove_state_dropped_batches_total")
          .Help("Batches not logged because commits fell 64 MiB behind.")
          .Register(registry);
  Family<Gauge>& draining = prometheus::BuildGauge()
                                .Name("trove_draining")
                                .Help("1 while the server drains (readyz answers 503), else 0.")
                                .Register(registry);
  // Client tokens and origins (docs/client-auth.md); zero while off.
  Family<Counter>& client_auth =
      prometheus::BuildCounter()
          .Name("trove_client_auth_total")
          .Help("Client-token verifications and scope refusals by result.")
          .Register(registry);
  Family<Counter>& client_auth_reloads =
      prometheus::BuildCounter()
          .Name("trove_client_auth_key_reloads_total")
          .Help("Re-reads of the client-auth key file by outcome (failed: old keys kept).")
          .Register(registry);
  Family<Counter>& origin_refused =
      prometheus::BuildCounter()
          .Name("trove_origin_refused_total")
          .Help("WebSocket upgrades and CORS preflights refused for their Origin.")
          .Register(registry);

  void set_counter(Family<Counter>& family, const prometheus::Labels& labels, double total) {
    std::string key = family.GetName();
    for (const auto& [k, v] : labels)
      key.append("|").append(k).append("=").append(v);
    auto& mirror = counters[key];
    if (mirror.counter == nullptr) mirror.counter = &family.Add(labels);
    mirror.set(total);
  }
  void set_histogram(Family<Histogram>& family, const prometheus::Labels& labels,
                     const prometheus::Histogram::BucketBoundaries& bounds,
                     const std::vector<double>& buckets, double sum) {
    std::string key = family.GetName();
    for (const auto& [k, v] : labels)
      key.append("|").append(k).append("=").append(v);
    auto& mirror = histograms[key];
    if (mirror.histogram == nullptr) mirror.histogram = &family.Add(labels, bounds);
    mirror.set(buckets, sum);
  }

  // The series labelled by worker.
  void publish_worker(net::Worker& w) {
    const std::string worker = std::to_string(w.index());
    set_counter(epoch_resets, {{"worker", worker}},
                static_cast<double>(w.metrics_view().epoch_resets.get()));
    const memory::EpochArenaStats a = w.arena_stats();
    arena_capacity.Add({{"worker", worker}}).Set(static_cast<double>(a.capacity_bytes));
    arena_resident.Add({{"worker", worker}}).Set(static_cast<double>(a.resident_bytes));
    arena_high_water.Add({{"worker", worker}}).Set(static_cast<double>(a.last_high_water_bytes));
    set_counter(arena_overflows, {{"worker", worker}}, static_cast<double>(a.overflows));
    change_inbox.Add({{"worker", worker}}).Set(static_cast<double>(w.inbox_depth()));
  }

  void publish_ingest(const WorkerTotals& t) {
    set_counter(ingest_messages, {{"result", "accepted"}}, t.accepted);
    set_counter(ingest_messages, {{"result", "rejected"}}, t.rejected);
    set_counter(ingest_bytes, {{"result", "accepted"}}, t.accepted_bytes);
    set_counter(ingest_bytes, {{"result", "rejected"}}, t.rejected_bytes);
  }

  // Requests, connections and their latency, by protocol.
  void publish_protocols(const WorkerTotals& t) {
    const auto latency_bounds = bounds(net::kLatencyBoundsSeconds);
    for (std::size_t p = 0; p < net::kProtocols; ++p) {
      for (std::size_t i = 0; i < net::kStatusCodes.size(); ++i) {
        const int code = net::kStatusCodes[i];
        set_counter(poll_requests,
                    {{"protocol", kProtocolNames[p]},
                     {"code", code == 0 ? std::string("other") : std::to_string(code)}},
                    t.polls[p][i]);
      }
      connections.Add({{"protocol", kProtocolNames[p]}}).Set(t.open[p]);
      set_histogram(request_duration, {{"protocol", kProtocolNames[p]}, {"route", "poll"}},
                    latency_bounds, t.poll_buckets[p], t.poll_sum[p]);
      set_histogram(request_duration, {{"protocol", kProtocolNames[p]}, {"route", "ingest"}},
                    latency_bounds, t.ingest_buckets[p], t.ingest_sum[p]);
    }
  }

  void publish_limits(const WorkerTotals& t) {
    for (std::size_t i = 0; i < t.refused.size(); ++i) {
      set_counter(connections_rejected, {{"reason", net::kRejectReasonNames[i]}}, t.refused[i]);
    }
    for (std::size_t i = 0; i < t.limits.size(); ++i) {
      set_counter(limit_exceeded, {{"limit", net::kLimitNames[i]}}, t.limits[i]);
    }
    set_counter(ws_pushes, {}, t.pushes);
  }

  // Epoch resets (the workers') and purges (the purge thread's).
  void publish_epochs(const WorkerTotals& t, const memory::Purger& purge) {
    const auto epoch_bounds = bounds(net::kEpochBoundsSeconds);
    if (!t.reset_buckets.empty()) {
      set_histogram(reset_duration, {}, epoch_bounds, t.reset_buckets, t.reset_sum);
    }
    std::vector<double> purge_buckets;
    double purge_sum = 0;
    accumulate(purge.durations(), purge_buckets, purge_sum);
    set_histogram(purge_duration, {}, epoch_bounds, purge_buckets, purge_sum);
  }

  void publish_process_memory() {
    if (auto j = memory::JemallocStats::totals()) {
      const std::pair<const char*, std::size_t> stats[] = {
          {"allocated", j->allocated}, {"active", j->active},     {"resident", j->resident},
          {"mapped", j->mapped},       {"retained", j->retained}, {"metadata", j->metadata}};
      for (const auto& [name, value] : stats) {
        jemalloc.Add({{"stat", name}}).Set(static_cast<double>(value));
      }
    }
    if (auto bytes = common::read_process_rss_bytes()) rss.Add({}).Set(static_cast<double>(*bytes));
  }

  void publish_state(const state::Journal* journal) {
    const auto figure = [journal](const std::atomic<std::uint64_t> state::JournalCounters::*field) {
      return journal == nullptr ? 0.0
                                : static_cast<double>(
                                      (journal->counters().*field).load(std::memory_order_relaxed));
    };
    using C = state::JournalCounters;
    state_durable.Add({}).Set(journal != nullptr && journal->durable() ? 1.0 : 0.0);
    set_counter(state_log_bytes, {}, figure(&C::log_bytes));
    set_counter(state_log_records, {}, figure(&C::log_records));
    set_counter(state_commits, {{"result", "ok"}}, figure(&C::commits));
    set_counter(state_commits, {{"result", "failed"}}, figure(&C::commit_failures));
    set_counter(state_snapshots, {{"result", "ok"}}, figure(&C::snapshots));
    set_counter(state_snapshots, {{"result", "failed"}}, figure(&C::snapshot_failures));
    state_snapshot_bytes.Add({}).Set(figure(&C::snapshot_bytes_last));
    set_counter(state_dropped, {}, figure(&C::dropped_batches));
    publish_state_histograms(journal);
    publish_state_restore(journal);
  }

  void publish_state_histograms(const state::Journal* journal) {
    const state::JournalCounters empty;
    const state::JournalCounters& c = journal != nullptr ? journal->counters() : empty;
    const auto commit_bounds = bounds(state::kCommitBoundsSeconds);
    const auto publish = [this](Family<Histogram>& family, const auto& histogram,
                                const prometheus::Histogram::BucketBoundaries& b) {
      std::vector<double> buckets;
      double sum = 0;
      accumulate(histogram, buckets, sum);
      set_histogram(family, {}, b, buckets, sum);
    };
    publish(state_commit_duration, c.commit_seconds, commit_bounds);
    publish(state_fsync_duration, c.fsync_seconds, commit_bounds);
    publish(state_snapshot_duration, c.snapshot_seconds, bounds(state::kSnapshotBoundsSeconds));
  }

  void publish_state_restore(const state::Journal* journal) {
    const state::RestoreFigures r =
        journal != nullptr ? journal->counters().restore : state::RestoreFigures{};
    state_restore_duration.Add({}).Set(static_cast<double>(r.nanos) * 1e-9);
    state_restore_records.Add({{"source", "snapshot"}}).Set(static_cast<double>(r.snapshot_boxes));
    state_restore_records.Add({{"source", "log"}}).Set(static_cast<double>(r.log_records));
    set_counter(state_torn_records, {}, static_cast<double>(r.torn_records));
    set_counter(state_corrupt_files, {}, static_cast<double>(r.corrupt_files));
  }

  void publish_client_access(const net::ClientAccess& access) {
    const auth::ClientAuth* a = access.auth.get();
    for (std::size_t i = 0; i < auth::kAuthErrorCount; ++i) {
      const auto result = static_cast<auth::AuthError>(i);
      set_counter(client_auth, {{"result", std::string(auth::to_code(result))}},
                  a != nullptr ? static_cast<double>(a->results(result)) : 0.0);
    }
    set_counter(client_auth_reloads, {{"outcome", "ok"}},
                a != nullptr ? static_cast<double>(a->keys().reloads()) : 0.0);
    set_counter(client_auth_reloads, {{"outcome", "failed"}},
                a != nullptr ? static_cast<double>(a->keys().reload_failures()) : 0.0);
    set_counter(origin_refused, {}, static_cast<double>(access.origin_refused.load()));
  }

  void publish_tuning_and_store(net::ServerContext& context) {
    const common::Tuning t = context.tuning.get();
    tuning_generation.Add({}).Set(static_cast<double>(t.generation));
    tuning_arena.Add({}).Set(static_cast<double>(t.arena_bytes));
    tuning_epoch.Add({}).Set(static_cast<double>(t.epoch_millis) / 1000.0);
    store_boxes.Add({}).Set(static_cast<double>(context.store.size()));
    store_capacity.Add({}).Set(static_cast<double>(context.store.capacity()));
    const store::PayloadSpill& spill = context.store.spill();
    store_spill.Add({{"state", "used"}}).Set(static_cast<double>(spill.used_bytes()));
    store_spill.Add({{"state", "carved"}}).Set(static_cast<double>(spill.carved_bytes()));
    store_spill.Add({{"state", "reserved"}}).Set(static_cast<double>(spill.reserved_bytes()));
    set_counter(store_spill_refused, {}, static_cast<double>(spill.refused()));
    draining.Add({}).Set(context.draining.load() ? 1.0 : 0.0);
  }
};

MetricsExporter::MetricsExporter(net::ServerContext& context,
                                 const std::vector<net::Worker*>& workers)
    : context_(context), workers_(workers), families_(std::make_unique<Families>()) {}

MetricsExporter::~MetricsExporter() = default;

std::string MetricsExporter::scrape() {
  std::lock_guard lock(mutex_);
  Families& f = *families_;
  WorkerTotals totals;
  for (net::Worker* w : workers_) {
    totals.add(*w);
    f.publish_worker(*w);
  }
  totals.add_admin(context_);
  f.publish_ingest(totals);
  f.publish_protocols(totals);
  f.publish_limits(totals);
  f.publish_epochs(totals, context_.purge);
  f.publish_process_memory();
  f.publish_tuning_and_store(context_);
  f.publish_state(context_.journal);
  f.publish_client_access(context_.access);
  return common::serialize_prometheus_text(f.registry);
}

}  // namespace trove::admin
