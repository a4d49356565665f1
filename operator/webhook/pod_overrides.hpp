// Per-pod overrides of the injected sidecar, read from the pod's
// annotations. Every value is validated here, so a bad one refuses the pod
// with a message naming the annotation (docs/webhook.md lists them).
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace trove::webhook {

inline constexpr const char* kWorkersAnnotation = "trove.dev/workers";
inline constexpr const char* kArenaMibAnnotation = "trove.dev/arena-mib";
inline constexpr const char* kEpochMsAnnotation = "trove.dev/epoch-ms";
inline constexpr const char* kImageAnnotation = "trove.dev/image";
inline constexpr const char* kCpuRequestAnnotation = "trove.dev/cpu-request";
inline constexpr const char* kCpuLimitAnnotation = "trove.dev/cpu-limit";
inline constexpr const char* kMemoryRequestAnnotation = "trove.dev/memory-request";
inline constexpr const char* kMemoryLimitAnnotation = "trove.dev/memory-limit";

// trove-server's --workers bound (server/config/knobs.cpp).
inline constexpr std::uint64_t kMaxWorkers = 256;
// An image reference longer than this is not one a registry serves.
inline constexpr std::size_t kMaxImageBytes = 512;

struct PodOverrides {
  std::optional<std::uint64_t> workers;
  std::optional<std::uint64_t> arena_mib;
  std::optional<std::uint64_t> epoch_ms;
  std::optional<std::string> image;
  std::optional<std::string> cpu_request;
  std::optional<std::string> cpu_limit;
  std::optional<std::string> memory_request;
  std::optional<std::string> memory_limit;
};

struct OverrideError {
  std::string message;  // names the annotation, the value's problem and the allowed form
};

// Reads the overrides from metadata.annotations (null or absent: none).
// Annotations outside this list are ignored.
std::variant<PodOverrides, OverrideError> parse_pod_overrides(const rapidjson::Value* annotations);

// Applies the overrides to a sidecar container object: flags in "args"
// replaced or appended, "image" set, "resources" requests/limits set.
void apply_pod_overrides(const PodOverrides& overrides, rapidjson::Value& container,
                         rapidjson::Document::AllocatorType& allocator);

}  // namespace trove::webhook
