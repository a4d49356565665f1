#include "kube/client.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <thread>

#include "kube/errors.hpp"
#include "kube/json_depth.hpp"
#include "trove/common/json.hpp"

namespace trove::kube {
namespace {

bool ok(int status) {
  return status >= 200 && status <= 299;
}

std::string write_query(const WriteOptions& o, bool apply) {
  Query q;
  q.add("fieldManager", o.field_manager);
  if (apply && o.force) q.add("force", "true");
  return q.str();
}

// Whether a JSON object body names metadata.resourceVersion: the API server
// then applies it only to that version of the object (409 otherwise).
bool names_resource_version(std::string_view body) {
  rapidjson::Document doc;
  if (!parse_json(doc, body) || !doc.IsObject()) return false;
  auto meta = doc.FindMember("metadata");
  if (meta == doc.MemberEnd() || !meta->value.IsObject()) return false;
  return !KubeObject::string_at(meta->value, "resourceVersion").empty();
}

// Whether a JSON patch (a list of operations) tests /metadata/resourceVersion:
// the whole patch fails once the first copy changed the version.
bool tests_resource_version(std::string_view body) {
  rapidjson::Document doc;
  if (!parse_json(doc, body) || !doc.IsArray()) return false;
  for (const auto& op : doc.GetArray()) {
    if (!op.IsObject()) continue;
    if (KubeObject::string_at(op, "op") == "test" &&
        KubeObject::string_at(op, "path") == "/metadata/resourceVersion" &&
        !KubeObject::string_at(op, "value").empty()) {
      return true;
    }
  }
  return false;
}

// A PUT that names metadata.resourceVersion is refused with 409 once the
// first copy was applied, so a repeat cannot overwrite a newer object; a
// PUT without one is last-write-wins and a repeat could undo another writer.
Replay replay_for_replace(std::string_view body) {
  return names_resource_version(body) ? Replay::kRepeatable : Replay::kOnlyIfUnsent;
}

// A patch is repeated only under a resourceVersion precondition, as a PUT:
// an unconditional merge or apply patch repeated after another writer's
// change would undo that acknowledged change, and a JSON patch's "add" to
// an array would append twice. Merge, strategic-merge and apply patches
// carry the precondition as metadata.resourceVersion; a JSON patch as a
// "test" of /metadata/resourceVersion.
Replay replay_for_patch(PatchType type, std::string_view body) {
  switch (type) {
    case PatchType::kMerge:
    case PatchType::kStrategicMerge:
    case PatchType::kApply:
      return names_resource_version(body) ? Replay::kRepeatable : Replay::kOnlyIfUnsent;
    case PatchType::kJson:
      return tests_resource_version(body) ? Replay::kRepeatable : Replay::kOnlyIfUnsent;
  }
  return Replay::kOnlyIfUnsent;
}

// A DELETE without preconditions repeated after the object was deleted and
// re-created under the same name would delete the new object; a uid or
// resourceVersion precondition makes the repeat fail instead.
Replay replay_for_delete(const DeleteOptions& o) {
  const bool conditional = !o.precondition_resource_version.empty() || !o.precondition_uid.empty();
  return conditional ? Replay::kRepeatable : Replay::kOnlyIfUnsent;
}

}  // namespace

std::string_view content_type(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kApply:
      return "application/apply-patch+yaml";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
  }
  return "application/json";
}

