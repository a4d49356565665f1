// Fuzzes kubeconfig parsing (operator/kube/config): YAML of any shape, with
// base64 certificate data and server URLs. Bad input is a ConfigError, never
// another exception; what parses names a server host.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "kube/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // A kubeconfig names files to read (certificates, token): a fuzzed name
  // of a device or a kernel file would make runs block or depend on the
  // machine, not on the input.
  for (const char* skipped : {"/dev", "/proc", "/sys"}) {
    if (text.find(skipped) != std::string::npos) return 0;
  }
  try {
    const trove::kube::ClientConfig config =
        trove::kube::parse_kubeconfig(text, "/nonexistent-kubeconfig-dir");
    FUZZ_CHECK(!config.server.host.empty());
  } catch (const trove::kube::ConfigError&) {
  }
  return 0;
}
