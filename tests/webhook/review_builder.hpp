// AdmissionReview v1 bodies for the tests, as the API server sends them.
#pragma once

#include <string>

namespace trove::webhook::test {

inline std::string pod_review(const std::string& pod, const std::string& operation = "CREATE",
                              const std::string& kind = "Pod") {
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
    "uid":"705ab4f5-6393-11e8-b7cc-42010a800002",
    "kind":{"group":"","version":"v1","kind":")" +
         kind + R"("},
    "resource":{"group":"","version":"v1","resource":"pods"},
    "namespace":"games","operation":")" +
         operation + R"(","object":)" + pod + "}}";
}

}  // namespace trove::webhook::test
