// The few facts the operator needs from a Pod object, read defensively.
// The operator's pod informer watches only pods labelled kSidecarLabel=true
// (so its cache stays small); a hunt's selector then picks among those.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/label_selector.hpp"

namespace trove::controller {

// Label every pod that runs a trove sidecar carries (the chart's sidecar
// template sets it); the pod informer's label selector.
inline constexpr const char* kSidecarLabel = "trove.dev/sidecar";
inline constexpr const char* kSidecarLabelSelector = "trove.dev/sidecar=true";
// Annotation naming a pod's admin port when it differs from spec.adminPort.
inline constexpr const char* kAdminPortAnnotation = "trove.dev/admin-port";

// One container of the pod (spec.containers or spec.initContainers, where a
// native sidecar lives) and the instance of it that runs now.
struct ContainerView {
  std::string name;
  std::vector<int> ports;  // declared containerPorts
  // "<containerID>#<restartCount>" from the container's status: changes
  // whenever the container is replaced (restart, new image); "" until the
  // pod reports a status for it.
  std::string instance;
};

struct PodView {
  std::string ns;
  std::string name;
  std::string uid;  // metadata.uid: a pod recreated under its old name has another
  Labels labels;
  std::string ip;                 // status.podIP
  bool running = false;           // status.phase == Running
  bool ready = false;             // condition Ready == True
  bool deleting = false;          // metadata.deletionTimestamp set
  std::optional<int> admin_port;  // from the annotation, when valid
  std::vector<ContainerView> containers;

  // Eligible for tuning: Running, Ready, with an IP, not being deleted.
  bool eligible() const { return running && ready && !ip.empty() && !deleting; }
  int port_or(int spec_port) const { return admin_port.value_or(spec_port); }
  // Names the sidecar instance serving the admin API on `port` (port_or's
  // answer): another value means another trove-server process (its
  // container replaced, or the pod recreated), maybe another version. The
  // sidecar is the container that declares the port (the chart's does); when
  // none does, every container's instance counts, so a replaced sidecar is
  // never missed and another container's restart costs at most a refused
  // PUT naming the owner and its owner-less retry.
  std::string sidecar_instance(int port) const;
  // What changes a reconcile's outcome; pod updates that keep it are ignored.
  std::string signature() const;
};

PodView read_pod(const rapidjson::Value& pod);

}  // namespace trove::controller
