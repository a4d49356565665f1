#include "controller/hunt_events.hpp"

namespace trove::controller {

namespace {

using Keys = std::vector<std::string>;

Keys hunt_and_namespace(const HuntReconciler& reconciler, const kube::ObjectPtr& hunt) {
  Keys keys{hunt->key()};
  for (auto& k : reconciler.hunts_in_namespace(std::string(hunt->namespace_())))
    keys.push_back(std::move(k));
  return keys;
}

Keys hunts_selecting_pod(const HuntReconciler& reconciler, const kube::ObjectPtr& pod) {
  return reconciler.hunts_selecting(read_pod(pod->json()));
}

}  // namespace

kube::EventMapping hunt_event_mapping(const HuntReconciler& reconciler) {
  kube::EventMapping m;
  m.on_add = [&reconciler](const kube::ObjectPtr& h) { return hunt_and_namespace(reconciler, h); };
  m.on_update = [&reconciler](const kube::ObjectPtr& old_obj, const kube::ObjectPtr& obj) {
    if (old_obj->generation() == obj->generation()) return Keys{};
    return hunt_and_namespace(reconciler, obj);
  };
  m.on_delete = m.on_add;
  return m;
}

kube::EventMapping pod_event_mapping(const HuntReconciler& reconciler) {
  kube::EventMapping m;
  m.on_add = [&reconciler](const kube::ObjectPtr& p) { return hunts_selecting_pod(reconciler, p); };
  m.on_update = [&reconciler](const kube::ObjectPtr& old_obj, const kube::ObjectPtr& obj) {
    const PodView before = read_pod(old_obj->json());
    const PodView after = read_pod(obj->json());
    if (before.signature() == after.signature()) return Keys{};  // nothing a reconcile reads
    Keys keys = reconciler.hunts_selecting(before);
    for (auto& k : reconciler.hunts_selecting(after))
      keys.push_back(std::move(k));
    return keys;
  };
  m.on_delete = m.on_add;
  return m;
}

}  // namespace trove::controller
