// Kubernetes timestamps: metav1.MicroTime ("2006-01-02T15:04:05.000000Z",
// used by Lease and events.k8s.io Event) and metav1.Time (whole seconds).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace trove::kube {

std::string format_micro_time(std::chrono::system_clock::time_point t);
std::string format_time(std::chrono::system_clock::time_point t);
// Accepts both forms (any number of fraction digits, 'Z' only).
std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view text);

}  // namespace trove::kube
