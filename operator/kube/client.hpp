// A small Kubernetes API client: typed verbs over Transport, with the bearer
// token re-read on rotation and after a 401, a client-side token bucket, and
// 429 Retry-After honoured. Thread-safe; calls block the calling thread.
// Every non-2xx answer throws ApiError (errors.hpp).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/config.hpp"
#include "kube/object.hpp"
#include "kube/resource.hpp"
#include "kube/token_bucket.hpp"
#include "kube/token_source.hpp"
#include "kube/transport.hpp"
#include "kube/watch_stream.hpp"

namespace trove::kube {

struct ClientOptions {
  // client-go's defaults for controllers are 20 qps / 30 burst.
  double qps = 20;
  double burst = 30;
  // How often a 429 (or a 5xx with Retry-After) is retried before the
  // TooManyRequests error reaches the caller; client-go retries 10 times.
  int max_throttle_retries = 10;
  // A Retry-After longer than this is shortened to it.
  std::chrono::seconds max_retry_after{30};
  std::chrono::milliseconds token_refresh{60'000};  // re-read the token file this often
  TransportOptions transport;
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int limit = 0;  // 0: no limit
  std::string continue_token;
  std::string resource_version;  // "" omits it: the freshest, quorum read
};

struct ObjectList {
  std::vector<KubeObject> items;
  std::string resource_version;
  std::string continue_token;
};

struct WatchOptions {
  std::string resource_version;
  std::string label_selector;
  std::string field_selector;
  bool allow_bookmarks = true;
  int timeout_seconds = 0;  // 0: the server's default
  // No byte for this long ends the watch with a transport error.
  std::chrono::milliseconds idle_timeout{150'000};
};

struct WriteOptions {
  std::string subresource;    // e.g. "status"
  std::string field_manager;  // required for server-side apply
  bool force = false;         // server-side apply: take over conflicting fields
};

enum class PatchType { kMerge, kJson, kApply, kStrategicMerge };
std::string_view content_type(PatchType type);

struct DeleteOptions {
  std::string propagation_policy = "Background";
  std::string precondition_resource_version;
  std::string precondition_uid;
};

class Client {
 public:
  explicit Client(ClientConfig config, ClientOptions options = {});

  KubeObject get(const ResourceType& type, std::string_view ns, std::string_view name,
                 std::string_view subresource = {});
  // One page.
  ObjectList list(const ResourceType& type, std::string_view ns, const ListOptions& options = {});
  // Follows `continue` until the last page; resource_version is the last page's.
  ObjectList list_all(const ResourceType& type, std::string_view ns, ListOptions options = {});
  KubeObject create(const ResourceType& type, std::string_view ns, std::string_view body,
                    const WriteOptions& options = {});
  // PUT; the body's metadata.resourceVersion makes it conditional (409 when stale).
  KubeObject replace(const ResourceType& type, std::string_view ns, std::string_view name,
                     std::string_view body, const WriteOptions& options = {});
  KubeObject patch(const ResourceType& type, std::string_view ns, std::string_view name,
                   PatchType patch_type, std::string_view body, const WriteOptions& options = {});
  // Server-side apply (JSON is YAML): patch kApply with fieldManager and force.
  KubeObject apply(const ResourceType& type, std::string_view ns, std::string_view name,
                   std::string_view body, std::string_view field_manager, bool force = false,
                   std::string_view subresource = {});
  // Returns what the server answered: the object (still present when it has
  // finalizers) or a Status.
  KubeObject remove(const ResourceType& type, std::string_view ns, std::string_view name,
                    const DeleteOptions& options = {});
  std::unique_ptr<WatchStream> watch(const ResourceType& type, std::string_view ns,
                                     const WatchOptions& options);

  // Any request with the client's authentication, rate limit and retries;
  // returns whatever status came back (no throw on non-2xx).
  HttpResponse request(HttpRequest request);

  const ClientConfig& config() const { return config_; }
  TokenSource& tokens() { return tokens_; }
  std::uint64_t requests_sent() const { return requests_.load(); }
  std::size_t connections_opened() const { return transport_.connections_opened(); }

 private:
  HttpResponse checked(HttpRequest request);

  ClientConfig config_;
  ClientOptions options_;
  Transport transport_;
  TokenSource tokens_;
  TokenBucket limiter_;
  std::atomic<std::uint64_t> requests_{0};
};

}  // namespace trove::kube
