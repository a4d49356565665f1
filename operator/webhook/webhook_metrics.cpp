#include "webhook/webhook_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <string>

namespace trove::webhook {
namespace {

// The API server waits timeoutSeconds (a few seconds) for an answer; a
// decision takes well under a millisecond, so the buckets span 0.5 ms to
// the timeout.
prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
}

}  // namespace

WebhookMetrics::WebhookMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("trove_operator_webhook_requests_total")
                    .Help("Admission requests to the sidecar-injecting webhook, by result")
                    .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("trove_operator_webhook_request_duration_seconds")
                   .Help("Time from a decoded-or-refused AdmissionReview to its answer")
                   .Register(registry)
                   .Add({}, latency_buckets())),
      expiry_(prometheus::BuildGauge()
                  .Name("trove_operator_webhook_certificate_expiry_timestamp_seconds")
                  .Help("notAfter of the serving certificate this replica serves, Unix seconds")
                  .Register(registry)
                  .Add({})) {
  for (const char* result : kResults)
    requests_.Add({{"result", result}});
}

void WebhookMetrics::request(std::string_view result, double seconds) {
  requests_.Add({{"result", std::string(result)}}).Increment();
  if (result != "error") latency_.Observe(seconds);
}

}  // namespace trove::webhook
