#include "webhook/admission_review.hpp"

#include "trove/common/json.hpp"
#include "webhook/base64.hpp"

namespace trove::webhook {
namespace {

using common::find_member;
using common::string_member;

constexpr std::string_view kApiVersion = "admission.k8s.io/v1";
constexpr std::string_view kReviewKind = "AdmissionReview";
constexpr int kRefusedCode = 400;

std::string member_or_empty(const rapidjson::Value* object, std::string_view name) {
  return std::string(string_member(object, name).value_or(""));
}

std::optional<std::string> check_envelope(const rapidjson::Document& doc) {
  if (string_member(doc, "apiVersion") != kApiVersion) {
    return "apiVersion is not \"admission.k8s.io/v1\"";
  }
  if (string_member(doc, "kind") != kReviewKind) return "kind is not \"AdmissionReview\"";
  const auto* request = find_member(doc, "request");
  if (request == nullptr || !request->IsObject()) return "request is missing";
  const auto uid = string_member(request, "uid");
  if (!uid || uid->empty()) return "request.uid is missing";
  if (uid->size() > kMaxUidBytes) return "request.uid is longer than 128 bytes";
  const auto* kind = find_member(request, "kind");
  if (kind == nullptr || !kind->IsObject()) return "request.kind is missing";
  if (!string_member(request, "operation")) return "request.operation is missing";
  return std::nullopt;
}

}  // namespace

std::variant<AdmissionRequest, ReviewError> decode_admission_review(std::string_view body) {
  if (body.size() > kMaxReviewBytes) {
    return ReviewError{"AdmissionReview of " + std::to_string(body.size()) + " bytes is over the " +
                       std::to_string(kMaxReviewBytes) + "-byte limit"};
  }
  auto doc = std::make_shared<rapidjson::Document>();
  if (auto error = common::parse_json(body, *doc)) {
    return ReviewError{"AdmissionReview is not JSON: " + *error};
  }
  if (auto error = check_envelope(*doc)) return ReviewError{"AdmissionReview: " + *error};
  const auto* request = find_member(*doc, "request");
  const auto* kind = find_member(request, "kind");
  AdmissionRequest r;
  r.uid = member_or_empty(request, "uid");
  r.group = member_or_empty(kind, "group");
  r.version = member_or_empty(kind, "version");
  r.kind = member_or_empty(kind, "kind");
  r.resource = member_or_empty(find_member(request, "resource"), "resource");
  r.sub_resource = member_or_empty(request, "subResource");
  r.operation = member_or_empty(request, "operation");
  r.namespace_ = member_or_empty(request, "namespace");
  const auto* object = find_member(request, "object");
  r.object = object != nullptr && !object->IsNull() ? object : nullptr;
  r.review = std::move(doc);
  return r;
}

std::string_view result_label(AdmissionDecision::Result result) {
  switch (result) {
    case AdmissionDecision::Result::kInjected:
      return "injected";
    case AdmissionDecision::Result::kSkipped:
      return "skipped";
    case AdmissionDecision::Result::kRefused:
      return "refused";
  }
  return "skipped";
}

std::string encode_admission_response(std::string_view uid, const AdmissionDecision& decision) {
  common::JsonStringWriter out;
  auto& w = out.w();
  w.StartObject();
  w.Key("apiVersion");
  w.String(kApiVersion.data(), static_cast<rapidjson::SizeType>(kApiVersion.size()));
  w.Key("kind");
  w.String(kReviewKind.data(), static_cast<rapidjson::SizeType>(kReviewKind.size()));
  w.Key("response");
  w.StartObject();
  w.Key("uid");
  w.String(uid.data(), static_cast<rapidjson::SizeType>(uid.size()));
  const bool allowed = decision.result != AdmissionDecision::Result::kRefused;
  w.Key("allowed");
  w.Bool(allowed);
  if (allowed && !decision.patch.empty()) {
    const std::string patch = base64_encode(decision.patch);
    w.Key("patchType");
    w.String("JSONPatch");
    w.Key("patch");
    w.String(patch.c_str(), static_cast<rapidjson::SizeType>(patch.size()));
  }
  if (!allowed) {
    w.Key("status");
    w.StartObject();
    w.Key("code");
    w.Int(kRefusedCode);
    w.Key("message");
    w.String(decision.message.c_str(), static_cast<rapidjson::SizeType>(decision.message.size()));
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return out.str();
}

}  // namespace trove::webhook
