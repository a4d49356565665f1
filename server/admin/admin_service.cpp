#include "admin/admin_service.hpp"

#include <algorithm>
#include <cstdio>

#include "admin/tuning_api.hpp"
#include "memory/jemalloc_stats.hpp"
#include "trove/common/json.hpp"
#include "trove/common/process.hpp"
#include "trove/common/prometheus_text.hpp"

namespace trove::admin {

using common::HttpRequest;
using common::HttpResponse;

AdminService::AdminService(net::ServerContext& context, std::vector<net::Worker*> workers,
                           std::string token, std::function<void()> request_drain)
    : context_(context),
      workers_(std::move(workers)),
      request_drain_(std::move(request_drain)),
      metrics_(context, workers_),
      routes_(std::move(token)) {
  routes_.Add({"GET", "/healthz", false, false, "liveness: 200 ok while the process runs",
               [](const HttpRequest&) { return HttpResponse::Text(200, "ok\n"); }});
  routes_.Add({"GET", "/readyz", false, false, "readiness: 200 once listening, 503 while draining",
               [this](const HttpRequest&) {
                 if (context_.draining.load()) return HttpResponse::Text(503, "draining\n");
                 if (!listening_.load()) return HttpResponse::Text(503, "starting\n");
                 return HttpResponse::Text(200, "ready\n");
               }});
  routes_.Add({"GET", "/metrics", false, false, "Prometheus metrics (text format 0.0.4)",
               [this](const HttpRequest&) {
                 HttpResponse r = HttpResponse::Text(200, metrics_.Scrape());
                 r.content_type = common::kPrometheusContentType;
                 return r;
               }});
  routes_.Add({"GET", "/admin/v1/tuning", false, true,
               "current tuning {arenaBytes, epochMillis, generation, owner}",
               [this](const HttpRequest&) {
                 return HttpResponse::Json(200, TuningJson(context_.tuning.Get()));
               }});
  routes_.Add({"PUT", "/admin/v1/tuning", true, true,
               "set tuning; 400 out of range, 409 stale generation of the same owner; applied at "
               "the next epoch",
               [this](const HttpRequest& r) { return PutTuning(r); }});
  routes_.Add({"GET", "/admin/v1/stats", false, false,
               "epoch, ingest, memory and tuning snapshot (JSON) for the autotuner",
               [this](const HttpRequest&) { return HttpResponse::Json(200, StatsJson()); }});
  routes_.Add(
      {"POST", "/admin/v1/drain", true, false,
       "stop accepting (202 once the data listeners are closed), finish in-flight requests, "
       "close WebSockets with 1001",
       [this](const HttpRequest&) {
         request_drain_();
         return HttpResponse::Json(202, R"({"draining":true})");
       }});
}

HttpResponse AdminService::PutTuning(const HttpRequest& request) {
  const net::Tuning current = context_.tuning.Get();
  auto parsed = ParseTuningBody(request.body, current);
  if (auto* error = std::get_if<TuningFieldError>(&parsed)) {
    return HttpResponse::JsonError(400, error->message, error->field);
  }
  const net::Tuning& proposed = std::get<net::Tuning>(parsed);
  switch (context_.tuning.Update(proposed)) {
    case net::TuningState::UpdateResult::kStale:
      return HttpResponse::JsonError(409,
                                     "stale generation " + std::to_string(proposed.generation) +
                                         " < current " +
                                         std::to_string(context_.tuning.Get().generation),
                                     "generation");
    case net::TuningState::UpdateResult::kTakenOver:
      // Rare (a hunt recreated, a pod moved to another hunt) and worth a
      // line: the previous owner's generations no longer apply.
      std::fprintf(stderr,
                   "trove-server: tuning owner \"%s\" (generation %llu) takes over from \"%s\" "
                   "(generation %llu)\n",
                   proposed.owner.c_str(), static_cast<unsigned long long>(proposed.generation),
                   current.owner.c_str(), static_cast<unsigned long long>(current.generation));
      break;
    case net::TuningState::UpdateResult::kApplied:
      break;
    case net::TuningState::UpdateResult::kUnchanged:
      return HttpResponse::Json(200, TuningJson(context_.tuning.Get()));
  }
  for (net::Worker* w : workers_)
    w->TuningChanged();
  return HttpResponse::Json(200, TuningJson(context_.tuning.Get()));
}

double AdminService::IngestRate(std::uint64_t total) {
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

std::string AdminService::StatsJson() {
  // Across workers: the worst worker's percentile (the autotuner sizes for
  // the busiest worker), the window every worker covers, summed counters.
  std::uint64_t window = UINT64_MAX, overflows = 0, accepted = 0, rejected = 0;
  memory::WindowSummary high{}, reset{};
  for (net::Worker* w : workers_) {
    const memory::EpochArenaStats a = w->arena_stats();
    window = std::min<std::uint64_t>(window, a.high_water.count);
    overflows += a.overflows;
    high.p50 = std::max(high.p50, a.high_water.p50);
    high.p90 = std::max(high.p90, a.high_water.p90);
    high.p99 = std::max(high.p99, a.high_water.p99);
    high.max = std::max(high.max, a.high_water.max);
    reset.p50 = std::max(reset.p50, a.reset_nanos.p50);
    reset.p99 = std::max(reset.p99, a.reset_nanos.p99);
    reset.max = std::max(reset.max, a.reset_nanos.max);
    accepted += w->ingest_counters().accepted_messages.load(std::memory_order_relaxed);
    rejected += w->ingest_counters().rejected_messages.load(std::memory_order_relaxed);
  }
  if (workers_.empty()) window = 0;
  const memory::WindowSummary purge = context_.purge.stats().purge_nanos;
  const net::Tuning t = context_.tuning.Get();

  common::JsonStringWriter json;
  auto& w = json.w();
  auto micros = [&w](const char* name, const memory::WindowSummary& s) {
    w.Key(name);
    w.StartObject();
    w.Key("p50");
    w.Double(static_cast<double>(s.p50) / 1000.0);
    w.Key("p99");
    w.Double(static_cast<double>(s.p99) / 1000.0);
    w.Key("max");
    w.Double(static_cast<double>(s.max) / 1000.0);
    w.EndObject();
  };
  w.StartObject();
  // The same object GET /admin/v1/tuning answers, from the one function.
  const std::string tuning = TuningJson(t);
  w.Key("tuning");
  w.RawValue(tuning.data(), tuning.size(), rapidjson::kObjectType);
  w.Key("workers");
  w.Uint64(workers_.size());
  w.Key("epoch");
  w.StartObject();
  w.Key("windowEpochs");
  w.Uint64(window);
  w.Key("highWaterBytes");
  w.StartObject();
  w.Key("p50");
  w.Uint64(high.p50);
  w.Key("p90");
  w.Uint64(high.p90);
  w.Key("p99");
  w.Uint64(high.p99);
  w.Key("max");
  w.Uint64(high.max);
  w.EndObject();
  micros("resetMicros", reset);
  micros("purgeMicros", purge);
  w.Key("overflows");
  w.Uint64(overflows);
  w.EndObject();
  w.Key("ingest");
  w.StartObject();
  w.Key("messagesPerSecond");
  w.Double(IngestRate(accepted + rejected));
  w.Key("accepted");
  w.Uint64(accepted);
  w.Key("rejected");
  w.Uint64(rejected);
  w.EndObject();
  w.Key("rssBytes");
  w.Uint64(common::ReadProcessRssBytes().value_or(0));
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
  w.EndObject();
  return json.str();
}

}  // namespace trove::admin
