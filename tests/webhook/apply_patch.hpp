// A test-side RFC 6902 "add" applier, written from the RFC rather than from
// webhook/json_patch.cpp, so the tests check what an API server would make
// of the patch: escaped tokens (~0 ~1) resolve to one member, "-" appends,
// an index inserts, and a missing parent fails.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <string>

#include "test_json.hpp"

namespace trove::webhook::test {

inline bool apply_add(rapidjson::Document& doc, const std::string& path,
                      const rapidjson::Value& value) {
  auto& a = doc.GetAllocator();
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return false;
  rapidjson::Pointer parent_ptr(path.substr(0, slash).c_str());
  const rapidjson::Pointer full(path.c_str());
  if (!parent_ptr.IsValid() || !full.IsValid() || full.GetTokenCount() == 0) return false;
  rapidjson::Value* parent = parent_ptr.Get(doc);
  if (parent == nullptr) return false;
  const auto& last = full.GetTokens()[full.GetTokenCount() - 1];
  rapidjson::Value copy(value, a);
  if (parent->IsObject()) {
    const std::string key(last.name, last.length);
    parent->RemoveMember(key.c_str());
    parent->AddMember(rapidjson::Value(key.c_str(), a), copy, a);
    return true;
  }
  if (!parent->IsArray()) return false;
  if (std::string(last.name, last.length) == "-") {
    parent->PushBack(copy, a);
    return true;
  }
  if (last.index == rapidjson::kPointerInvalidIndex || last.index > parent->Size()) return false;
  rapidjson::Value rebuilt(rapidjson::kArrayType);
  for (rapidjson::SizeType i = 0; i <= parent->Size(); ++i) {
    if (i == last.index) rebuilt.PushBack(copy, a);
    if (i < parent->Size()) rebuilt.PushBack((*parent)[i], a);
  }
  *parent = rebuilt;
  return true;
}

// Applies a patch of "add" operations to `doc`; fails the test on anything else.
inline void apply_patch(rapidjson::Document& doc, const std::string& patch_json) {
  auto patch = test_json::json(patch_json);
  ASSERT_TRUE(patch.IsArray()) << patch_json;
  for (const auto& op : patch.GetArray()) {
    ASSERT_STREQ(op["op"].GetString(), "add");
    ASSERT_TRUE(apply_add(doc, op["path"].GetString(), op["value"])) << op["path"].GetString();
  }
}

}  // namespace trove::webhook::test
