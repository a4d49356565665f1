// Prometheus text exposition format 0.0.4 for a prometheus-cpp registry.
#pragma once

#include <string>

namespace prometheus {
class Registry;
}

namespace trove::common {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string serialize_prometheus_text(const prometheus::Registry& registry);

}  // namespace trove::common
