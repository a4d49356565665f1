// trove-loadgen: the project's load generator. One run drives any
// mix of HTTP pollers, WebSocket get clients, WebSocket subscribers and
// producers against one server for a warm-up plus a measured window, then
// prints one JSON object (stdout) and a human summary (stderr).
#include <pthread.h>
#include <rapidjson/document.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cpu_stat.hpp"
#include "http_poll_session.hpp"
#include "ingest_sessions.hpp"
#include "load_config.hpp"
#include "trove/common/json.hpp"
#include "worker.hpp"
#include "ws_client_sessions.hpp"

namespace trove::loadgen {
namespace {

BoxRange parse_range(const std::string& text) {
  const auto dash = text.find('-');
  BoxRange r;
  r.first = std::stoull(text.substr(0, dash));
  r.last = dash == std::string::npos ? r.first : std::stoull(text.substr(dash + 1));
  if (r.last < r.first) throw CLI::ValidationError("box range", text + ": last < first");
  return r;
}

// Reads {"data":P} and, when present, {"ingest":Q} (trove-server's ingest
// listener) into `c`.
void ports_from_file(const std::string& path, LoadConfig& c) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  rapidjson::Document d;
  d.Parse(ss.str().c_str());
  auto port_of = [&](const char* name) {
    return d.HasParseError() ? std::nullopt : trove::common::uint64_member(&d, name);
  };
  const auto data = port_of("data");
  if (!data || *data == 0 || *data > 65535)
    throw CLI::ValidationError("--port-file", path + ": no {\"data\":PORT}");
  c.port = static_cast<std::uint16_t>(*data);
  const auto ingest = port_of("ingest");
  if (ingest && *ingest != 0 && *ingest <= 65535)
    c.ingest_port = static_cast<std::uint16_t>(*ingest);
}

void pin_current_thread(const std::vector<int>& cpus) {
  if (cpus.empty()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (const int c : cpus)
    CPU_SET(c, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

std::int64_t ms_to_ns(double ms) {
  return static_cast<std::int64_t>(ms * 1e6);
}

void build_sessions(const LoadConfig& c, const Timeline& t,
                    std::vector<std::unique_ptr<Worker>>& w) {
  std::size_t next_worker = 0;
  auto pick = [&]() -> Worker& { return *w[next_worker++ % w.size()]; };
  for (unsigned i = 0; i < c.http_conns; ++i) {
    Worker& wk = pick();
    const std::int64_t period = ms_to_ns(c.http_period_ms);
    const SendSchedule s(t.start + period * i / c.http_conns, period);
    wk.add(std::make_unique<HttpPollSession>(wk, wk.stats(Role::kPoll),
                                             c.poll_boxes.first + i % c.poll_boxes.size(), s));
  }
  for (unsigned i = 0; i < c.ws_get_conns; ++i) {
    Worker& wk = pick();
    const std::int64_t period = ms_to_ns(c.ws_get_period_ms);
    const SendSchedule s(t.start + period * i / c.ws_get_conns, period);
    wk.add(std::make_unique<WsGetSession>(wk, wk.stats(Role::kWsGet),
                                          c.poll_boxes.first + i % c.poll_boxes.size(), s));
  }
  for (unsigned i = 0; i < c.ws_subscribers; ++i) {
    Worker& wk = pick();
    std::vector<std::uint64_t> boxes;
    for (unsigned j = 0; j < c.boxes_per_subscriber; ++j)
      boxes.push_back(c.subscribe_boxes.first +
                      (static_cast<std::uint64_t>(i) * c.boxes_per_subscriber + j) %
                          c.subscribe_boxes.size());
    wk.add(std::make_unique<WsSubscribeSession>(wk, wk.stats(Role::kPush), std::move(boxes)));
  }
  for (unsigned i = 0; i < c.ingest_conns; ++i) {
    Worker& wk = pick();
    std::int64_t period = 0;
    if (c.ingest_rate > 0)
      period = static_cast<std::int64_t>(1e9 * c.batch * c.ingest_conns / c.ingest_rate);
    const SendSchedule s(t.start + period * i / c.ingest_conns, std::max<std::int64_t>(period, 0));
    const IngestBatchBuilder builder(c.ingest_boxes, c.ingest_boxes.size() * i / c.ingest_conns);
    if (c.ingest_protocol == "http") {
      wk.add(std::make_unique<HttpIngestSession>(wk, wk.stats(Role::kIngest),
                                                 IngestPacer(s, 1, c.batch, builder)));
    } else {
      wk.add(std::make_unique<WsIngestSession>(wk, wk.stats(Role::kIngest),
                                               IngestPacer(s, c.ingest_window, c.batch, builder)));
    }
  }
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void sleep_until(std::int64_t t) {
  const std::int64_t wait = t - monotonic_nanos();
  if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
}

}  // namespace

int run(int argc, char** argv) {
  LoadConfig c;
  CLI::App app{"trove-loadgen: open/closed-loop HTTP and WebSocket load for trove"};
  std::string port_file, cpus, label = "run", json_path, poll_boxes = "1-2000",
                               subscribe_boxes = "1-200", ingest_boxes = "1-2000";
  int server_cpu = -1;
  std::string server_pids_text;
  std::vector<int> server_pids;
  bool check = false;
  // A later flag overrides an earlier one, so scripts can append overrides.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--host", c.host, "server IPv4 address");
  app.add_option("--port", c.port, "server data port (reads)");
  app.add_option("--ingest-port", c.ingest_port,
                 "server ingest port (trove-server's --ingest-port); default: --port");
  app.add_option("--port-file", port_file, "read the port from trove-server's --port-file JSON");
  app.add_option("--cpu", cpus, "comma list of CPUs: one pinned worker thread per CPU");
  app.add_option("--duration", c.duration_s, "measured seconds")->check(CLI::PositiveNumber);
  app.add_option("--warmup", c.warmup_s, "seconds of load before measuring")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--spin", c.spin, "busy-poll: never sleep in epoll_wait");
  app.add_option("--timeout-ms", c.timeout_ms, "a request unanswered this long is a timeout")
      ->check(CLI::Range(1, 600000));
  app.add_option("--label", label, "name of the run in the JSON");
  app.add_option("--json", json_path, "also append the JSON object to this file");
  app.add_option("--server-cpu", server_cpu, "server's CPU: report its busy time per request");
  app.add_option("--server-pid", server_pids_text,
                 "comma list of server pids: also report their own CPU time per request");
  app.add_flag("--check", check,
               "exit 2 if any role saw errors, rejected messages or completed nothing");
  app.add_option("--http-conns", c.http_conns, "HTTP keep-alive pollers");
  app.add_option("--http-period-ms", c.http_period_ms,
                 "poll period per connection; 0 = closed loop")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--poll-boxes", poll_boxes, "box ids polled (and WS get), FIRST-LAST");
  app.add_option("--ws-get-conns", c.ws_get_conns, "WebSocket get clients on /v1/ws");
  app.add_option("--ws-get-period-ms", c.ws_get_period_ms, "get period per client; 0 = closed loop")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ws-subscribers", c.ws_subscribers, "WebSocket subscribers on /v1/ws");
  app.add_option("--boxes-per-subscriber", c.boxes_per_subscriber)->check(CLI::Range(1, 100000));
  app.add_option("--subscribe-boxes", subscribe_boxes, "box ids subscribed, FIRST-LAST");
  app.add_option("--ingest-conns", c.ingest_conns, "producer connections");
  app.add_option("--ingest-protocol", c.ingest_protocol)->check(CLI::IsMember({"ws", "http"}));
  app.add_option("--batch", c.batch, "messages per frame/POST")->check(CLI::Range(1, 100000));
  app.add_option("--ingest-rate", c.ingest_rate, "messages/s in total; 0 = as fast as acks allow")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ingest-window", c.ingest_window, "WebSocket frames in flight per producer")
      ->check(CLI::Range(1, 4096));
  app.add_option("--ingest-boxes", ingest_boxes, "box ids written, cycled in order, FIRST-LAST");
  CLI11_PARSE(app, argc, argv);

  try {
    c.poll_boxes = parse_range(poll_boxes);
    c.subscribe_boxes = parse_range(subscribe_boxes);
    c.ingest_boxes = parse_range(ingest_boxes);
    if (!port_file.empty()) ports_from_file(port_file, c);
    std::stringstream ss(cpus);
    for (std::string item; std::getline(ss, item, ',');)
      if (!item.empty()) c.cpus.push_back(std::stoi(item));
    std::stringstream pids(server_pids_text);
    for (std::string item; std::getline(pids, item, ',');)
      if (!item.empty()) server_pids.push_back(std::stoi(item));
  } catch (const std::exception& e) {
    std::cerr << "trove-loadgen: " << e.what() << "\n";
    return 1;
  }
  if (c.http_conns + c.ws_get_conns + c.ws_subscribers + c.ingest_conns == 0) {
    std::cerr << "trove-loadgen: nothing to do (give --http-conns, --ws-get-conns, "
                 "--ws-subscribers or --ingest-conns)\n";
    return 1;
  }
  raise_fd_limit();
  pin_current_thread(c.cpus);
  // Open-loop timers should fire on time, not within the default 50 µs slack.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

  Timeline t;
  t.start = monotonic_nanos() + 50'000'000;
  t.measure = t.start + static_cast<std::int64_t>(c.warmup_s * 1e9);
  t.end = t.measure + static_cast<std::int64_t>(c.duration_s * 1e9);
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < c.thread_count(); ++i)
    workers.push_back(std::make_unique<Worker>(c, t));
  build_sessions(c, t, workers);

  std::vector<std::thread> threads;
  for (unsigned i = 0; i < workers.size(); ++i) {
    threads.emplace_back([&, i] {
      if (!c.cpus.empty()) pin_current_thread({c.cpus[i]});
      workers[i]->run();
    });
  }
  std::optional<CpuTimes> cpu_before, cpu_after;
  sleep_until(t.measure);
  if (server_cpu >= 0) cpu_before = read_cpu_times(server_cpu);
  std::optional<std::uint64_t> process_before;
  if (!server_pids.empty()) process_before = read_process_jiffies(server_pids);
  const double client_before = process_cpu_seconds();
  const std::int64_t client_t0 = monotonic_nanos();
  sleep_until(t.end);
  if (server_cpu >= 0) cpu_after = read_cpu_times(server_cpu);
  std::optional<std::uint64_t> process_after;
  if (!server_pids.empty()) process_after = read_process_jiffies(server_pids);
  const double client_busy = process_cpu_seconds() - client_before;
  const double client_window = static_cast<double>(monotonic_nanos() - client_t0) / 1e9;
  for (auto& th : threads)
    th.join();

  RunReport report;
  report.label = label;
  report.duration_s = c.duration_s;
  report.warmup_s = c.warmup_s;
  report.threads = c.thread_count();
  report.spin = c.spin;
  const bool used[kRoleCount] = {c.http_conns > 0, c.ws_get_conns > 0, c.ws_subscribers > 0,
                                 c.ingest_conns > 0};
  for (std::size_t r = 0; r < kRoleCount; ++r) {
    if (!used[r]) continue;
    RoleStats total;
    total.role = role_name(static_cast<Role>(r));
    total.open_loop = r == static_cast<std::size_t>(Role::kPoll)     ? c.http_period_ms > 0
                      : r == static_cast<std::size_t>(Role::kWsGet)  ? c.ws_get_period_ms > 0
                      : r == static_cast<std::size_t>(Role::kIngest) ? c.ingest_rate > 0
                                                                     : true;
    for (const auto& w : workers)
      total.merge(w->stats(static_cast<Role>(r)));
    report.roles.push_back(std::move(total));
  }
  if (cpu_before && cpu_after) {
    ServerCpu sc;
    sc.cpu = server_cpu;
    sc.busy_seconds = static_cast<double>(cpu_after->busy - cpu_before->busy) * seconds_per_jiffy();
    sc.window_seconds =
        static_cast<double>(cpu_after->total - cpu_before->total) * seconds_per_jiffy();
    if (process_before && process_after)
      sc.process_seconds =
          static_cast<double>(*process_after - *process_before) * seconds_per_jiffy();
    report.server_cpu = sc;
  }
  report.client_cpu = ClientCpu{client_busy, client_window};
  const std::string json = to_json(report);
  std::cout << json << std::endl;
  std::cerr << to_summary(report);
  if (!json_path.empty()) {
    std::ofstream out(json_path, std::ios::app);
    out << json << "\n";
  }
  if (check) {
    for (const auto& r : report.roles) {
      if (r.error_total() > 0 || r.completed == 0 || r.messages_rejected > 0) {
        std::cerr << "trove-loadgen: check failed for role " << r.role << " (completed "
                  << r.completed << ", errors " << r.error_total() << ", rejected messages "
                  << r.messages_rejected << ")\n";
        return 2;
      }
    }
  }
  return 0;
}

}  // namespace trove::loadgen

int main(int argc, char** argv) {
  return trove::loadgen::run(argc, argv);
}
