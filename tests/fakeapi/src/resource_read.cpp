#include <charconv>

#include "resource_path.hpp"
#include "resources.hpp"
#include "selectors.hpp"
#include "table.hpp"
#include "watch_stream.hpp"

namespace trove::fakeapi {

namespace {

// Longest watch a client may ask for (kube-apiserver caps at its
// min-request-timeout doubled; an hour is plenty for a test).
constexpr std::int64_t kMaxWatchTimeoutSeconds = 3600;

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

struct ContinueToken {
  std::uint64_t rv = 0;
  std::string ns;
  std::string name;
};

std::string encode_continue(const ContinueToken& token) {
  std::string text = "{\"v\":\"meta.k8s.io/v1\",\"rv\":" + std::to_string(token.rv) +
                     ",\"ns\":" + json::quote(token.ns) + ",\"start\":" + json::quote(token.name) +
                     "}";
  return base64_encode(text);
}

std::optional<ContinueToken> decode_continue(std::string_view text) {
  auto raw = base64_decode(text);
  if (!raw) return std::nullopt;
  json::Document doc;
  if (!json::parse(*raw, doc, nullptr) || !doc.IsObject()) return std::nullopt;
  const json::Value* rv = json::find(doc, "rv");
  if (rv == nullptr || !rv->IsUint64()) return std::nullopt;
  return ContinueToken{rv->GetUint64(), json::string_at(doc, {"ns"}),
                       json::string_at(doc, {"start"})};
}

ApiResponse selector_error(const std::string& message) {
  return ApiResponse::error(ApiError::bad_request(message));
}

}  // namespace

ApiResponse object_response(int status, const ApiRequest& request, const ResourceType& type,
                            const StoredObject& object) {
  if (table::wanted(request.accept) && request.method == "GET") {
    ApiResponse r;
    r.status = status;
    r.body = table::render(
        type, {&object},
        "{\"resourceVersion\":\"" + std::to_string(object.resource_version) + "\"}",
        table::parse_include_object(request.param("includeObject").value_or("")), true);
    return r;
  }
  return ApiResponse::json(status, object.text);
}

ApiResponse get_object(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                       const ResourceType& type) {
  ObjectPtr object = state.store.get(type.storage_key(), ref.ns, ref.name);
  if (!object) return ApiResponse::error(ApiError::not_found(type.group, type.plural, ref.name));
  return object_response(200, request, type, *object);
}

ApiResponse list_objects(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                         const ResourceType& type) {
  std::string error;
  auto labels = LabelSelector::parse(request.param("labelSelector").value_or(""), &error);
  if (!labels) return selector_error(error);
  auto fields =
      FieldSelector::parse(request.param("fieldSelector").value_or(""), type.kind, &error);
  if (!fields) return selector_error(error);

  std::uint64_t limit = 0;
  if (auto text = request.param("limit"); text && !text->empty()) {
    auto parsed = parse_u64(*text);
    if (!parsed) return selector_error("invalid limit: " + *text);
    limit = *parsed;
  }
  std::uint64_t list_rv = state.store.current_rv();
  std::optional<std::pair<std::string, std::string>> after;
  if (auto cont = request.param("continue"); cont && !cont->empty()) {
    auto token = decode_continue(*cont);
    if (!token) return selector_error("continue key is not valid: " + *cont);
    if (state.faults.expire_lists() && token->rv <= state.store.compacted_rv()) {
      return ApiResponse::error(ApiError::expired(
          "The provided continue parameter is too old to display a consistent list result. "
          "You can start a new list without the continue parameter."));
    }
    list_rv = token->rv;
    after = std::make_pair(token->ns, token->name);
  } else if (auto rv_text = request.param("resourceVersion");
             rv_text && !rv_text->empty() && *rv_text != "0") {
    auto rv = parse_u64(*rv_text);
    if (!rv) return selector_error("invalid resourceVersion: " + *rv_text);
    if (state.faults.expire_lists() && *rv < state.store.compacted_rv()) {
      return ApiResponse::error(ApiError::expired("too old resource version: " + *rv_text + " (" +
                                                  std::to_string(state.store.compacted_rv()) +
                                                  ")"));
    }
  }

  auto candidates = state.store.list(type.storage_key(), ref.ns, after ? &*after : nullptr);
  std::vector<const StoredObject*> items;
  std::string next_continue;
  std::size_t remaining = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const ObjectPtr& o = candidates[i];
    if (!labels->matches(o->doc) || !fields->matches(o->doc)) continue;
    if (limit > 0 && items.size() == limit) {
      const StoredObject* last = items.back();
      next_continue =
          encode_continue({list_rv, json::string_at(last->doc, {"metadata", "namespace"}),
                           json::string_at(last->doc, {"metadata", "name"})});
      remaining = candidates.size() - i;
      break;
    }
    items.push_back(o.get());
  }
  std::string metadata = "{\"resourceVersion\":\"" + std::to_string(list_rv) + "\"";
  if (!next_continue.empty()) {
    metadata += ",\"continue\":" + json::quote(next_continue);
    // Like kube-apiserver: only exact without selectors.
    if (labels->empty() && fields->empty()) {
      metadata += ",\"remainingItemCount\":" + std::to_string(remaining);
    }
  }
  metadata += "}";
  ApiResponse r;
  if (table::wanted(request.accept)) {
    r.body = table::render(type, items, metadata,
                           table::parse_include_object(request.param("includeObject").value_or("")),
                           true);
    return r;
  }
  std::size_t size = 128;
  for (const StoredObject* o : items)
    size += o->text.size() + 1;
  r.body.reserve(size);
  r.body = "{\"kind\":" + json::quote(type.list_kind()) +
           ",\"apiVersion\":" + json::quote(type.api_version()) + ",\"metadata\":" + metadata +
           ",\"items\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) r.body += ",";
    r.body += items[i]->text;
  }
  r.body += "]}";
  return r;
}

