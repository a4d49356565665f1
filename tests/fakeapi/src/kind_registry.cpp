#include "kind_registry.hpp"

#include <algorithm>
#include <cctype>

namespace trove::fakeapi {

namespace {

constexpr bool kNamespaced = true;
constexpr bool kCluster = false;
constexpr bool kStatus = true;
constexpr bool kNoStatus = false;

ResourceType builtin(std::string group, std::string version, std::string plural, std::string kind,
                     bool namespaced, bool status, std::vector<std::string> short_names = {},
                     std::vector<std::string> categories = {}) {
  ResourceType t;
  t.group = std::move(group);
  t.version = std::move(version);
  t.plural = std::move(plural);
  t.singular = kind;
  std::transform(t.singular.begin(), t.singular.end(), t.singular.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  t.kind = std::move(kind);
  t.namespaced = namespaced;
  t.has_status = status;
  t.short_names = std::move(short_names);
  t.categories = std::move(categories);
  return t;
}

}  // namespace

KindRegistry::KindRegistry() {
  // The built-in kinds real kubectl, the operator and the Helm chart touch.
  // Storage is generic: no controllers run, nothing is defaulted except
  // Pod status.phase and Secret stringData.
  const ResourceType builtins[] = {
      builtin("", "v1", "namespaces", "Namespace", kCluster, kStatus, {"ns"}),
      builtin("", "v1", "pods", "Pod", kNamespaced, kStatus, {"po"}, {"all"}),
      builtin("", "v1", "services", "Service", kNamespaced, kStatus, {"svc"}, {"all"}),
      builtin("", "v1", "configmaps", "ConfigMap", kNamespaced, kNoStatus, {"cm"}),
      builtin("", "v1", "secrets", "Secret", kNamespaced, kNoStatus),
      builtin("", "v1", "serviceaccounts", "ServiceAccount", kNamespaced, kNoStatus, {"sa"}),
      builtin("", "v1", "endpoints", "Endpoints", kNamespaced, kNoStatus, {"ep"}),
      builtin("", "v1", "events", "Event", kNamespaced, kNoStatus, {"ev"}),
      builtin("", "v1", "nodes", "Node", kCluster, kStatus, {"no"}),
      builtin("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", kNamespaced, kStatus,
              {"pvc"}),
      builtin("apps", "v1", "deployments", "Deployment", kNamespaced, kStatus, {"deploy"}, {"all"}),
      builtin("apps", "v1", "statefulsets", "StatefulSet", kNamespaced, kStatus, {"sts"}, {"all"}),
      builtin("apps", "v1", "daemonsets", "DaemonSet", kNamespaced, kStatus, {"ds"}, {"all"}),
      builtin("apps", "v1", "replicasets", "ReplicaSet", kNamespaced, kStatus, {"rs"}, {"all"}),
      builtin("batch", "v1", "jobs", "Job", kNamespaced, kStatus, {}, {"all"}),
      builtin("batch", "v1", "cronjobs", "CronJob", kNamespaced, kStatus, {"cj"}, {"all"}),
      builtin("rbac.authorization.k8s.io", "v1", "roles", "Role", kNamespaced, kNoStatus),
      builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", kNamespaced,
              kNoStatus),
      builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", kCluster,
              kNoStatus),
      builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding",
              kCluster, kNoStatus),
      builtin("coordination.k8s.io", "v1", "leases", "Lease", kNamespaced, kNoStatus),
      builtin("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
              "MutatingWebhookConfiguration", kCluster, kNoStatus),
      builtin("events.k8s.io", "v1", "events", "Event", kNamespaced, kNoStatus, {"ev"}),
      builtin("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", kNamespaced, kStatus,
              {"pdb"}),
      builtin("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", kNamespaced, kNoStatus,
              {"netpol"}),
      builtin("networking.k8s.io", "v1", "ingresses", "Ingress", kNamespaced, kStatus, {"ing"}),
      builtin("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler",
              kNamespaced, kStatus, {"hpa"}, {"all"}),
      builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
              kCluster, kStatus, {"crd", "crds"}, {"api-extensions"}),
  };
  for (const ResourceType& t : builtins)
    types_.push_back(std::make_shared<ResourceType>(t));
}

void KindRegistry::add(ResourceType type) {
  ++generation_;
  auto fresh = std::make_shared<const ResourceType>(std::move(type));
  for (auto& existing : types_) {
    if (existing->group == fresh->group && existing->version == fresh->version &&
        existing->plural == fresh->plural) {
      existing = std::move(fresh);
      return;
    }
  }
  types_.push_back(std::move(fresh));
}

void KindRegistry::remove_custom(const std::string& group, const std::string& plural) {
  ++generation_;
  std::erase_if(
      types_, [&](const auto& t) { return t->custom && t->group == group && t->plural == plural; });
}

std::shared_ptr<const ResourceType> KindRegistry::find(const std::string& group,
                                                       const std::string& version,
                                                       const std::string& plural) const {
  for (const auto& t : types_) {
    if (t->group == group && t->version == version && t->plural == plural) return t;
  }
  return nullptr;
}

std::vector<std::shared_ptr<const ResourceType>> KindRegistry::in_group_version(
    const std::string& group, const std::string& version) const {
  std::vector<std::shared_ptr<const ResourceType>> out;
  for (const auto& t : types_) {
    if (t->group == group && t->version == version) out.push_back(t);
  }
  return out;
}

std::vector<std::pair<std::string, std::vector<std::string>>> KindRegistry::groups() const {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& t : types_) {
    auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& g) { return g.first == t->group; });
    if (it == out.end()) {
      out.push_back({t->group, {t->version}});
    } else if (std::find(it->second.begin(), it->second.end(), t->version) == it->second.end()) {
      it->second.push_back(t->version);
    }
  }
  return out;
}

}  // namespace trove::fakeapi
