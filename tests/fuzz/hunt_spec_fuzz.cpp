// Fuzzes TreasureHunt validation (operator/controller/hunt_spec,
// label_selector; docs/design.md, operator): any JSON object the API server
// could hand over. A spec that parses is inside the bounds the sidecar's
// tuning accepts, and its selector evaluates against any labels.
#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "controller/hunt_spec.hpp"
#include "controller/label_selector.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace trove::controller;

void check_spec(const HuntSpec& spec) {
  FUZZ_CHECK(spec.arena.size_mib >= kMinSizeMiB && spec.arena.size_mib <= kMaxSizeMiB);
  FUZZ_CHECK(spec.arena.epoch_millis >= kMinEpochMillis &&
             spec.arena.epoch_millis <= kMaxEpochMillis);
  FUZZ_CHECK(spec.admin_port >= 1 && spec.admin_port <= 65535);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(reinterpret_cast<const char*>(data), size);
  if (doc.HasParseError()) return 0;
  const ParseResult result = parse_hunt(doc);
  if (result.ok) {
    check_spec(result.hunt.spec);
  } else {
    FUZZ_CHECK(!result.error.empty());
  }
  // The same document as a bare selector, matched against its own labels.
  std::string error;
  const auto selector = parse_label_selector(doc, error);
  FUZZ_CHECK(selector.has_value() == error.empty());
  const rapidjson::Value* labels = nullptr;
  if (doc.IsObject() && doc.HasMember("matchLabels")) labels = &doc["matchLabels"];
  if (selector) (void)selector->matches(parse_labels(labels));
  return 0;
}
