#include "admin/admin_service.hpp"

#include <algorithm>

#include "memory/jemalloc_stats.hpp"
#include "net/poll_protocol.hpp"
#include "trove/common/json.hpp"
#include "trove/common/logging.hpp"
#include "trove/common/process.hpp"
#include "trove/common/prometheus_text.hpp"
#include "trove/common/tuning.hpp"

namespace trove::admin {

using common::HttpRequest;
using common::HttpResponse;

AdminService::AdminService(net::ServerContext& context, std::vector<net::Worker*> workers,
                           std::function<std::string()> token_source,
                           std::function<void()> request_drain)
    : context_(context),
      workers_(std::move(workers)),
      request_drain_(std::move(request_drain)),
      metrics_(context, workers_),
      routes_(std::move(token_source)) {
  routes_.add({"GET", "/healthz", false, false, "liveness: 200 ok while the process runs",
               [](const HttpRequest&) { return HttpResponse::text(200, "ok\n"); }});
  routes_.add({"GET", "/readyz", false, false, "readiness: 200 once listening, 503 while draining",
               [this](const HttpRequest&) {
                 if (context_.draining.load()) return HttpResponse::text(503, "draining\n");
                 if (!listening_.load()) return HttpResponse::text(503, "starting\n");
                 return HttpResponse::text(200, "ready\n");
               }});
  routes_.add({"GET", "/metrics", false, false, "Prometheus metrics (text format 0.0.4)",
               [this](const HttpRequest&) {
                 HttpResponse r = HttpResponse::text(200, metrics_.scrape());
                 r.content_type = common::kPrometheusContentType;
                 return r;
               }});
  routes_.add({"GET", "/admin/v1/tuning", false, true,
               "current tuning {arenaBytes, epochMillis, generation, owner}",
               [this](const HttpRequest&) {
                 return HttpResponse::json(200, common::render_tuning(context_.tuning.get()));
               }});
  routes_.add({"PUT", "/admin/v1/tuning", true, true,
               "set tuning; 400 out of range, 409 stale generation of the same owner; applied at "
               "the next epoch",
               [this](const HttpRequest& r) { return put_tuning(r); }});
  routes_.add({"GET", "/admin/v1/stats", false, false,
               "epoch, ingest, memory and tuning snapshot (JSON) for the autotuner",
               [this](const HttpRequest&) { return HttpResponse::json(200, stats_json()); }});
  routes_.add(
      {"POST", "/admin/v1/drain", true, true,
       "stop accepting (202 once the data listeners are closed), finish in-flight requests, "
       "close WebSockets with 1001",
       [this](const HttpRequest&) {
         request_drain_();
         return HttpResponse::json(202, R"({"draining":true})");
       }});
}

// Every worker holds an arena of arenaBytes: together they must fit the
// memory budget (--max-memory-mib), or the tuning itself would push the
// process over it (and refuse every new connection).
std::optional<std::string> AdminService::over_memory_budget(const common::Tuning& proposed) const {
  if (context_.memory == nullptr) return std::nullopt;
  const std::uint64_t budget = context_.memory->budget_bytes();
  const std::uint64_t workers = std::max<std::uint64_t>(1, context_.workers.size());
  if (proposed.arena_bytes <= budget / workers) return std::nullopt;
  return "arenaBytes " + std::to_string(proposed.arena_bytes) + " x " + std::to_string(workers) +
         " workers exceeds the memory budget of " + std::to_string(budget) +
         " bytes (--max-memory-mib)";
}

HttpResponse AdminService::put_tuning(const HttpRequest& request) {
  const common::Tuning current = context_.tuning.get();
  auto parsed = common::parse_tuning_update(request.body, current);
  if (auto* error = std::get_if<common::TuningFieldError>(&parsed)) {
    return HttpResponse::json_error(400, error->message, error->field);
  }
  const common::Tuning& proposed = std::get<common::Tuning>(parsed);
  if (auto error = over_memory_budget(proposed))
    return HttpResponse::json_error(400, *error, "arenaBytes");
  switch (context_.tuning.update(proposed)) {
    case net::TuningState::UpdateResult::kStale:
      return HttpResponse::json_error(409,
                                      "stale generation " + std::to_string(proposed.generation) +
                                          " < current " +
                                          std::to_string(context_.tuning.get().generation),
                                      "generation");
    case net::TuningState::UpdateResult::kTakenOver:
      // Rare (a hunt recreated, a pod moved to another hunt) and worth a
      // line: the previous owner's generations do not order the new owner's.
      common::log_event(common::LogLevel::info, "tuning owner takes over",
                        {{"owner", proposed.owner},
                         {"generation", proposed.generation},
                         {"previous_owner", current.owner},
                         {"previous_generation", current.generation}});
      break;
    case net::TuningState::UpdateResult::kApplied:
      break;
    case net::TuningState::UpdateResult::kUnchanged:
      return HttpResponse::json(200, common::render_tuning(context_.tuning.get()));
  }
  for (net::Worker* w : workers_)
    w->tuning_changed();
  return HttpResponse::json(200, common::render_tuning(context_.tuning.get()));
}

double AdminService::ingest_rate(std::uint64_t total) {
  // Rate over the interval since the previous sample, sampled at most once a
  // second so two close calls do not divide by a tiny interval.
  std::lock_guard lock(rate_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (rate_time_ == std::chrono::steady_clock::time_point{}) {
    rate_time_ = now;
    rate_total_ = total;
    return 0;
  }
  const double seconds = std::chrono::duration<double>(now - rate_time_).count();
  if (seconds >= 1.0) {
    rate_ = static_cast<double>(total - rate_total_) / seconds;
    rate_time_ = now;
    rate_total_ = total;
  }
  return rate_;
}

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Across workers: the worst worker's percentile (the autotuner sizes for
// the busiest worker), the window every worker covers, summed counters.
struct WorkersSummary {
  std::uint64_t window = 0;  // epochs every worker's window covers
  std::uint64_t overflows = 0;
  memory::WindowSummary high{};
  memory::WindowSummary reset{};
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
};

WorkersSummary summarize_workers(const std::vector<net::Worker*>& workers) {
  WorkersSummary s;
  s.window = workers.empty() ? 0 : UINT64_MAX;
  for (net::Worker* w : workers) {
    const memory::EpochArenaStats a = w->arena_stats();
    s.window = std::min<std::uint64_t>(s.window, a.high_water.count);
    s.overflows += a.overflows;
    s.high.p50 = std::max(s.high.p50, a.high_water.p50);
    s.high.p90 = std::max(s.high.p90, a.high_water.p90);
    s.high.p99 = std::max(s.high.p99, a.high_water.p99);
    s.high.max = std::max(s.high.max, a.high_water.max);
    s.reset.p50 = std::max(s.reset.p50, a.reset_nanos.p50);
    s.reset.p99 = std::max(s.reset.p99, a.reset_nanos.p99);
    s.reset.max = std::max(s.reset.max, a.reset_nanos.max);
    s.accepted += w->ingest_counters().accepted_messages.load(std::memory_order_relaxed);
    s.rejected += w->ingest_counters().rejected_messages.load(std::memory_order_relaxed);
  }
  return s;
}

// {p50, p99, max} of a nanosecond summary, in microseconds.
void write_micros(JsonWriter& w, const char* name, const memory::WindowSummary& s) {
  w.Key(name);
  w.StartObject();
  w.Key("p50");
  w.Double(static_cast<double>(s.p50) / 1000.0);
  w.Key("p99");
  w.Double(static_cast<double>(s.p99) / 1000.0);
  w.Key("max");
  w.Double(static_cast<double>(s.max) / 1000.0);
  w.EndObject();
}

void write_epoch(JsonWriter& w, const WorkersSummary& workers, const memory::WindowSummary& purge) {
  w.Key("epoch");
  w.StartObject();
  w.Key("windowEpochs");
  w.Uint64(workers.window);
  w.Key("highWaterBytes");
  w.StartObject();
  w.Key("p50");
  w.Uint64(workers.high.p50);
  w.Key("p90");
  w.Uint64(workers.high.p90);
  w.Key("p99");
  w.Uint64(workers.high.p99);
  w.Key("max");
  w.Uint64(workers.high.max);
  w.EndObject();
  write_micros(w, "resetMicros", workers.reset);
  write_micros(w, "purgeMicros", purge);
  w.Key("overflows");
  w.Uint64(workers.overflows);
  w.EndObject();
}

void write_ingest(JsonWriter& w, const WorkersSummary& workers, double messages_per_second) {
  w.Key("ingest");
  w.StartObject();
  w.Key("messagesPerSecond");
  w.Double(messages_per_second);
  w.Key("accepted");
  w.Uint64(workers.accepted);
  w.Key("rejected");
  w.Uint64(workers.rejected);
  w.EndObject();
}

void write_process_memory(JsonWriter& w) {
  w.Key("rssBytes");
  w.Uint64(common::read_process_rss_bytes().value_or(0));
  w.Key("jemalloc");
  w.StartObject();
  const auto j = memory::JemallocStats::totals().value_or(memory::JemallocTotals{});
  const std::pair<const char*, std::size_t> stats[] = {
      {"allocated", j.allocated}, {"active", j.active},     {"resident", j.resident},
      {"mapped", j.mapped},       {"retained", j.retained}, {"metadata", j.metadata}};
  for (const auto& [name, value] : stats) {
    w.Key(name);
    w.Uint64(value);
  }
  w.EndObject();
}

// --state-dir: whether what is acknowledged reaches the disk, and the
// journal's totals (docs/contracts.md).
void write_state(JsonWriter& w, const state::Journal* journal) {
  w.Key("state");
  w.StartObject();
  w.Key("enabled");
  w.Bool(journal != nullptr);
  if (journal != nullptr) {
    const state::JournalCounters& c = journal->counters();
    w.Key("durable");
    w.Bool(journal->durable());
    const std::string error = journal->last_error();
    w.Key("lastError");
    w.String(error.data(), static_cast<rapidjson::SizeType>(error.size()));
    const std::pair<const char*, const std::atomic<std::uint64_t>*> figures[] = {
        {"logBytes", &c.log_bytes},
        {"commits", &c.commits},
        {"commitFailures", &c.commit_failures},
        {"droppedBatches", &c.dropped_batches},
        {"snapshots", &c.snapshots},
        {"snapshotFailures", &c.snapshot_failures},
        {"lastSnapshotBytes", &c.snapshot_bytes_last}};
    for (const auto& [name, value] : figures) {
      w.Key(name);
      w.Uint64(value->load(std::memory_order_relaxed));
    }
  }
  w.EndObject();
}

}  // namespace

std::string AdminService::stats_json() {
  const WorkersSummary workers = summarize_workers(workers_);
  const memory::WindowSummary purge = context_.purge.stats().purge_nanos;
  const common::Tuning t = context_.tuning.get();

  common::JsonStringWriter json;
  auto& w = json.w();
  w.StartObject();
  // The same object GET /admin/v1/tuning answers, from the one function.
  const std::string tuning = common::render_tuning(t);
  w.Key("tuning");
  w.RawValue(tuning.data(), tuning.size(), rapidjson::kObjectType);
  w.Key("workers");
  w.Uint64(workers_.size());
  // The incarnation every ETag, ack and push names (docs/contracts.md).
  std::string boot;
  net::append_incarnation(boot, context_.store.incarnation());
  w.Key("bootId");
  w.String(boot.data(), static_cast<rapidjson::SizeType>(boot.size()));
  write_epoch(w, workers, purge);
  write_ingest(w, workers, ingest_rate(workers.accepted + workers.rejected));
  write_process_memory(w);
  write_state(w, context_.journal);
  w.EndObject();
  return json.str();
}

}  // namespace trove::admin
