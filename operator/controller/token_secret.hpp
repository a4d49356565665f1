// The sidecars' admin token Secret of one namespace, owned by the operator
// so that no chart has to generate it (a `lookup` is empty under GitOps
// tools, which would change the token on every sync). Only the leader
// reconciles, so only the leader writes.
//
// - Missing: created with a random token, labelled as the operator's
//   (kLabelManagedBy) and marked trove.dev/rotated.
// - The operator's own Secret whose trove.dev/rotate annotation differs from
//   trove.dev/rotated: a new token, and rotated := rotate. The kubelet
//   updates the mounted file and the sidecar re-reads it, so no pod
//   restarts; tuning pushes get 401 until the kubelet has synced.
// - A Secret the user made (no operator label, e.g. a chart's existingSecret):
//   read only.
#pragma once

#include <string>

#include "kube/client.hpp"

namespace trove::controller {

inline constexpr const char* kRotateAnnotation = "trove.dev/rotate";
inline constexpr const char* kRotatedAnnotation = "trove.dev/rotated";
inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedByValue = "trove-operator";

enum class TokenSecretAction { kRead, kCreated, kRotated };

struct TokenSecretResult {
  std::string token;  // trailing whitespace stripped; empty on error
  TokenSecretAction action = TokenSecretAction::kRead;
  std::string error;
};

// Reads ns/name's data[key]; with manage, creates or rotates it as above.
TokenSecretResult ensure_token_secret(kube::Client& client, const std::string& ns,
                                      const std::string& name, const std::string& key, bool manage);

// 32 random bytes (OpenSSL) as 64 hex digits: safe in a file, a header and
// a shell.
std::string random_token();

}  // namespace trove::controller
