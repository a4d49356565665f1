// YAML request bodies (application/apply-patch+yaml may be real YAML; kubectl
// sends JSON, which is YAML too) converted to JSON.
#pragma once

#include <string>
#include <string_view>

#include "json_util.hpp"

namespace trove::fakeapi {

// JSON is parsed directly; anything else goes through yaml-cpp. Plain
// scalars become null, booleans and numbers as YAML 1.2's core schema says;
// quoted ones stay strings.
bool parse_json_or_yaml(std::string_view text, json::Document& out, std::string* error);

}  // namespace trove::fakeapi
