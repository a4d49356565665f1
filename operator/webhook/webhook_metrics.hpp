// The webhook's metrics (docs/contracts.md, trove-operator table), in the
// operator's registry: requests by result and their latency, and when the
// serving certificate expires (an alert can page before it does).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <string_view>

namespace trove::webhook {

class WebhookMetrics {
 public:
  // injected/skipped/refused: AdmissionDecision results; error: a request
  // answered without a decision (not an AdmissionReview, too large, wrong
  // path or method, connection limit).
  static constexpr std::array<const char*, 4> kResults{"injected", "skipped", "refused", "error"};

  // Every result series exists at 0 from the first scrape.
  explicit WebhookMetrics(prometheus::Registry& registry);

  void request(std::string_view result, double seconds);
  void error() { request("error", 0); }
  void certificate_expires(double unix_seconds) { expiry_.Set(unix_seconds); }

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Histogram& latency_;
  prometheus::Gauge& expiry_;
};

}  // namespace trove::webhook
