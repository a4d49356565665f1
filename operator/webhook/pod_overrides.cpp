#include "webhook/pod_overrides.hpp"

#include <charconv>
#include <string_view>

#include "trove/common/json.hpp"
#include "trove/common/tuning.hpp"
#include "webhook/quantity.hpp"

namespace trove::webhook {
namespace {

constexpr std::uint64_t kBytesPerMib = 1ull << 20;

using Allocator = rapidjson::Document::AllocatorType;

std::string quoted(std::string_view text) {
  // Hostile values may be long or hold control bytes: show a bounded, printable prefix.
  constexpr std::size_t kShown = 64;
  std::string out = "\"";
  for (const char c : text.substr(0, kShown))
    out += (c >= ' ' && c < 0x7f) ? c : '?';
  if (text.size() > kShown) out += "...";
  return out + "\"";
}

std::optional<OverrideError> read_uint(const rapidjson::Value* annotations, const char* key,
                                       std::uint64_t min, std::uint64_t max,
                                       std::optional<std::uint64_t>& out) {
  const auto text = common::string_member(annotations, key);
  if (!text) return std::nullopt;
  std::uint64_t value = 0;
  const auto* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (text->empty() || ec != std::errc() || ptr != end || value < min || value > max) {
    return OverrideError{std::string(key) + ": " + quoted(*text) + " is not an integer in [" +
                         std::to_string(min) + ", " + std::to_string(max) + "]"};
  }
  out = value;
  return std::nullopt;
}

bool is_image_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '/' || c == ':' || c == '@';
}

std::optional<OverrideError> read_image(const rapidjson::Value* annotations,
                                        std::optional<std::string>& out) {
  const auto text = common::string_member(annotations, kImageAnnotation);
  if (!text) return std::nullopt;
  bool ok = !text->empty() && text->size() <= kMaxImageBytes;
  for (const char c : *text)
    ok = ok && is_image_char(c);
  if (!ok) {
    return OverrideError{std::string(kImageAnnotation) + ": " + quoted(*text) +
                         " is not an image reference (1 to " + std::to_string(kMaxImageBytes) +
                         " characters of letters, digits and . _ - / : @)"};
  }
  out = std::string(*text);
  return std::nullopt;
}

std::optional<OverrideError> read_quantity(const rapidjson::Value* annotations, const char* key,
                                           std::optional<std::string>& out) {
  const auto text = common::string_member(annotations, key);
  if (!text) return std::nullopt;
  if (!is_valid_quantity(*text)) {
    return OverrideError{std::string(key) + ": " + quoted(*text) +
                         " is not a resource quantity (e.g. \"250m\", \"1\", \"512Mi\", \"1Gi\")"};
  }
  out = std::string(*text);
  return std::nullopt;
}

void set_flag(rapidjson::Value& container, std::string_view flag, std::uint64_t value,
              Allocator& a) {
  const std::string prefix = "--" + std::string(flag) + "=";
  const std::string arg = prefix + std::to_string(value);
  rapidjson::Value text(arg.c_str(), static_cast<rapidjson::SizeType>(arg.size()), a);
  auto member = container.FindMember("args");
  if (member == container.MemberEnd() || !member->value.IsArray()) {
    container.RemoveMember("args");
    container.AddMember("args", rapidjson::Value(rapidjson::kArrayType), a);
    member = container.FindMember("args");
  }
  auto& args = member->value;
  for (auto& existing : args.GetArray()) {
    if (existing.IsString() && std::string_view(existing.GetString()).starts_with(prefix)) {
      existing = text;
      return;
    }
  }
  args.PushBack(text, a);
}

rapidjson::Value& object_member(rapidjson::Value& parent, const char* name, Allocator& a) {
  auto* member = common::find_member(&parent, name);
  if (member != nullptr && member->IsObject()) return *member;
  parent.RemoveMember(name);
  parent.AddMember(rapidjson::StringRef(name), rapidjson::Value(rapidjson::kObjectType), a);
  return (parent.MemberEnd() - 1)->value;  // AddMember appends
}

void set_resource(rapidjson::Value& container, const char* kind, const char* resource,
                  const std::optional<std::string>& value, Allocator& a) {
  if (!value) return;
  auto& group = object_member(object_member(container, "resources", a), kind, a);
  group.RemoveMember(resource);
  group.AddMember(rapidjson::StringRef(resource), rapidjson::Value(value->c_str(), a), a);
}

}  // namespace

std::variant<PodOverrides, OverrideError> parse_pod_overrides(const rapidjson::Value* annotations) {
  PodOverrides o;
  const std::uint64_t min_arena = common::kMinArenaBytes / kBytesPerMib;
  const std::uint64_t max_arena = common::kMaxArenaBytes / kBytesPerMib;
  std::optional<OverrideError> error;
  if (!error) error = read_uint(annotations, kWorkersAnnotation, 0, kMaxWorkers, o.workers);
  if (!error)
    error = read_uint(annotations, kArenaMibAnnotation, min_arena, max_arena, o.arena_mib);
  if (!error) {
    error = read_uint(annotations, kEpochMsAnnotation, common::kMinEpochMillis,
                      common::kMaxEpochMillis, o.epoch_ms);
  }
  if (!error) error = read_image(annotations, o.image);
  if (!error) error = read_quantity(annotations, kCpuRequestAnnotation, o.cpu_request);
  if (!error) error = read_quantity(annotations, kCpuLimitAnnotation, o.cpu_limit);
  if (!error) error = read_quantity(annotations, kMemoryRequestAnnotation, o.memory_request);
  if (!error) error = read_quantity(annotations, kMemoryLimitAnnotation, o.memory_limit);
  if (error) return *error;
  return o;
}

void apply_pod_overrides(const PodOverrides& o, rapidjson::Value& container, Allocator& a) {
  if (o.workers) set_flag(container, "workers", *o.workers, a);
  if (o.arena_mib) set_flag(container, "arena-mib", *o.arena_mib, a);
  if (o.epoch_ms) set_flag(container, "epoch-ms", *o.epoch_ms, a);
  if (o.image) {
    container.RemoveMember("image");
    container.AddMember("image", rapidjson::Value(o.image->c_str(), a), a);
  }
  set_resource(container, "requests", "cpu", o.cpu_request, a);
  set_resource(container, "limits", "cpu", o.cpu_limit, a);
  set_resource(container, "requests", "memory", o.memory_request, a);
  set_resource(container, "limits", "memory", o.memory_limit, a);
}

}  // namespace trove::webhook
