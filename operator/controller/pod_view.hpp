// The few facts the operator needs from a Pod object, read defensively.
// The operator's pod informer watches only pods labelled kSidecarLabel=true
// (so its cache stays small); a hunt's selector then picks among those.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>

#include "controller/label_selector.hpp"

namespace trove::controller {

// Label every pod that runs a trove sidecar carries (the chart's sidecar
// template sets it); the pod informer's label selector.
inline constexpr const char* kSidecarLabel = "trove.dev/sidecar";
inline constexpr const char* kSidecarLabelSelector = "trove.dev/sidecar=true";
// Annotation naming a pod's admin port when it differs from spec.adminPort.
inline constexpr const char* kAdminPortAnnotation = "trove.dev/admin-port";

struct PodView {
  std::string ns;
  std::string name;
  Labels labels;
  std::string ip;                 // status.podIP
  bool running = false;           // status.phase == Running
  bool ready = false;             // condition Ready == True
  bool deleting = false;          // metadata.deletionTimestamp set
  std::optional<int> admin_port;  // from the annotation, when valid

  // Eligible for tuning: Running, Ready, with an IP, not being deleted.
  bool eligible() const { return running && ready && !ip.empty() && !deleting; }
  int port_or(int spec_port) const { return admin_port.value_or(spec_port); }
  // What changes a reconcile's outcome; pod updates that keep it are ignored.
  std::string signature() const;
};

PodView read_pod(const rapidjson::Value& pod);

}  // namespace trove::controller
