#include "trove/common/prometheus_text.hpp"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace trove::common {

std::string serialize_prometheus_text(const prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace trove::common