Client::Client(ClientConfig config, ClientOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      transport_(config_, options_.transport),
      tokens_(config_.token, config_.token_file, options_.token_refresh),
      limiter_(options_.qps, options_.burst) {}

HttpResponse Client::request(HttpRequest req) {
  req.target = config_.server.base_path + req.target;
  bool reauthenticated = false;
  int throttled = 0;
  for (;;) {
    limiter_.acquire();
    // Like client-go, credentials go only over TLS, never in clear text.
    const std::string token = config_.server.tls ? tokens_.token() : std::string();
    ++requests_;
    HttpResponse res = transport_.send(req, token);
    if (res.status == 401 && !reauthenticated && config_.server.tls) {
      // The token may have rotated since the last read: re-read it and retry once.
      tokens_.invalidate();
      reauthenticated = true;
      continue;
    }
    if ((res.status == 429 || res.status >= 500) && throttled < options_.max_throttle_retries) {
      const auto wait = parse_api_error(res.status, res.body, res.retry_after).retry_after();
      if (wait.count() > 0) {
        ++throttled;
        std::this_thread::sleep_for(std::min(wait, options_.max_retry_after));
        continue;
      }
    }
    return res;
  }
}

HttpResponse Client::checked(HttpRequest req) {
  HttpResponse res = request(std::move(req));
  if (!ok(res.status)) throw parse_api_error(res.status, res.body, res.retry_after);
  return res;
}

KubeObject Client::get(const ResourceType& type, std::string_view ns, std::string_view name,
                       std::string_view subresource) {
  HttpRequest req;
  req.target = type.item_path(ns, name, subresource);
  return KubeObject::parse(checked(std::move(req)).body);
}

ObjectList Client::list(const ResourceType& type, std::string_view ns, const ListOptions& o) {
  HttpRequest req;
  Query q;
  q.add("labelSelector", o.label_selector).add("fieldSelector", o.field_selector);
  if (o.limit > 0) q.add("limit", std::to_string(o.limit));
  q.add("continue", o.continue_token).add("resourceVersion", o.resource_version);
  req.target = type.collection_path(ns) + q.str();
  const HttpResponse res = checked(std::move(req));

  rapidjson::Document doc;
  if (!parse_json(doc, res.body) || !doc.IsObject()) {
    throw transport_error("list answer is not JSON (or nested too deep)");
  }
  ObjectList out;
  if (const rapidjson::Value* meta = common::find_member(doc, "metadata"); meta != nullptr) {
    out.resource_version = KubeObject::string_at(*meta, "resourceVersion");
    out.continue_token = KubeObject::string_at(*meta, "continue");
  }
  const rapidjson::Value* items = common::find_member(doc, "items");
  if (items != nullptr && items->IsArray()) {
    out.items.reserve(items->Size());
    for (const auto& item : items->GetArray())
      if (item.IsObject()) out.items.push_back(KubeObject::copy_of(item));
  }
  return out;
}

ObjectList Client::list_all(const ResourceType& type, std::string_view ns, ListOptions o) {
  ObjectList all;
  for (;;) {
    ObjectList page = list(type, ns, o);
    for (auto& item : page.items)
      all.items.push_back(std::move(item));
    all.resource_version = page.resource_version;
    if (page.continue_token.empty()) return all;
    o.continue_token = page.continue_token;
    o.resource_version.clear();  // the continue token pins the snapshot
  }
}

KubeObject Client::create(const ResourceType& type, std::string_view ns, std::string_view body,
                          const WriteOptions& o) {
  HttpRequest req;
  req.method = "POST";
  req.target = type.collection_path(ns) + write_query(o, false);
  req.content_type = "application/json";
  req.body = body;
  return KubeObject::parse(checked(std::move(req)).body);
}

KubeObject Client::replace(const ResourceType& type, std::string_view ns, std::string_view name,
                           std::string_view body, const WriteOptions& o) {
  HttpRequest req;
  req.method = "PUT";
  req.target = type.item_path(ns, name, o.subresource) + write_query(o, false);
  req.content_type = "application/json";
  req.body = body;
  req.replay = replay_for_replace(body);
  return KubeObject::parse(checked(std::move(req)).body);
}

KubeObject Client::patch(const ResourceType& type, std::string_view ns, std::string_view name,
                         PatchType patch_type, std::string_view body, const WriteOptions& o) {
  if (patch_type == PatchType::kApply && o.field_manager.empty())
    throw std::invalid_argument("server-side apply needs a field manager");
  HttpRequest req;
  req.method = "PATCH";
  req.target =
      type.item_path(ns, name, o.subresource) + write_query(o, patch_type == PatchType::kApply);
  req.content_type = content_type(patch_type);
  req.body = body;
  req.replay = replay_for_patch(patch_type, body);
  return KubeObject::parse(checked(std::move(req)).body);
}

KubeObject Client::apply(const ResourceType& type, std::string_view ns, std::string_view name,
                         std::string_view body, std::string_view field_manager, bool force,
                         std::string_view subresource) {
  WriteOptions o;
  o.field_manager = field_manager;
  o.force = force;
  o.subresource = subresource;
  return patch(type, ns, name, PatchType::kApply, body, o);
}

KubeObject Client::remove(const ResourceType& type, std::string_view ns, std::string_view name,
                          const DeleteOptions& o) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("kind");
  w.String("DeleteOptions");
  w.Key("apiVersion");
  w.String("v1");
  if (!o.propagation_policy.empty()) {
    w.Key("propagationPolicy");
    w.String(o.propagation_policy);
  }
  if (!o.precondition_resource_version.empty() || !o.precondition_uid.empty()) {
    w.Key("preconditions");
    w.StartObject();
    if (!o.precondition_resource_version.empty()) {
      w.Key("resourceVersion");
      w.String(o.precondition_resource_version);
    }
    if (!o.precondition_uid.empty()) {
      w.Key("uid");
      w.String(o.precondition_uid);
    }
    w.EndObject();
  }
  w.EndObject();
  HttpRequest req;
  req.method = "DELETE";
  req.target = type.item_path(ns, name);
  req.content_type = "application/json";
  req.body.assign(buf.GetString(), buf.GetSize());
  req.replay = replay_for_delete(o);
  return KubeObject::parse(checked(std::move(req)).body);
}

std::unique_ptr<WatchStream> Client::watch(const ResourceType& type, std::string_view ns,
                                           const WatchOptions& o) {
  Query q;
  if (o.allow_bookmarks) q.add("allowWatchBookmarks", "true");
  q.add("fieldSelector", o.field_selector).add("labelSelector", o.label_selector);
  q.add("resourceVersion", o.resource_version);
  if (o.timeout_seconds > 0) q.add("timeoutSeconds", std::to_string(o.timeout_seconds));
  q.add("watch", "true");
  HttpRequest req;
  req.target = config_.server.base_path + type.collection_path(ns) + q.str();

  bool reauthenticated = false;
  for (;;) {
    limiter_.acquire();
    const std::string token = config_.server.tls ? tokens_.token() : std::string();
    ++requests_;
    Transport::Streamed s = transport_.open_stream(req, token, o.idle_timeout);
    if (s.body) return std::make_unique<WatchStream>(std::move(s.body), o.idle_timeout);
    if (s.head.status == 401 && !reauthenticated && config_.server.tls) {
      tokens_.invalidate();
      reauthenticated = true;
      continue;
    }
    // 429 is not retried here: the reflector's backoff owns watch retries.
    throw parse_api_error(s.head.status, s.head.body, s.head.retry_after);
  }
}

}  // namespace trove::kube
