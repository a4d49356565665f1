#include "controller/operator_metrics.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "trove/common/prometheus_text.hpp"

namespace trove::controller {
namespace {

// Sample lines of a text exposition: series (name and labels) -> value.
std::map<std::string, std::string> samples(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

const OperatorMetricNames kNames{"treasurehunt", "treasurehunt", {"treasurehunts", "pods"}};

// What /metrics serves right after start, before any reconcile, push, queue
// operation or watch restart.
std::map<std::string, std::string> first_scrape() {
  const OperatorMetrics metrics(kNames);
  return samples(common::serialize_prometheus_text(metrics.registry()));
}

TEST(OperatorMetrics, EverySeriesWithKnownLabelsIsZeroFromTheFirstScrape) {
  const auto got = first_scrape();
  const std::string controller = R"(controller="treasurehunt")";
  const std::string queue = R"(name="treasurehunt")";
  std::vector<std::string> expected;
  expected.reserve(32);  // the series listed below
  for (const char* r : OperatorMetrics::kReconcileResults) {
    expected.push_back("controller_runtime_reconcile_total{" + controller + ",result=\"" + r +
                       "\"}");
  }
  expected.push_back("controller_runtime_reconcile_errors_total{" + controller + "}");
  expected.push_back("controller_runtime_reconcile_time_seconds_count{" + controller + "}");
  expected.push_back("controller_runtime_reconcile_time_seconds_bucket{" + controller +
                     ",le=\"+Inf\"}");
  for (const char* r : OperatorMetrics::kPushResults) {
    expected.push_back(std::string("trove_operator_tuning_pushes_total{result=\"") + r + "\"}");
  }
  for (const char* m :
       {"workqueue_depth", "workqueue_adds_total", "workqueue_retries_total",
        "workqueue_queue_duration_seconds_count", "workqueue_work_duration_seconds_count"}) {
    expected.push_back(std::string(m) + "{" + queue + "}");
  }
  for (const auto& resource : kNames.resources) {
    for (const char* m : {"trove_operator_watch_restarts_total", "trove_operator_relists_total"}) {
      expected.push_back(std::string(m) + "{resource=\"" + resource + "\"}");
    }
  }
  expected.emplace_back("trove_operator_leader");
  for (const auto& series : expected) {
    auto it = got.find(series);
    if (it == got.end()) {
      ADD_FAILURE() << series << " is missing from the first scrape: rate() and increase() "
                    << "would miss its first event";
      continue;
    }
    EXPECT_EQ(it->second, "0") << series;
  }
}

TEST(OperatorMetrics, PerHuntSeriesAppearOnlyWithTheirHunt) {
  // A hunt's name is not known up front; a made-up series would never go away.
  for (const auto& [series, value] : first_scrape()) {
    EXPECT_EQ(series.rfind("trove_operator_pods_", 0), std::string::npos) << series;
  }
}

}  // namespace
}  // namespace trove::controller
