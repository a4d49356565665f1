#include "run_report.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

namespace trove::loadgen {

void RoleStats::merge(const RoleStats& other) {
  latency.merge(other.latency);
  sent += other.sent;
  completed += other.completed;
  messages_accepted += other.messages_accepted;
  messages_rejected += other.messages_rejected;
  messages_untimed += other.messages_untimed;
  for (std::size_t i = 0; i < status.size(); ++i)
    status[i] += other.status[i];
  for (const auto& [k, v] : other.errors)
    errors[k] += v;
}

std::uint64_t RoleStats::error_total() const {
  std::uint64_t n = 0;
  for (const auto& [k, v] : errors)
    n += v;
  return n;
}

namespace {

// Requests the server answered in the window: what CPU per request divides by.
// For ingest the unit is a message, so it is reported separately.
struct Rates {
  double per_second = 0;
  double messages_per_second = 0;
};

Rates rates_of(const RoleStats& r, double duration) {
  Rates out;
  if (duration <= 0) return out;
  out.per_second = static_cast<double>(r.completed) / duration;
  out.messages_per_second = static_cast<double>(r.messages_accepted) / duration;
  return out;
}

double micros(std::uint64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

}  // namespace

std::string to_json(const RunReport& report) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  w.Key("label");
  w.String(report.label.c_str());
  w.Key("duration_s");
  w.Double(report.duration_s);
  w.Key("warmup_s");
  w.Double(report.warmup_s);
  w.Key("threads");
  w.Uint(report.threads);
  w.Key("spin");
  w.Bool(report.spin);
  std::uint64_t requests = 0;
  std::uint64_t messages = 0;
  w.Key("roles");
  w.StartObject();
  for (const auto& r : report.roles) {
    const Rates rate = rates_of(r, report.duration_s);
    if (r.role == "ingest") {
      messages += r.messages_accepted;
    } else if (r.role != "push") {
      requests += r.completed;
    }
    w.Key(r.role.c_str());
    w.StartObject();
    w.Key("mode");
    w.String(r.open_loop ? "open" : "closed");
    w.Key("sent");
    w.Uint64(r.sent);
    w.Key("completed");
    w.Uint64(r.completed);
    w.Key("rate_per_s");
    w.Double(rate.per_second);
    if (r.role == "ingest") {
      w.Key("messages_accepted");
      w.Uint64(r.messages_accepted);
      w.Key("messages_rejected");
      w.Uint64(r.messages_rejected);
      w.Key("messages_per_s");
      w.Double(rate.messages_per_second);
    }
    if (r.role == "push") {
      w.Key("messages_untimed");
      w.Uint64(r.messages_untimed);
    }
    w.Key("latency_us");
    w.StartObject();
    const std::pair<const char*, double> qs[] = {
        {"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99_9", 0.999}, {"p99_99", 0.9999}};
    for (const auto& [name, q] : qs) {
      w.Key(name);
      w.Double(micros(r.latency.percentile(q)));
    }
    w.Key("max");
    w.Double(micros(r.latency.max()));
    w.Key("min");
    w.Double(micros(r.latency.min()));
    w.Key("mean");
    w.Double(r.latency.mean() / 1000.0);
    w.Key("count");
    w.Uint64(r.latency.count());
    w.EndObject();
    w.Key("status");
    w.StartObject();
    for (std::size_t code = 0; code < r.status.size(); ++code) {
      if (!r.status[code]) continue;
      w.Key(std::to_string(code).c_str());
      w.Uint64(r.status[code]);
    }
    w.EndObject();
    w.Key("errors");
    w.StartObject();
    for (const auto& [k, v] : r.errors) {
      w.Key(k.c_str());
      w.Uint64(v);
    }
    w.EndObject();
    w.Key("error_total");
    w.Uint64(r.error_total());
    w.EndObject();
  }
  w.EndObject();
  if (report.server_cpu) {
    const auto& c = *report.server_cpu;
    w.Key("server_cpu");
    w.StartObject();
    w.Key("cpu");
    w.Int(c.cpu);
    w.Key("busy_s");
    w.Double(c.busy_seconds);
    w.Key("utilization");
    w.Double(c.window_seconds > 0 ? c.busy_seconds / c.window_seconds : 0);
    w.Key("us_per_request");
    w.Double(requests ? c.busy_seconds * 1e6 / static_cast<double>(requests) : 0);
    w.Key("us_per_message");
    w.Double(messages ? c.busy_seconds * 1e6 / static_cast<double>(messages) : 0);
    if (c.process_seconds) {
      const double p = *c.process_seconds;
      w.Key("process_busy_s");
      w.Double(p);
      w.Key("process_us_per_request");
      w.Double(requests ? p * 1e6 / static_cast<double>(requests) : 0);
      w.Key("process_us_per_message");
      w.Double(messages ? p * 1e6 / static_cast<double>(messages) : 0);
    }
    w.EndObject();
  }
  if (report.client_cpu) {
    const auto& c = *report.client_cpu;
    w.Key("client_cpu");
    w.StartObject();
    w.Key("busy_s");
    w.Double(c.busy_seconds);
    w.Key("utilization");
    w.Double(c.window_seconds > 0 ? c.busy_seconds / c.window_seconds : 0);
    w.EndObject();
  }
  w.EndObject();
  return sb.GetString();
}

std::string to_summary(const RunReport& report) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "run %s: %.1f s measured (+%.1f s warm-up), %u thread(s)%s\n",
                report.label.c_str(), report.duration_s, report.warmup_s, report.threads,
                report.spin ? ", spinning" : "");
  out += line;
  std::uint64_t requests = 0;
  std::uint64_t messages = 0;
  for (const auto& r : report.roles) {
    const Rates rate = rates_of(r, report.duration_s);
    if (r.role == "ingest") {
      messages += r.messages_accepted;
    } else if (r.role != "push") {
      requests += r.completed;
    }
    std::snprintf(line, sizeof line,
                  "  %-7s %-6s %10.0f/s  p50 %7.1f  p90 %7.1f  p99 %7.1f  p99.9 %8.1f  max %9.1f us"
                  "  errors %llu\n",
                  r.role.c_str(), r.open_loop ? "open" : "closed", rate.per_second,
                  micros(r.latency.percentile(0.5)), micros(r.latency.percentile(0.9)),
                  micros(r.latency.percentile(0.99)), micros(r.latency.percentile(0.999)),
                  micros(r.latency.max()), static_cast<unsigned long long>(r.error_total()));
    out += line;
    if (r.role == "ingest") {
      std::snprintf(line, sizeof line, "          %.0f msg/s accepted, %llu rejected\n",
                    rate.messages_per_second, static_cast<unsigned long long>(r.messages_rejected));
      out += line;
    }
    for (const auto& [k, v] : r.errors) {
      std::snprintf(line, sizeof line, "          error %s: %llu\n", k.c_str(),
                    static_cast<unsigned long long>(v));
      out += line;
    }
  }
  if (report.server_cpu) {
    const auto& c = *report.server_cpu;
    std::snprintf(line, sizeof line, "  server cpu%d busy %.2f s (%.0f %%)", c.cpu, c.busy_seconds,
                  c.window_seconds > 0 ? 100.0 * c.busy_seconds / c.window_seconds : 0.0);
    out += line;
    if (requests) {
      std::snprintf(line, sizeof line, ", %.2f us/request",
                    c.busy_seconds * 1e6 / static_cast<double>(requests));
      out += line;
    }
    if (messages) {
      std::snprintf(line, sizeof line, ", %.3f us/message",
                    c.busy_seconds * 1e6 / static_cast<double>(messages));
      out += line;
    }
    out += "\n";
    if (c.process_seconds) {
      std::snprintf(line, sizeof line, "  server processes cpu %.2f s", *c.process_seconds);
      out += line;
      if (requests) {
        std::snprintf(line, sizeof line, ", %.2f us/request",
                      *c.process_seconds * 1e6 / static_cast<double>(requests));
        out += line;
      }
      if (messages) {
        std::snprintf(line, sizeof line, ", %.3f us/message",
                      *c.process_seconds * 1e6 / static_cast<double>(messages));
        out += line;
      }
      out += "\n";
    }
  }
  if (report.client_cpu && report.client_cpu->window_seconds > 0) {
    std::snprintf(line, sizeof line, "  load generator cpu %.2f s (%.0f %% of one core)\n",
                  report.client_cpu->busy_seconds,
                  100.0 * report.client_cpu->busy_seconds / report.client_cpu->window_seconds);
    out += line;
  }
  return out;
}

}  // namespace trove::loadgen
