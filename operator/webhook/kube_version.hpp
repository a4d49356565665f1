// The API server's version (GET /version), read once at start: it decides
// whether the webhook injects a native sidecar (initContainers with
// restartPolicy Always, on by default from Kubernetes 1.29) or a plain one.
#pragma once

#include <optional>
#include <string_view>

namespace trove::kube {
class Client;
}

namespace trove::webhook {

struct KubeVersion {
  int major = 0;
  int minor = 0;
};

// Native sidecars: SidecarContainers is beta and on by default from 1.29.
inline constexpr KubeVersion kNativeSidecarVersion{1, 29};

// Reads {"major":"1","minor":"29+",...} (providers append '+'), falling back
// to gitVersion "v1.29.3-gke.1"; nullopt when neither parses.
std::optional<KubeVersion> parse_kube_version(std::string_view version_json);

bool supports_native_sidecars(const KubeVersion& version);

// GET /version through `client`; nullopt (logged) when it fails or does not parse.
std::optional<KubeVersion> fetch_kube_version(kube::Client& client);

}  // namespace trove::webhook
