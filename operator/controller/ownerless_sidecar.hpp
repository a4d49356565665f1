// Upgrade order: helm replaces the operator at once, but a pod keeps its
// sidecar from before tuning owners until that container is replaced, and
// that version refuses a PUT naming an owner (400, "field":"owner"). The
// reconciler then tunes the pod without an owner, and must remember that,
// or it would push every reconcile (the sidecar's owner "" never matches
// the hunt's uid). It remembers it for the sidecar instance that refused
// (PodView::sidecar_instance), not for the pod name: a container replaced in
// place (restart, new image, rollback) or a pod recreated under the same name
// runs another process, maybe a current version, and is tried with an owner
// first.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace trove::controller {

class OwnerlessSidecar {
 public:
  // Each reconcile, before deciding: the sidecar instance serving the pod
  // now. Another instance than the one that refused starts afresh.
  void serving(const std::string& instance) {
    if (refused_by_ && *refused_by_ != instance) refused_by_.reset();
  }
  // The owner the sidecar reports in its stats: a non-empty one proves it
  // knows owners (upgraded without the operator seeing a new instance).
  void reports_owner(const std::string& owner) {
    if (!owner.empty()) refused_by_.reset();
  }
  // The instance answered a PUT naming an owner with 400 "field":"owner".
  void refused_owner(std::string instance) { refused_by_ = std::move(instance); }

  // True while the instance that refused an owner still serves the pod:
  // tune it without one.
  bool owner_less() const { return refused_by_.has_value(); }

 private:
  std::optional<std::string> refused_by_;
};

}  // namespace trove::controller
