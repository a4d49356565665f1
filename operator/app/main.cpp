// trove-operator: watches TreasureHunts and sidecar pods, and keeps every
// selected sidecar's arena size and epoch length where its hunt wants them.
// main parses the flags and wires the parts; kube::Manager runs them
// (informers, controller workers, leader election, probes and metrics).
#include <spdlog/spdlog.h>

#include "controller/operator_metrics.hpp"
#include "event_pump.hpp"
#include "hunt_controller.hpp"
#include "kube/config.hpp"
#include "kube/manager.hpp"
#include "kube/resource.hpp"
#include "operator_options.hpp"
#include "trove/common/logging.hpp"
#include "trove/common/signals.hpp"
#include "webhook_runner.hpp"

using namespace trove;

int main(int argc, char** argv) {
  common::block_shutdown_signals();
  // The default format until the flags are read, so a flag error is logged alike.
  common::configure_logging(common::LogFormat::text, common::LogLevel::info);
  bool exit_now = false;
  int exit_code = 0;
  const op::OperatorOptions opts = op::parse_operator_options(argc, argv, exit_now, exit_code);
  if (exit_now) return exit_code;

  kube::ClientConfig config;
  try {
    config = kube::load_default_config(opts.kubeconfig);
  } catch (const std::exception& e) {
    spdlog::error("kubeconfig: {}", e.what());
    return 2;
  }
  // Separate clients, so informers, reconciles, the lease and Events each
  // have their own client-side rate limit and none starves the others.
  kube::Client watch_client(config);
  kube::Client work_client(config);
  kube::Client lease_client(config);
  kube::Client event_client(config);

  // The informers' resource labels are given up front, so their counter
  // series exist from the first scrape.
  controller::OperatorMetrics metrics(
      {.controller = "treasurehunt",
       .queue = op::kHuntQueueName,
       .resources = {kube::treasure_hunts_type().plural, kube::pods_type().plural}});
  kube::EventRecorderConfig ec;
  ec.reporting_instance = opts.identity;
  op::EventPump events(event_client, ec);

  // The webhook has its own client: admission never waits behind reconciles.
  kube::Client webhook_client(config);
  // Registered with the webhook off too, like controller-runtime's: the
  // series exist at 0, so dashboards and alerts need no second shape.
  webhook::WebhookMetrics webhook_metrics(metrics.registry());
  std::unique_ptr<op::WebhookRunner> injector;
  auto manager_options = op::manager_options(opts, metrics);
  if (opts.webhook.port != 0) {
    try {
      injector = std::make_unique<op::WebhookRunner>(opts.webhook, webhook_client, webhook_metrics,
                                                     !opts.leader_elect);
    } catch (const std::exception& e) {
      spdlog::error("webhook: {}", e.what());
      return 2;
    }
    manager_options.on_leading = [&metrics, &injector](bool leading) {
      metrics.set_leader(leading);
      injector->set_leading(leading);
    };
    injector->start();
  }
  kube::Manager manager(watch_client, lease_client, std::move(manager_options));
  if (injector) manager.add_shutdown_step([&] { injector->stop(); });
  manager.add_shutdown_step([&] { events.stop(); });
  op::HuntController hunts(
      manager, work_client, metrics,
      [&](const kube::KubeObject& hunt, const std::string& type, const std::string& reason,
          const std::string& note) { events.post(hunt, type, reason, note); },
      opts);
  common::ShutdownSignalWatcher signals([&](int signo) {
    spdlog::info("signal {}: shutting down", signo);
    manager.request_shutdown(0);
  });
  return manager.run();
}
