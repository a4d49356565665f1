// Shared helpers for the fake's tests: JSON access and a test CRD.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <string>

#include "trove/fakeapi/fake_api_server.hpp"

namespace trove::fakeapi::testing {

inline rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << text;
  return doc;
}

// The string (or number as text) at a JSON pointer, "" if absent.
inline std::string at(const std::string& json, const char* pointer) {
  rapidjson::Document doc = parse(json);
  const rapidjson::Value* v = rapidjson::Pointer(pointer).Get(doc);
  if (v == nullptr) return "<absent>";
  if (v->IsString()) return v->GetString();
  if (v->IsInt64()) return std::to_string(v->GetInt64());
  if (v->IsBool()) return v->GetBool() ? "true" : "false";
  if (v->IsNull()) return "null";
  return "<composite>";
}

inline constexpr const char* kHuntCrd = R"({
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "hunts.test.trove.dev"},
  "spec": {"group": "test.trove.dev", "scope": "Namespaced",
    "names": {"plural": "hunts", "singular": "hunt", "kind": "Hunt", "shortNames": ["hu"], "categories": ["trove"]},
    "versions": [{"name": "v1", "served": true, "storage": true,
      "subresources": {"status": {}},
      "additionalPrinterColumns": [
        {"name": "Boxes", "type": "integer", "jsonPath": ".spec.boxes"},
        {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}],
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "required": ["boxes"], "properties": {
          "boxes": {"type": "integer"},
          "mode": {"type": "string", "default": "poll", "enum": ["poll", "push"]},
          "tuning": {"type": "object", "default": {}, "properties": {
            "epochMillis": {"type": "integer", "default": 250}}},
          "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}},
        "status": {"type": "object", "properties": {
          "observed": {"type": "integer"},
          "conditions": {"type": "array", "items": {"type": "object", "properties": {
            "type": {"type": "string"}, "status": {"type": "string"}}}}}}}}}}]}})";

inline std::string hunt(const std::string& name, int boxes) {
  return R"({"apiVersion":"test.trove.dev/v1","kind":"Hunt","metadata":{"name":")" + name +
         R"("},"spec":{"boxes":)" + std::to_string(boxes) + "}}";
}

inline constexpr const char* kHunts = "/apis/test.trove.dev/v1/namespaces/default/hunts";

}  // namespace trove::fakeapi::testing
