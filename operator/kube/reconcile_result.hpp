// What one reconcile asks of its work queue (controller-runtime's
// reconcile.Result plus the error): forget the key, queue it again after a
// delay, or retry it with the rate limiter's backoff.
#pragma once

#include <chrono>
#include <string>

namespace trove::kube {

struct ReconcileResult {
  enum class Kind { kSuccess, kRequeue, kRequeueAfter, kError };
  Kind kind = Kind::kSuccess;
  std::chrono::milliseconds after{0};
  std::string error;
  // The controller_runtime_reconcile_total result label.
  const char* label() const {
    switch (kind) {
      case Kind::kSuccess:
        return "success";
      case Kind::kRequeue:
        return "requeue";
      case Kind::kRequeueAfter:
        return "requeue_after";
      case Kind::kError:
        return "error";
    }
    return "error";
  }
};

}  // namespace trove::kube
