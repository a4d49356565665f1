#include "memory/allocator_strategy.hpp"

namespace trove::memory {

std::optional<AllocatorStrategy> parse_allocator_strategy(std::string_view text) noexcept {
  if (text == "epoch") return AllocatorStrategy::epoch;
  if (text == "jemalloc") return AllocatorStrategy::jemalloc;
  if (text == "system") return AllocatorStrategy::system;
  return std::nullopt;
}

std::string_view to_string(AllocatorStrategy strategy) noexcept {
  switch (strategy) {
    case AllocatorStrategy::epoch:
      return "epoch";
    case AllocatorStrategy::jemalloc:
      return "jemalloc";
    case AllocatorStrategy::system:
      return "system";
  }
  return "unknown";
}

}  // namespace trove::memory
