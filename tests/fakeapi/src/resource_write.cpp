// Writes: create, update, patch (merge, JSON, apply, strategic), delete.
// Semantics follow kube-apiserver's generic registry: status only through
// /status, generation bumps on spec changes, no-op writes change nothing,
// finalizers hold deletion.

#include "crd.hpp"
#include "resources.hpp"
#include "schema.hpp"
#include "strategic_merge.hpp"
#include "yaml_body.hpp"

namespace trove::fakeapi {

namespace {

struct Write {
  ApiState& state;
  const ApiRequest& request;
  const ResourceRef& ref;
  const ResourceType& type;
  bool dry_run = false;
  std::vector<std::string> warnings;
};

ApiResponse fail(const ApiError& e) {
  return ApiResponse::error(e);
}

// A DNS-1123 subdomain, as kube-apiserver requires of most names: dot
// separated labels of [a-z0-9-] that start and end alphanumeric.
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    std::size_t end = dot == std::string::npos ? name.size() : dot;
    if (end == start || !alnum(name[start]) || !alnum(name[end - 1])) return false;
    for (std::size_t i = start; i < end; ++i) {
      if (!alnum(name[i]) && name[i] != '-') return false;
    }
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

// Fills in or checks apiVersion and kind.
std::optional<ApiError> check_type_meta(json::Document& doc, const ResourceType& type,
                                        bool required) {
  auto& a = doc.GetAllocator();
  std::string api_version = json::string_at(doc, {"apiVersion"});
  std::string kind = json::string_at(doc, {"kind"});
  if (required && (api_version.empty() || kind.empty())) {
    return ApiError::bad_request("apiVersion and kind must be set");
  }
  if (!api_version.empty() && api_version != type.api_version()) {
    return ApiError::bad_request("the API version in the data (" + api_version +
                                 ") does not match the expected API version (" +
                                 type.api_version() + ")");
  }
  if (!kind.empty() && kind != type.kind) {
    return ApiError::bad_request("the kind in the data (" + kind +
                                 ") does not match the expected kind (" + type.kind + ")");
  }
  json::set(doc, "apiVersion", json::str(type.api_version(), a), a);
  json::set(doc, "kind", json::str(type.kind, a), a);
  return std::nullopt;
}

std::optional<json::Document> parse_body(const std::string& body, bool allow_yaml,
                                         std::string* error) {
  json::Document doc;
  bool ok = allow_yaml ? parse_json_or_yaml(body, doc, error) : json::parse(body, doc, error);
  if (!ok) return std::nullopt;
  return doc;
}

// Schema defaults, pruning and checks for custom resources; the kind
// specific rules of built-ins.
std::optional<ApiError> admit(Write& w, json::Document& doc) {
  auto& a = doc.GetAllocator();
  std::string name = json::string_at(doc, {"metadata", "name"});
  if (w.type.custom && w.type.schema) {
    schema::apply_defaults(doc, *w.type.schema, a);
    auto pruned = schema::prune(doc, *w.type.schema);
    std::string mode = w.request.param("fieldValidation").value_or("Warn");
    for (const std::string& path : pruned) {
      std::string field = path.empty() ? path : path.substr(1);
      if (mode == "Strict") {
        return ApiError::bad_request("strict decoding error: unknown field \"" + field + "\"");
      }
      if (mode == "Warn") w.warnings.push_back("unknown field \"" + field + "\"");
    }
    auto violations = schema::validate(doc, *w.type.schema);
    if (!violations.empty()) {
      ApiError e = ApiError::invalid(w.type.group, w.type.kind, name, violations[0].field,
                                     violations[0].message);
      std::string causes = "[";
      std::string message;
      for (std::size_t i = 0; i < violations.size(); ++i) {
        if (i > 0) {
          causes += ",";
          message += ", ";
        }
        causes += R"({"reason":"FieldValueInvalid","message":)" +
                  json::quote(violations[i].message) +
                  ",\"field\":" + json::quote(violations[i].field) + "}";
        message += violations[i].field + ": " + violations[i].message;
      }
      e.causes_json = causes + "]";
      e.message = w.type.kind + " \"" + name +
                  "\" is invalid: " + (violations.size() > 1 ? "[" + message + "]" : message);
      return e;
    }
  }
  if (w.type.group == "apiextensions.k8s.io" && w.type.plural == "customresourcedefinitions") {
    return crd::prepare(doc, a);
  }
  if (w.type.group.empty() && w.type.plural == "secrets") {
    // kube-apiserver folds stringData into data (base64) and drops it.
    if (json::Value* string_data = json::find(doc, "stringData");
        string_data && string_data->IsObject()) {
      json::Value& data = json::ensure_object(doc, "data", a);
      for (const auto& m : string_data->GetObject()) {
        if (!m.value.IsString()) continue;
        json::set(
            data, std::string_view(m.name.GetString(), m.name.GetStringLength()),
            json::str(
                base64_encode(std::string_view(m.value.GetString(), m.value.GetStringLength())), a),
            a);
      }
      json::remove(doc, "stringData");
    }
  }
  return std::nullopt;
}

// Equal apart from metadata (and status, when it has its own subresource).
bool spec_equal(const json::Value& a, const json::Value& b, bool skip_status) {
  auto counted = [&](const json::Value& v) {
    std::size_t n = 0;
    for (const auto& m : v.GetObject()) {
      std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (key != "metadata" && !(skip_status && key == "status")) ++n;
    }
    return n;
  };
  if (counted(a) != counted(b)) return false;
  for (const auto& m : a.GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "metadata" || (skip_status && key == "status")) continue;
    const json::Value* other = json::find(b, key);
    if (other == nullptr || *other != m.value) return false;
  }
  return true;
}

void stamp_rv(json::Document& doc, std::uint64_t rv) {
  auto& a = doc.GetAllocator();
  json::set(json::ensure_object(doc, "metadata", a), "resourceVersion",
            json::str(std::to_string(rv), a), a);
}

ApiResponse respond(Write& w, int status, const StoredObject& object) {
  ApiResponse r = object_response(status, w.request, w.type, object);
  for (const std::string& warning : w.warnings) {
    r.headers.emplace_back("Warning", "299 - " + json::quote(warning));
  }
  return r;
}

ApiResponse erase_now(Write& w, const ObjectPtr& old, json::Document&& last_state) {
  if (!w.dry_run && w.type.group == "apiextensions.k8s.io" &&
      w.type.plural == "customresourcedefinitions") {
    crd::unregister(w.state, old->doc);  // its objects go first, as in kube-apiserver
  }
  std::uint64_t rv = w.state.store.next_rv();
  stamp_rv(last_state, rv);
  ObjectPtr gone = freeze(std::move(last_state), rv);
  if (!w.dry_run) {
    w.state.store.erase(w.type.storage_key(), w.ref.ns, w.ref.name, gone);
    w.state.notify();
  }
  return respond(w, 200, *gone);
}

// The common end of update and patch: candidate is the full new object.
ApiResponse commit_update(Write& w, const ObjectPtr& old, json::Document&& candidate) {
  auto& a = candidate.GetAllocator();
  if (!candidate.IsObject()) return fail(ApiError::bad_request("the body must be a JSON object"));
  if (auto e = check_type_meta(candidate, w.type, false)) return fail(*e);
  json::Value& meta = json::ensure_object(candidate, "metadata", a);
  std::string name = json::string_at(meta, {"name"});
  if (!name.empty() && name != w.ref.name) {
    return fail(ApiError::bad_request("the name of the object (" + name +
                                      ") does not match the name on the URL (" + w.ref.name + ")"));
  }
  std::string ns = json::string_at(meta, {"namespace"});
  if (w.type.namespaced && !ns.empty() && ns != w.ref.ns) {
    return fail(
        ApiError::bad_request("the namespace of the provided object does not match the "
                              "namespace sent on the request"));
  }
  std::string old_rv = json::string_at(old->doc, {"metadata", "resourceVersion"});
  std::string wanted_rv = json::string_at(meta, {"resourceVersion"});
  if (!wanted_rv.empty() && wanted_rv != old_rv) {
    return fail(ApiError::conflict(w.type.group, w.type.plural, w.ref.name,
                                   "the object has been modified; please apply your changes to "
                                   "the latest version and try again"));
  }

  json::Document result;
  auto& ra = result.GetAllocator();
  if (w.ref.subresource == "status") {
    // Only .status changes through /status.
    result.CopyFrom(old->doc, ra);
    if (const json::Value* status = json::find(candidate, "status")) {
      json::Value copy;
      copy.CopyFrom(*status, ra);
      json::set(result, "status", std::move(copy), ra);
    } else {
      json::remove(result, "status");
    }
  } else {
    result.CopyFrom(candidate, ra);
    if (w.type.has_status) {
      // The main resource never changes .status.
      json::remove(result, "status");
      if (const json::Value* status = json::find(old->doc, "status")) {
        json::Value copy;
        copy.CopyFrom(*status, ra);
        result.AddMember("status", std::move(copy), ra);
      }
    }
    // System fields are the server's, whatever the client sent.
    json::Value& rmeta = json::ensure_object(result, "metadata", ra);
    const json::Value& ometa = *json::find(old->doc, "metadata");
    for (const char* key : {"name", "namespace", "uid", "creationTimestamp", "generation",
                            "deletionTimestamp", "deletionGracePeriodSeconds"}) {
      json::remove(rmeta, key);
      if (const json::Value* v = json::find(ometa, key)) {
        json::Value copy;
        copy.CopyFrom(*v, ra);
        rmeta.AddMember(json::str(key, ra), std::move(copy), ra);
      }
    }
    json::remove(rmeta, "selfLink");
    json::remove(rmeta, "managedFields");
  }
  if (auto e = admit(w, result)) return fail(*e);
  stamp_rv(result, old->resource_version);
  if (result == old->doc) return respond(w, 200, *old);  // a no-op write changes nothing

  json::Value& rmeta = json::ensure_object(result, "metadata", ra);
  if (!spec_equal(result, old->doc, w.type.has_status)) {
    const json::Value* generation = json::find(rmeta, "generation");
    std::int64_t next =
        (generation != nullptr && generation->IsInt64() ? generation->GetInt64() : 0) + 1;
    json::set(rmeta, "generation", json::Value(next), ra);
  }
  const json::Value* finalizers = json::find(rmeta, "finalizers");
  bool no_finalizers = finalizers == nullptr || !finalizers->IsArray() || finalizers->Empty();
  if (json::find(rmeta, "deletionTimestamp") != nullptr && no_finalizers) {
    return erase_now(w, old, std::move(result));  // the last finalizer is gone
  }
  std::uint64_t rv = w.state.store.next_rv();
  stamp_rv(result, rv);
  ObjectPtr stored = freeze(std::move(result), rv);
  if (w.dry_run) return respond(w, 200, *stored);
  if (w.type.group == "apiextensions.k8s.io" && w.type.plural == "customresourcedefinitions") {
    crd::register_kinds(w.state, stored->doc);
  }
  w.state.store.put(w.type.storage_key(), w.ref.ns, w.ref.name, stored);
  w.state.notify();
  return respond(w, 200, *stored);
}

ApiResponse commit_create(Write& w, json::Document&& doc) {
  auto& a = doc.GetAllocator();
  if (!doc.IsObject()) return fail(ApiError::bad_request("the body must be a JSON object"));
  if (auto e = check_type_meta(doc, w.type, false)) return fail(*e);
  json::Value& meta = json::ensure_object(doc, "metadata", a);
  std::string ns = json::string_at(meta, {"namespace"});
  if (w.type.namespaced) {
    if (!w.ref.ns.empty() && !ns.empty() && ns != w.ref.ns) {
      return fail(
          ApiError::bad_request("the namespace of the provided object does not match the "
                                "namespace sent on the request"));
    }
    if (!w.ref.ns.empty()) ns = w.ref.ns;
    if (ns.empty()) return fail(ApiError::bad_request("the namespace of the object is required"));
    json::set(meta, "namespace", json::str(ns, a), a);
  } else {
    ns.clear();
    json::remove(meta, "namespace");
  }
  std::string name = json::string_at(meta, {"name"});
  if (name.empty()) {
    std::string prefix = json::string_at(meta, {"generateName"});
    if (prefix.empty()) {
      return fail(ApiError::invalid(w.type.group, w.type.kind, "", "metadata.name",
                                    "Required value: name or generateName is required"));
    }
    name = prefix + w.state.random_suffix(5);
    json::set(meta, "name", json::str(name, a), a);
  }
  if (!w.ref.name.empty() && w.ref.name != name) {
    return fail(ApiError::bad_request("the name of the object (" + name +
                                      ") does not match the name on the URL (" + w.ref.name + ")"));
  }
  if (!valid_name(name)) {
    return fail(ApiError::invalid(w.type.group, w.type.kind, name, "metadata.name",
                                  "Invalid value: \"" + name +
                                      "\": a lowercase RFC 1123 subdomain must consist of lower "
                                      "case alphanumeric characters, '-' or '.'"));
  }
  if (w.state.store.get(w.type.storage_key(), ns, name)) {
    return fail(ApiError::already_exists(w.type.group, w.type.plural, name));
  }
  if (w.type.namespaced && w.state.options.strict_namespaces &&
      !w.state.store.get("/namespaces", "", ns)) {
    return fail(ApiError::not_found("", "namespaces", ns));
  }
  if (w.type.has_status) json::remove(doc, "status");  // status only through /status
  if (w.type.group.empty() && w.type.plural == "pods") {
    json::Value status(rapidjson::kObjectType);
    status.AddMember("phase", "Pending", a);
    json::set(doc, "status", std::move(status), a);
  }
  json::Value& m = json::ensure_object(doc, "metadata", a);
  for (const char* key : {"deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
                          "managedFields", "resourceVersion"}) {
    json::remove(m, key);
  }
  json::set(m, "uid", json::str(w.state.new_uid(), a), a);
  json::set(m, "creationTimestamp", json::str(rfc3339_now(), a), a);
  json::set(m, "generation", json::Value(1), a);
  if (auto e = admit(w, doc)) return fail(*e);
  std::uint64_t rv = w.state.store.next_rv();
  stamp_rv(doc, rv);
  ObjectPtr stored = freeze(std::move(doc), rv);
  if (w.dry_run) return respond(w, 201, *stored);
  if (w.type.group == "apiextensions.k8s.io" && w.type.plural == "customresourcedefinitions") {
    crd::register_kinds(w.state, stored->doc);
  }
  w.state.store.put(w.type.storage_key(), ns, name, stored);
  w.state.notify();
  return respond(w, 201, *stored);
}

Write make_write(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                 const ResourceType& type) {
  return Write{state, request, ref, type, request.param("dryRun").value_or("") == "All", {}};
}

std::string media_type(const std::string& content_type) {
  std::string out = content_type.substr(0, content_type.find(';'));
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

}  // namespace

ApiResponse create_object(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                          const ResourceType& type) {
  Write w = make_write(state, request, ref, type);
  std::string error;
  auto doc =
      parse_body(request.body, media_type(request.content_type) == "application/yaml", &error);
  if (!doc) return fail(ApiError::bad_request("error decoding the request body: " + error));
  ResourceRef create_ref = ref;
  create_ref.name.clear();
  Write cw{state, request, create_ref, type, w.dry_run, {}};
  return commit_create(cw, std::move(*doc));
}

ApiResponse update_object(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                          const ResourceType& type) {
  Write w = make_write(state, request, ref, type);
  std::string error;
  auto doc = parse_body(request.body, false, &error);
  if (!doc) return fail(ApiError::bad_request("error decoding the request body: " + error));
  ObjectPtr old = state.store.get(type.storage_key(), ref.ns, ref.name);
  if (!old) return fail(ApiError::not_found(type.group, type.plural, ref.name));
  return commit_update(w, old, std::move(*doc));
}

ApiResponse patch_object(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                         const ResourceType& type) {
  Write w = make_write(state, request, ref, type);
  std::string media = media_type(request.content_type);
  bool apply = media == "application/apply-patch+yaml";
  bool strategic = media == "application/strategic-merge-patch+json";
  if (media != "application/merge-patch+json" && media != "application/json-patch+json" && !apply &&
      !strategic) {
    return fail(ApiError::unsupported_media_type(request.content_type));
  }
  if (strategic && type.custom) return fail(ApiError::unsupported_media_type(request.content_type));
  if (apply && request.param("fieldManager").value_or("").empty()) {
    return fail(
        ApiError::bad_request("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: "
                              "Required value: is required for apply patch"));
  }
  std::string error;
  auto patch = parse_body(request.body, apply, &error);
  if (!patch) return fail(ApiError::bad_request("error decoding the patch: " + error));
  ObjectPtr old = state.store.get(type.storage_key(), ref.ns, ref.name);
  if (apply) {
    if (!patch->IsObject()) return fail(ApiError::bad_request("an apply patch must be an object"));
    if (auto e = check_type_meta(*patch, type, true)) return fail(*e);
    if (!old) {
      if (!ref.subresource.empty())
        return fail(ApiError::not_found(type.group, type.plural, ref.name));
      return commit_create(w, std::move(*patch));
    }
  }
  if (!old) return fail(ApiError::not_found(type.group, type.plural, ref.name));
  json::Document result;
  result.CopyFrom(old->doc, result.GetAllocator());
  if (media == "application/json-patch+json") {
    std::string problem = json::json_patch(result, *patch, result.GetAllocator());
    if (!problem.empty()) {
      return fail(
          ApiError{422, "Invalid",
                   "the server rejected our request due to an error in our request: " + problem});
    }
  } else {
    if (!patch->IsObject())
      return fail(ApiError::bad_request("a merge patch must be a JSON object"));
    if (strategic) {
      strategic_merge(result, *patch, result.GetAllocator());
    } else {
      // Merge patch, and the simplified server-side apply (README).
      json::merge_patch(result, *patch, result.GetAllocator());
    }
  }
  return commit_update(w, old, std::move(result));
}

ApiResponse delete_object(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                          const ResourceType& type) {
  Write w = make_write(state, request, ref, type);
  ObjectPtr old = state.store.get(type.storage_key(), ref.ns, ref.name);
  if (!old) return fail(ApiError::not_found(type.group, type.plural, ref.name));
  if (!request.body.empty()) {
    json::Document options;
    if (!json::parse(request.body, options, nullptr) || !options.IsObject()) {
      return fail(ApiError::bad_request("error decoding the DeleteOptions body"));
    }
    std::string uid = json::string_at(options, {"preconditions", "uid"});
    std::string rv = json::string_at(options, {"preconditions", "resourceVersion"});
    if ((!uid.empty() && uid != json::string_at(old->doc, {"metadata", "uid"})) ||
        (!rv.empty() && rv != std::to_string(old->resource_version))) {
      return fail(ApiError::conflict(type.group, type.plural, ref.name,
                                     "Precondition failed: the object has changed"));
    }
    if (json::string_at(options, {"dryRun"}) == "All") w.dry_run = true;
  }
  json::Document doc;
  auto& a = doc.GetAllocator();
  doc.CopyFrom(old->doc, a);
  json::Value& meta = json::ensure_object(doc, "metadata", a);
  const json::Value* finalizers = json::find(meta, "finalizers");
  if (finalizers != nullptr && finalizers->IsArray() && !finalizers->Empty()) {
    if (json::find(meta, "deletionTimestamp") != nullptr) return respond(w, 200, *old);
    json::set(meta, "deletionTimestamp", json::str(rfc3339_now(), a), a);
    json::set(meta, "deletionGracePeriodSeconds", json::Value(0), a);
    const json::Value* generation = json::find(meta, "generation");
    if (generation != nullptr && generation->IsInt64()) {
      json::set(meta, "generation", json::Value(generation->GetInt64() + 1), a);
    }
    std::uint64_t rv = state.store.next_rv();
    stamp_rv(doc, rv);
    ObjectPtr stored = freeze(std::move(doc), rv);
    if (!w.dry_run) {
      state.store.put(type.storage_key(), ref.ns, ref.name, stored);
      state.notify();
    }
    return respond(w, 200, *stored);
  }
  if (type.group.empty() && type.plural == "namespaces" && !w.dry_run) {
    // No namespace controller: its content goes at once.
    for (const std::string& key : state.store.storage_keys()) {
      if (key == "/namespaces") continue;
      for (const ObjectPtr& o : state.store.list(key, ref.name)) {
        json::Document gone;
        // Assigned, not CopyFrom: its placement new over the document hides the
        // document's allocator from clang-analyzer, which then reports a leak
        // that is not there (~GenericDocument frees it).
        static_cast<json::Value&>(gone) = json::Value(o->doc, gone.GetAllocator());
        std::uint64_t rv = state.store.next_rv();
        stamp_rv(gone, rv);
        state.store.erase(key, ref.name, json::string_at(o->doc, {"metadata", "name"}),
                          freeze(std::move(gone), rv));
      }
    }
  }
  return erase_now(w, old, std::move(doc));
}

ApiResponse delete_collection(ApiState& state, const ApiRequest& request, const ResourceRef& ref,
                              const ResourceType& type) {
  ApiRequest list_request = request;
  list_request.method = "GET";
  list_request.accept = "application/json";
  list_request.query.erase("limit");
  list_request.query.erase("continue");
  ApiResponse listed = list_objects(state, list_request, ref, type);
  if (listed.status != 200) return listed;
  json::Document list;
  json::parse(listed.body, list, nullptr);
  std::string items = "[";
  bool first = true;
  for (const auto& item : (*json::find(list, "items")).GetArray()) {
    ResourceRef one = ref;
    one.ns = json::string_at(item, {"metadata", "namespace"});
    one.name = json::string_at(item, {"metadata", "name"});
    ApiRequest delete_request = request;
    delete_request.method = "DELETE";
    ApiResponse r = delete_object(state, delete_request, one, type);
    if (r.status != 200) continue;
    items += (first ? "" : ",") + r.body;
    first = false;
  }
  items += "]";
  return ApiResponse::json(
      200, "{\"kind\":" + json::quote(type.list_kind()) + ",\"apiVersion\":" +
               json::quote(type.api_version()) + ",\"metadata\":{\"resourceVersion\":\"" +
               std::to_string(state.store.current_rv()) + "\"},\"items\":" + items + "}");
}

}  // namespace trove::fakeapi
