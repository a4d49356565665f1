// The injection decision: from one AdmissionRequest and the sidecar
// template to "skip", "refuse with a message" or "inject with this JSON
// Patch". Pure: the HTTPS server, metrics and certificates live elsewhere.
//
// A pod is skipped when it is not a Pod CREATE, opts out with the label
// trove.dev/inject: "false", or already has the sidecar (a container or init
// container named as the template's, or every pod label of the template):
// the API server's reinvocation (reinvocationPolicy IfNeeded) and pods
// that include the chart's template themselves are never patched twice.
#pragma once

#include "webhook/admission_review.hpp"
#include "webhook/sidecar_template.hpp"

namespace trove::webhook {

inline constexpr const char* kInjectLabel = "trove.dev/inject";

struct InjectionContext {
  const SidecarTemplate* sidecar = nullptr;
  // What the API server supports (kube_version.hpp); the template's native
  // mode "true"/"false" wins over it.
  bool server_supports_native = false;
};

AdmissionDecision decide_injection(const AdmissionRequest& request,
                                   const InjectionContext& context);

// Whether the template's native mode and the server pick a native sidecar.
bool use_native_sidecar(const InjectionContext& context);

}  // namespace trove::webhook
