#include "json_util.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <vector>

#include "trove/common/json.hpp"

namespace trove::fakeapi::json {

namespace {

// Kubernetes objects nest a few dozen levels; RapidJSON and every walk over
// a document recurse, so a deeper one (an attack) would blow the stack.
constexpr int kMaxNesting = 256;

bool nesting_within_limit(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

}  // namespace

bool parse(std::string_view text, Document& out, std::string* error) {
  if (!nesting_within_limit(text)) {
    if (error != nullptr) *error = "nested deeper than " + std::to_string(kMaxNesting) + " levels";
    return false;
  }
  out.Parse(text.data(), text.size());
  if (out.HasParseError()) {
    if (error != nullptr) {
      *error = std::string(rapidjson::GetParseError_En(out.GetParseError())) + " at offset " +
               std::to_string(out.GetErrorOffset());
    }
    return false;
  }
  return true;
}

void append(const Value& v, std::string& out) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  out.append(buffer.GetString(), buffer.GetSize());
}

std::string to_string(const Value& v) {
  std::string out;
  append(v, out);
  return out;
}

std::string quote(std::string_view s) {
  Value v(rapidjson::StringRef(s.data(), static_cast<rapidjson::SizeType>(s.size())));
  return to_string(v);
}

const Value* find(const Value& obj, std::string_view key) {
  return trove::common::find_member(obj, key);
}

Value* find(Value& obj, std::string_view key) {
  return trove::common::find_member(&obj, key);
}

const Value* at(const Value& root, std::initializer_list<std::string_view> path) {
  const Value* cur = &root;
  for (std::string_view key : path) {
    cur = find(*cur, key);
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

std::string string_at(const Value& root, std::initializer_list<std::string_view> path,
                      std::string_view fallback) {
  const Value* v = at(root, path);
  if (v == nullptr || !v->IsString()) return std::string(fallback);
  return std::string(v->GetString(), v->GetStringLength());
}

void set(Value& obj, std::string_view key, Value&& v, Allocator& a) {
  if (Value* existing = find(obj, key)) {
    *existing = std::move(v);
    return;
  }
  obj.AddMember(str(key, a), std::move(v), a);
}

void remove(Value& obj, std::string_view key) {
  if (!obj.IsObject()) return;
  // EraseMember keeps the order of the other members (RemoveMember would
  // move the last one into the gap), so objects read back as written.
  obj.EraseMember(
      Value(rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
}

Value& ensure_object(Value& obj, std::string_view key, Allocator& a) {
  Value* v = find(obj, key);
  if (v == nullptr) {
    obj.AddMember(str(key, a), Value(rapidjson::kObjectType), a);
    v = find(obj, key);
  } else if (!v->IsObject()) {
    v->SetObject();
  }
  return *v;
}

void merge_patch(Value& target, const Value& patch, Allocator& a) {
  if (!patch.IsObject()) {
    target.CopyFrom(patch, a);
    return;
  }
  if (!target.IsObject()) target.SetObject();
  for (const auto& m : patch.GetObject()) {
    std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (m.value.IsNull()) {
      remove(target, key);
      continue;
    }
    Value* existing = find(target, key);
    if (existing == nullptr) {
      Value fresh(rapidjson::kObjectType);
      if (m.value.IsObject()) {
        merge_patch(fresh, m.value, a);  // drops nulls nested in the patch
      } else {
        fresh.CopyFrom(m.value, a);
      }
      target.AddMember(str(key, a), std::move(fresh), a);
    } else {
      merge_patch(*existing, m.value, a);
    }
  }
}

namespace {

// RFC 6901 pointer into reference tokens; false if malformed.
bool split_pointer(std::string_view pointer, std::vector<std::string>& tokens) {
  tokens.clear();
  if (pointer.empty()) return true;
  if (pointer.front() != '/') return false;
  std::size_t pos = 1;
  while (true) {
    std::size_t next = pointer.find('/', pos);
    std::string_view raw = pointer.substr(pos, next == std::string_view::npos ? next : next - pos);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~') {
        if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) return false;
        token.push_back(raw[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        token.push_back(raw[i]);
      }
    }
    tokens.push_back(std::move(token));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return true;
}

bool parse_index(const std::string& token, std::size_t limit, std::size_t& index) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return false;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
  return ec == std::errc() && ptr == token.data() + token.size() && index <= limit;
}

Value* resolve(Value& root, const std::vector<std::string>& tokens, std::size_t count) {
  Value* cur = &root;
  for (std::size_t i = 0; i < count; ++i) {
    if (cur->IsObject()) {
      cur = find(*cur, tokens[i]);
    } else if (cur->IsArray()) {
      std::size_t index = 0;
      if (!parse_index(tokens[i], cur->Size() - 1, index) || cur->Empty()) return nullptr;
      cur = &(*cur)[static_cast<rapidjson::SizeType>(index)];
    } else {
      return nullptr;
    }
    if (cur == nullptr) return nullptr;
  }
  return cur;
}

std::string add_at(Value& root, const std::vector<std::string>& tokens, Value&& v, Allocator& a) {
  if (tokens.empty()) {
    root = std::move(v);
    return {};
  }
  Value* parent = resolve(root, tokens, tokens.size() - 1);
  if (parent == nullptr) return "path not found";
  const std::string& last = tokens.back();
  if (parent->IsObject()) {
    set(*parent, last, std::move(v), a);
    return {};
  }
  if (!parent->IsArray()) return "parent is not a container";
  if (last == "-") {
    parent->PushBack(std::move(v), a);
    return {};
  }
  std::size_t index = 0;
  if (!parse_index(last, parent->Size(), index)) return "array index out of range";
  parent->PushBack(Value(), a);
  for (std::size_t i = parent->Size() - 1; i > index; --i) {
    (*parent)[static_cast<rapidjson::SizeType>(i)] =
        std::move((*parent)[static_cast<rapidjson::SizeType>(i - 1)]);
  }
  (*parent)[static_cast<rapidjson::SizeType>(index)] = std::move(v);
  return {};
}

std::string remove_at(Value& root, const std::vector<std::string>& tokens, Value* removed,
                      Allocator& a) {
  if (tokens.empty()) return "cannot remove the whole document";
  Value* parent = resolve(root, tokens, tokens.size() - 1);
  if (parent == nullptr) return "path not found";
  const std::string& last = tokens.back();
  if (parent->IsObject()) {
    Value* v = find(*parent, last);
    if (v == nullptr) return "path not found";
    if (removed != nullptr) removed->CopyFrom(*v, a);
    remove(*parent, last);
    return {};
  }
  if (!parent->IsArray() || parent->Empty()) return "path not found";
  std::size_t index = 0;
  if (!parse_index(last, parent->Size() - 1, index)) return "array index out of range";
  auto it = parent->Begin() + index;
  if (removed != nullptr) removed->CopyFrom(*it, a);
  parent->Erase(it);
  return {};
}

}  // namespace

std::string json_patch(Value& target, const Value& operations, Allocator& a) {
  if (!operations.IsArray()) return "a JSON patch must be an array of operations";
  std::vector<std::string> path;
  std::vector<std::string> from;
  for (const Value& op : operations.GetArray()) {
    std::string name = string_at(op, {"op"});
    const Value* path_value = find(op, "path");
    if (path_value == nullptr || !path_value->IsString()) return "operation without a path";
    if (!split_pointer(path_value->GetString(), path)) return "malformed path";
    const Value* value = find(op, "value");
    std::string error;
    if (name == "add" || name == "replace" || name == "test") {
      if (value == nullptr) return "operation " + name + " needs a value";
      if (name == "test") {
        Value* current = resolve(target, path, path.size());
        if (current == nullptr || *current != *value) return "test operation failed";
        continue;
      }
      if (name == "replace") {
        if (resolve(target, path, path.size()) == nullptr) return "replace: path not found";
        if (!path.empty()) error = remove_at(target, path, nullptr, a);
      }
      Value copy;
      copy.CopyFrom(*value, a);
      if (error.empty()) error = add_at(target, path, std::move(copy), a);
    } else if (name == "remove") {
      error = remove_at(target, path, nullptr, a);
    } else if (name == "move" || name == "copy") {
      std::string from_text = string_at(op, {"from"});
      if (find(op, "from") == nullptr || !split_pointer(from_text, from)) return "malformed from";
      Value moved;
      if (name == "move") {
        if (path.size() > from.size() && std::equal(from.begin(), from.end(), path.begin())) {
          return "cannot move a value into itself";
        }
        error = remove_at(target, from, &moved, a);
      } else {
        Value* source = resolve(target, from, from.size());
        if (source == nullptr) return "copy: from not found";
        moved.CopyFrom(*source, a);
      }
      if (error.empty()) error = add_at(target, path, std::move(moved), a);
    } else {
      return "unknown operation \"" + name + "\"";
    }
    if (!error.empty())
      return name.append(" ").append(path_value->GetString()).append(": ").append(error);
  }
  return {};
}

}  // namespace trove::fakeapi::json
