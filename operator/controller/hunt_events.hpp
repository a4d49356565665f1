// Which TreasureHunt keys an informer event concerns (the event-to-key
// mappings the hunt controller watches with).
#pragma once

#include "controller/hunt_reconciler.hpp"
#include "kube/controller.hpp"

namespace trove::controller {

// Hunt events: a new, deleted or re-specified hunt can change which hunt
// owns a pod, so every hunt of its namespace is reconciled. Status-only
// updates (our own writes) keep the generation and are ignored.
kube::EventMapping hunt_event_mapping(const HuntReconciler& reconciler);

// Pod events map to the hunts that select the pod before or after; a pod
// update that changes nothing a reconcile reads maps to none.
kube::EventMapping pod_event_mapping(const HuntReconciler& reconciler);

}  // namespace trove::controller
