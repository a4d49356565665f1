// AdmissionReview v1 (admission.k8s.io/v1) as the API server sends it to a
// mutating webhook, and the answer it expects. Decoding checks size, shape
// and the request fields the injector reads; everything else in the review
// is left alone.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace trove::webhook {

// The API server caps an object at 1.5 MiB (etcd's request limit) and a
// review carries at most object + oldObject; 4 MiB leaves room for both and
// the envelope, and bounds what a hostile client makes the operator parse.
inline constexpr std::size_t kMaxReviewBytes = 4u << 20;
// Kubernetes uids are 36 bytes; the answer echoes it, so it is bounded.
inline constexpr std::size_t kMaxUidBytes = 128;

struct AdmissionRequest {
  std::shared_ptr<const rapidjson::Document> review;  // owns `object`
  std::string uid;
  std::string group;  // request.kind.group ("" for core)
  std::string version;
  std::string kind;
  std::string resource;      // request.resource.resource
  std::string sub_resource;  // request.subResource
  std::string operation;     // CREATE, UPDATE, DELETE, CONNECT
  std::string namespace_;
  const rapidjson::Value* object = nullptr;  // request.object; nullptr when absent or null
};

struct ReviewError {
  std::string message;  // answered with HTTP 400
};

std::variant<AdmissionRequest, ReviewError> decode_admission_review(std::string_view body);

struct AdmissionDecision {
  enum class Result { kInjected, kSkipped, kRefused };
  Result result = Result::kSkipped;
  std::string message;  // why refused (kRefused) or skipped
  std::string patch;    // JSON Patch text; empty: no patch
};

// The metric label of a result: "injected", "skipped", "refused".
std::string_view result_label(AdmissionDecision::Result result);

// {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{...}}
// with the uid echoed, allowed, a base64 JSONPatch, or a status message
// (code 400) when refused.
std::string encode_admission_response(std::string_view uid, const AdmissionDecision& decision);

}  // namespace trove::webhook
