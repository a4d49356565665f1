#include "webhook/kube_version.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <string>

#include "kube/client.hpp"
#include "trove/common/json.hpp"

namespace trove::webhook {
namespace {

constexpr int kHttpOk = 200;

// Leading decimal digits of `text` ("29+" -> 29); nullopt when there are none.
std::optional<int> leading_int(std::string_view text) {
  int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr == text.data() || value < 0) return std::nullopt;
  return value;
}

std::optional<KubeVersion> from_git_version(std::string_view git) {
  if (!git.starts_with('v')) return std::nullopt;
  git.remove_prefix(1);
  const auto dot = git.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto major = leading_int(git.substr(0, dot));
  const auto minor = leading_int(git.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return KubeVersion{*major, *minor};
}

}  // namespace

std::optional<KubeVersion> parse_kube_version(std::string_view version_json) {
  rapidjson::Document doc;
  if (common::parse_json(version_json, doc)) return std::nullopt;
  const auto major = common::string_member(doc, "major");
  const auto minor = common::string_member(doc, "minor");
  if (major && minor) {
    const auto ma = leading_int(*major);
    const auto mi = leading_int(*minor);
    if (ma && mi) return KubeVersion{*ma, *mi};
  }
  return from_git_version(common::string_member(doc, "gitVersion").value_or(""));
}

bool supports_native_sidecars(const KubeVersion& v) {
  return v.major > kNativeSidecarVersion.major ||
         (v.major == kNativeSidecarVersion.major && v.minor >= kNativeSidecarVersion.minor);
}

std::optional<KubeVersion> fetch_kube_version(kube::Client& client) {
  try {
    kube::HttpRequest request;
    request.target = "/version";
    const auto response = client.request(std::move(request));
    if (response.status != kHttpOk) {
      spdlog::warn("GET /version: HTTP {}", response.status);
      return std::nullopt;
    }
    auto version = parse_kube_version(response.body);
    if (!version) spdlog::warn("GET /version: no major/minor or gitVersion in the answer");
    return version;
  } catch (const std::exception& e) {
    spdlog::warn("GET /version: {}", e.what());
    return std::nullopt;
  }
}

}  // namespace trove::webhook
