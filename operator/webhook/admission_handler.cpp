#include "webhook/admission_handler.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "trove/common/json.hpp"
#include "webhook/injector.hpp"

namespace trove::webhook {
namespace {

constexpr int kHttpOk = 200;
constexpr int kHttpBadRequest = 400;

std::string error_body(std::string_view message) {
  std::string out = R"({"error":)";
  common::append_json_string(out, message);
  return out + "}";
}

std::string pod_name(const AdmissionRequest& r) {
  const auto* metadata = common::find_member(r.object, "metadata");
  auto name = common::string_member(metadata, "name").value_or("");
  if (name.empty()) name = common::string_member(metadata, "generateName").value_or("");
  return r.namespace_ + "/" + std::string(name);
}

}  // namespace

AdmissionHandler::AdmissionHandler(WebhookMetrics& metrics, SidecarTemplate sidecar,
                                   bool server_supports_native)
    : metrics_(metrics),
      server_supports_native_(server_supports_native),
      sidecar_(std::make_shared<const SidecarTemplate>(std::move(sidecar))) {}

void AdmissionHandler::set_template(SidecarTemplate sidecar) {
  auto next = std::make_shared<const SidecarTemplate>(std::move(sidecar));
  std::lock_guard lock(mutex_);
  sidecar_ = std::move(next);
}

std::shared_ptr<const SidecarTemplate> AdmissionHandler::current() const {
  std::lock_guard lock(mutex_);
  return sidecar_;
}

WebhookReply AdmissionHandler::handle(std::string_view body) {
  const auto start = std::chrono::steady_clock::now();
  auto decoded = decode_admission_review(body);
  if (const auto* error = std::get_if<ReviewError>(&decoded)) {
    metrics_.error();
    spdlog::warn("webhook: {}", error->message);
    return {kHttpBadRequest, error_body(error->message)};
  }
  const auto& request = std::get<AdmissionRequest>(decoded);
  const auto sidecar = current();
  const auto decision = decide_injection(request, {sidecar.get(), server_supports_native_});
  if (decision.result == AdmissionDecision::Result::kRefused) {
    spdlog::info("webhook: refused pod {}: {}", pod_name(request), decision.message);
  } else if (decision.result == AdmissionDecision::Result::kInjected) {
    spdlog::debug("webhook: injected the sidecar into pod {}", pod_name(request));
  }
  WebhookReply reply{kHttpOk, encode_admission_response(request.uid, decision)};
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  metrics_.request(result_label(decision.result), took.count());
  return reply;
}

}  // namespace trove::webhook
