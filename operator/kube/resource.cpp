#include "kube/resource.hpp"

#include <stdexcept>

namespace trove::kube {
namespace {

// Path segments come from object names, which Kubernetes restricts to DNS
// labels/subdomains; anything else would let a caller reach another path.
std::string_view checked_segment(std::string_view s, const char* what) {
  if (s.empty() || s == "." || s == ".." || s.find_first_of("/?#% ") != std::string_view::npos)
    throw std::invalid_argument(std::string("invalid ") + what + ": '" + std::string(s) + "'");
  return s;
}

}  // namespace

std::string ResourceType::group_version_path() const {
  return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}

std::string ResourceType::collection_path(std::string_view ns) const {
  std::string p = group_version_path();
  if (namespaced && !ns.empty()) p.append("/namespaces/").append(checked_segment(ns, "namespace"));
  return p + "/" + plural;
}

std::string ResourceType::item_path(std::string_view ns, std::string_view name,
                                    std::string_view subresource) const {
  std::string p = collection_path(namespaced ? ns : std::string_view{});
  p.append("/").append(checked_segment(name, "name"));
  if (!subresource.empty()) p.append("/").append(checked_segment(subresource, "subresource"));
  return p;
}

ResourceType pods_type() {
  return {"", "v1", "pods", true};
}
ResourceType leases_type() {
  return {"coordination.k8s.io", "v1", "leases", true};
}
ResourceType events_type() {
  return {"events.k8s.io", "v1", "events", true};
}
ResourceType treasure_hunts_type() {
  return {"trove.dev", "v1alpha1", "treasurehunts", true};
}

std::string url_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '_' || u == '.' || u == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

Query& Query::add(std::string_view key, std::string_view value) {
  if (!value.empty()) params_.emplace_back(key, value);
  return *this;
}

Query& Query::add_always(std::string_view key, std::string_view value) {
  params_.emplace_back(key, value);
  return *this;
}

std::string Query::str() const {
  std::string q;
  for (const auto& [k, v] : params_) {
    q.push_back(q.empty() ? '?' : '&');
    q.append(url_encode(k)).append("=").append(url_encode(v));
  }
  return q;
}

}  // namespace trove::kube
