// Mutating admission on create, as kube-apiserver's MutatingAdmissionWebhook
// plugin does it: every registered MutatingWebhookConfiguration whose rules,
// namespaceSelector and objectSelector match is sent an AdmissionReview v1
// over TLS (verified with its caBundle), its JSONPatch applied in order;
// failurePolicy (Fail/Ignore) and timeoutSeconds decide what a failed call
// means, and a webhook with reinvocationPolicy IfNeeded is called once more
// when a later webhook changed the object.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api_state.hpp"
#include "api_types.hpp"
#include "json_util.hpp"

namespace trove::fakeapi {

// What one create needs from the store, copied under state.mutex so the
// calls run without it (a webhook may take seconds).
struct AdmissionPlan {
  std::string group, version, plural, kind, ns;
  bool namespaced = true;
  json::Document namespace_object;               // labels incl. kubernetes.io/metadata.name
  std::vector<std::string> configuration_texts;  // MutatingWebhookConfigurations, by name
};

// nullopt when nothing can apply (not a create, no configurations): the
// request is served as it is. Takes state.mutex.
std::optional<AdmissionPlan> plan_admission(ApiState& state, const ApiRequest& request);

struct AdmissionOutcome {
  std::optional<ApiResponse> refusal;  // set: answer this instead of creating
  std::vector<std::string> warnings;   // the webhooks' warnings, as Warning headers
};

// Calls the webhooks (blocking, without state.mutex) and, when they
// patched the object, replaces request.body with the patched JSON.
AdmissionOutcome run_admission(const AdmissionPlan& plan, ApiRequest& request);

}  // namespace trove::fakeapi
