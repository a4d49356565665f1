// A sidecar template shaped as the chart renders it (charts/trove
// templates/webhook-sidecar-configmap.yaml), with `native` substituted.
#pragma once

#include <string>

namespace trove::webhook::test {

inline std::string sample_template(const std::string& native = "auto") {
  return R"({"native":")" + native + R"(",
    "containers":{
      "plain":{"name":"trove","image":"trove-server:1.0","args":["--port=8080","--arena-mib=128","--epoch-ms=16"],
               "resources":{"requests":{"cpu":"250m","memory":"256Mi"},"limits":{"memory":"1Gi"}}},
      "native":{"name":"trove","image":"trove-server:1.0","restartPolicy":"Always",
                "args":["--port=8080","--arena-mib=128","--epoch-ms=16"],
                "startupProbe":{"httpGet":{"path":"/readyz","port":"trove-admin"}},
                "resources":{"requests":{"cpu":"250m","memory":"256Mi"},"limits":{"memory":"1Gi"}}}},
    "volumes":[{"name":"trove-admin-token","secret":{"secretName":"trove-admin-token"}}],
    "imagePullSecrets":[{"name":"regcred"}],
    "podLabels":{"trove.dev/sidecar":"true"}})";
}

}  // namespace trove::webhook::test