ApiResponse start_watch(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                        const std::shared_ptr<const ResourceType>& type) {
  std::string error;
  auto labels = LabelSelector::parse(request.param("labelSelector").value_or(""), &error);
  if (!labels) return selector_error(error);
  std::string field_text = request.param("fieldSelector").value_or("");
  if (!ref.name.empty()) {
    // GET .../<name>?watch=true watches that one object.
    field_text = "metadata.name=" + ref.name + (field_text.empty() ? "" : "," + field_text);
  }
  auto fields = FieldSelector::parse(field_text, type->kind, &error);
  if (!fields) return selector_error(error);

  auto spec = std::make_shared<WatchSpec>();
  spec->type = type;
  spec->ns = ref.ns;
  spec->labels = std::move(*labels);
  spec->fields = std::move(*fields);
  spec->bookmarks = request.flag("allowWatchBookmarks");
  spec->as_table = table::wanted(request.accept);
  spec->include = table::parse_include_object(request.param("includeObject").value_or(""));
  spec->expire_epoch = state.expire_epoch;
  spec->close_epoch = state.close_epoch;
  std::int64_t timeout_seconds = state.options.default_watch_timeout.count();
  if (auto t = request.param("timeoutSeconds"); t && !t->empty()) {
    auto parsed = parse_u64(*t);
    if (!parsed) return selector_error("invalid timeoutSeconds: " + *t);
    timeout_seconds =
        static_cast<std::int64_t>(std::min<std::uint64_t>(*parsed, kMaxWatchTimeoutSeconds));
  }
  spec->timeout = std::chrono::seconds(timeout_seconds);

  std::string rv_text = request.param("resourceVersion").value_or("");
  bool send_initial = request.flag("sendInitialEvents");
  if (rv_text.empty() || rv_text == "0" || send_initial) {
    // Start at "now" with synthetic ADDED events for what exists.
    spec->cursor = state.store.current_rv();
    for (const ObjectPtr& o : state.store.list(type->storage_key(), ref.ns)) {
      if (spec->labels.matches(o->doc) && spec->fields.matches(o->doc)) {
        append_event(*spec, "ADDED", *o, spec->initial);
      }
    }
    if (send_initial && spec->bookmarks) {
      spec->initial += bookmark_line(*spec, spec->cursor, true);
    }
  } else {
    auto rv = parse_u64(rv_text);
    if (!rv) return selector_error("invalid resourceVersion: " + rv_text);
    spec->cursor = *rv;
    std::vector<const ChangeEvent*> ignored;
    if (*rv > state.store.current_rv()) {
      // kube-apiserver waits briefly for a future version, then gives up.
      return ApiResponse::error({504, "Timeout",
                                 "Too large resource version: " + rv_text +
                                     ", current: " + std::to_string(state.store.current_rv())});
    }
    if (!state.store.events_after(*rv, ignored)) {
      ApiError expired = ApiError::expired("too old resource version: " + rv_text + " (" +
                                           std::to_string(state.store.compacted_rv()) + ")");
      if (state.faults.watch_faults().expired_as_http_status) return ApiResponse::error(expired);
      spec->initial = error_line(expired);
      spec->end_after_initial = true;
    }
  }
  {
    std::lock_guard lock(state.stats_mutex);
    ++state.stats.watches_opened;
  }
  ApiResponse r;
  r.watch = std::move(spec);
  return r;
}

}  // namespace trove::fakeapi
