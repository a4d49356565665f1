#include "controller/token_secret.hpp"

#include <openssl/rand.h>

#include <cctype>
#include <stdexcept>

#include "kube/config.hpp"
#include "kube/errors.hpp"
#include "trove/common/json.hpp"

namespace trove::controller {

namespace {

constexpr std::size_t kTokenBytes = 32;

kube::ResourceType secrets() {
  return {"", "v1", "secrets", true};
}

std::string json_quote(const std::string& s) {
  // Names, keys, annotation values and hex tokens: Kubernetes restricts
  // names and keys; annotation values may hold anything, so escape.
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[(c >> 4) & 0xf];
      out += kHex[c & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string annotation(const kube::KubeObject& secret, const char* name) {
  const rapidjson::Value* annotations = common::find_member(secret.at("/metadata"), "annotations");
  if (annotations == nullptr) return "";
  const rapidjson::Value* v = common::find_member(*annotations, name);
  return v != nullptr && v->IsString() ? v->GetString() : "";
}

bool managed_by_operator(const kube::KubeObject& secret) {
  const rapidjson::Value* labels = common::find_member(secret.at("/metadata"), "labels");
  const rapidjson::Value* v = labels ? common::find_member(*labels, kManagedByLabel) : nullptr;
  return v != nullptr && v->IsString() && std::string_view(v->GetString()) == kManagedByValue;
}

TokenSecretResult token_of(const kube::KubeObject& secret, const std::string& where,
                           const std::string& key) {
  TokenSecretResult r;
  const rapidjson::Value* data = common::find_member(secret.json(), "data");
  const rapidjson::Value* encoded = data ? common::find_member(*data, key) : nullptr;
  if (encoded == nullptr || !encoded->IsString()) {
    r.error = where + " has no data key " + key;
    return r;
  }
  r.token = kube::base64_decode(encoded->GetString());
  // A token file written with `echo` ends in a newline; the sidecar strips it too.
  while (!r.token.empty() && std::isspace(static_cast<unsigned char>(r.token.back()))) {
    r.token.pop_back();
  }
  if (r.token.empty()) r.error = where + " key " + key + " is empty";
  return r;
}

kube::KubeObject create_secret(kube::Client& client, const std::string& ns, const std::string& name,
                               const std::string& key) {
  const std::string body =
      R"({"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":{"name":)" +
      json_quote(name) + ",\"namespace\":" + json_quote(ns) + ",\"labels\":{" +
      json_quote(kManagedByLabel) + ":" + json_quote(kManagedByValue) + "}},\"stringData\":{" +
      json_quote(key) + ":" + json_quote(random_token()) + "}}";
  try {
    return client.create(secrets(), ns, body);
  } catch (const kube::ApiError& e) {
    // Made meanwhile (a previous leader, a user): read what is there.
    if (e.kind() != kube::ErrorKind::kAlreadyExists) throw;
    return client.get(secrets(), ns, name);
  }
}

// A new token, conditional on the version read: a concurrent change is a
// 409, and the reconcile that sees it retries.
kube::KubeObject rotate_secret(kube::Client& client, const kube::KubeObject& secret,
                               const std::string& key, const std::string& wanted) {
  const std::string body =
      R"({"metadata":{"resourceVersion":)" + json_quote(std::string(secret.resource_version())) +
      ",\"annotations\":{" + json_quote(kRotatedAnnotation) + ":" + json_quote(wanted) +
      "}},\"stringData\":{" + json_quote(key) + ":" + json_quote(random_token()) + "}}";
  return client.patch(secrets(), secret.namespace_(), secret.name(), kube::PatchType::kMerge, body);
}

}  // namespace

std::string random_token() {
  unsigned char bytes[kTokenBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * kTokenBytes);
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

TokenSecretResult ensure_token_secret(kube::Client& client, const std::string& ns,
                                      const std::string& name, const std::string& key,
                                      bool manage) {
  const std::string where = "token secret " + ns + "/" + name;
  TokenSecretAction action = TokenSecretAction::kRead;
  try {
    std::optional<kube::KubeObject> secret;
    try {
      secret.emplace(client.get(secrets(), ns, name));
    } catch (const kube::ApiError& e) {
      if (!manage || e.kind() != kube::ErrorKind::kNotFound) throw;
      secret.emplace(create_secret(client, ns, name, key));
      action = TokenSecretAction::kCreated;
    }
    const std::string wanted = annotation(*secret, kRotateAnnotation);
    if (manage && action == TokenSecretAction::kRead && managed_by_operator(*secret) &&
        !wanted.empty() && wanted != annotation(*secret, kRotatedAnnotation)) {
      secret.emplace(rotate_secret(client, *secret, key, wanted));
      action = TokenSecretAction::kRotated;
    }
    TokenSecretResult r = token_of(*secret, where, key);
    r.action = action;
    return r;
  } catch (const std::exception& e) {
    TokenSecretResult r;
    r.error = where + ": " + e.what();
    return r;
  }
}

}  // namespace trove::controller
