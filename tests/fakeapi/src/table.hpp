// meta.k8s.io/v1 Table rendering (kubectl get): Name, then the CRD's
// additionalPrinterColumns evaluated server-side (or Age when it has none).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kind_registry.hpp"
#include "object_store.hpp"

namespace trove::fakeapi::table {

// True when the Accept header asks for a Table (as=Table;...;g=meta.k8s.io).
bool wanted(std::string_view accept);

enum class IncludeObject { kNone, kMetadata, kObject };
IncludeObject parse_include_object(std::string_view value);

// A whole Table. list_metadata_json is the `metadata` member's JSON text.
std::string render(const ResourceType& type, const std::vector<const StoredObject*>& objects,
                   const std::string& list_metadata_json, IncludeObject include,
                   bool with_column_definitions);

// kube-apiserver's human-readable duration ("45s", "3m20s", "5h", "12d").
std::string human_duration(std::int64_t seconds);

}  // namespace trove::fakeapi::table
