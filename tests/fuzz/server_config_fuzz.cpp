// Fuzzes trove-server's configuration (server/config, docs/configuration.md):
// a YAML file, or one knob's value as a flag or TROVE_* variable gives it
// (sizes, durations, names). Bad input is a ConfigError naming the problem,
// never another exception; an accepted value renders and reads back the same.
#include <cstdint>
#include <string>
#include <string_view>

#include "config/server_config.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace trove::config;

void fuzz_yaml(const std::string& text) {
  ServerConfig config;
  try {
    apply_yaml(config, text, "fuzz.yaml");
  } catch (const ConfigError& e) {
    FUZZ_CHECK(std::string_view(e.what()).find("fuzz.yaml") != std::string_view::npos);
    return;
  }
  const std::string rendered = to_yaml(config);
  ServerConfig again;
  apply_yaml(again, rendered, "rendered");
  FUZZ_CHECK(to_yaml(again) == rendered);
}

void fuzz_knob(const Knob& knob, const std::string& text) {
  ServerConfig config;
  if (const auto error = knob.set(config, text)) {
    FUZZ_CHECK(!error->empty());
    return;
  }
  const std::string value = knob.get(config);
  ServerConfig again;
  FUZZ_CHECK(!knob.set(again, value).has_value());
  FUZZ_CHECK(knob.get(again) == value);
}

}  // namespace

// The first byte picks the source: 0 the YAML file, n > 0 knob n - 1's value.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::vector<Knob>& all = knobs();
  const std::size_t pick = data[0] % (all.size() + 1);
  if (pick == 0) {
    fuzz_yaml(text);
  } else {
    fuzz_knob(all[pick - 1], text);
  }
  return 0;
}
