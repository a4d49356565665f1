#include "net/poll_protocol.hpp"

#include <rapidjson/allocators.h>
#include <rapidjson/document.h>

#include <charconv>
#include <cstring>

#include "auth/token_verifier.hpp"
#include "trove/common/json.hpp"

namespace trove::net {

std::optional<std::uint64_t> parse_box_id(std::string_view text) noexcept {
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  std::uint64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || ptr != text.data() + text.size() || id == 0) return std::nullopt;
  return id;
}

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// `tag` without quotes or W/: "<16 hex>-<decimal>".
bool tag_names(std::string_view tag, EntityTag current) noexcept {
  if (tag.size() < kIncarnationHexDigits + 2 || tag[kIncarnationHexDigits] != '-') return false;
  std::uint64_t incarnation = 0;
  const char* hex_end = tag.data() + kIncarnationHexDigits;
  auto [hex_ptr, hex_ec] = std::from_chars(tag.data(), hex_end, incarnation, 16);
  if (hex_ec != std::errc{} || hex_ptr != hex_end) return false;
  const std::string_view number = tag.substr(kIncarnationHexDigits + 1);
  std::uint64_t version = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), version);
  return ec == std::errc{} && ptr == number.data() + number.size() &&
         incarnation == current.incarnation && version == current.version;
}

}  // namespace

void append_incarnation(std::string& out, std::uint64_t incarnation) {
  char digits[kIncarnationHexDigits];
  for (std::size_t i = kIncarnationHexDigits; i-- > 0; incarnation >>= 4)
    digits[i] = kHexDigits[incarnation & 0xfU];
  out.append(digits, kIncarnationHexDigits);
}

bool if_none_match_hits(std::string_view header, EntityTag current) noexcept {
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t'))
      tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t'))
      tag.remove_suffix(1);
    if (tag == "*") return true;
    if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
    if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
      tag = tag.substr(1, tag.size() - 2);
    }
    if (tag_names(tag, current)) return true;
  }
  return false;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 426:
      return "Upgrade Required";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

namespace {
void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ptr);
}
}  // namespace

void append_response_head(std::string& out, int status, std::string_view content_type,
                          EntityTag tag, std::size_t content_length, bool keep_alive,
                          std::string_view extra_headers) {
  out += "HTTP/1.1 ";
  append_uint(out, static_cast<std::uint64_t>(status));
  out += ' ';
  out += reason_phrase(status);
  out += "\r\nServer: trove\r\n";
  if (!content_type.empty()) {
    out += "Content-Type: ";
    out += content_type;
    out += "\r\n";
  }
  if (tag.version != 0) {
    out += "ETag: \"";
    append_incarnation(out, tag.incarnation);
    out += '-';
    append_uint(out, tag.version);
    out += "\"\r\n";
  }
  out += extra_headers;
  out += "Content-Length: ";
  append_uint(out, content_length);
  out += keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
}

std::string_view to_string(AckMode mode) noexcept {
  return mode == AckMode::kDurable ? "durable" : "memory";
}

bool is_ingest_path(std::string_view target) noexcept {
  return target.substr(0, target.find('?')) == "/v1/ingest";
}

std::optional<AckMode> parse_ingest_target(std::string_view target, AckMode server_default) {
  const std::size_t mark = target.find('?');
  if (target.substr(0, mark) != "/v1/ingest") return std::nullopt;
  if (mark == std::string_view::npos) return server_default;
  const std::string_view query = target.substr(mark + 1);
  if (query == "ack=memory") return AckMode::kMemory;
  if (query == "ack=durable") return AckMode::kDurable;
  return std::nullopt;
}

void append_ingest_ack(std::string& out, std::uint64_t seq, std::uint64_t incarnation, AckMode ack,
                       const ingest::BatchResult& result, std::string_view error) {
  out += "{\"seq\":";
  append_uint(out, seq);
  out += ",\"boot\":\"";
  append_incarnation(out, incarnation);
  out += "\",\"ack\":\"";
  out += to_string(ack);
  out += '"';
  out += ",\"accepted\":";
  append_uint(out, result.accepted);
  out += ",\"rejected\":[";
  bool first = true;
  for (const ingest::Rejection& r : result.rejections) {
    if (!first) out += ',';
    first = false;
    out += "{\"index\":";
    append_uint(out, r.index);
    out += ",\"error\":";
    common::append_json_string(out, r.reason);
    out += ",\"code\":";
    common::append_json_string(out, ingest::to_string(r.code));
    if (!r.field.empty()) {
      out += ",\"field\":";
      common::append_json_string(out, r.field);
    }
    out += '}';
  }
  out += ']';
  if (result.rejections_truncated) {
    out += ",\"rejectedTotal\":";
    append_uint(out, result.rejected);
  }
  if (!error.empty()) {
    out += ",\"error\":";
    common::append_json_string(out, error);
  }
  out += '}';
}

void append_push(std::string& out, std::uint64_t box, EntityTag tag, std::string_view payload,
                 std::uint64_t hunt_position) {
  out += "{\"op\":\"push\",\"box\":";
  append_uint(out, box);
  out += ",\"seq\":";
  append_uint(out, tag.version);
  out += ",\"boot\":\"";
  append_incarnation(out, tag.incarnation);
  out += '"';
  if (hunt_position != 0) {
    out += ",\"hpos\":";
    append_uint(out, hunt_position);
  }
  out += ",\"payload\":";
  out += payload;
  out += '}';
}

void append_boxes_synced(std::string& out, std::uint64_t pushes, SyncMode mode,
                         std::uint64_t incarnation) {
  out += "{\"op\":\"synced\",\"boxes\":";
  append_uint(out, pushes);
  out += ",\"sync\":\"";
  out += to_string(mode);
  out += "\",\"boot\":\"";
  append_incarnation(out, incarnation);
  out += "\"}";
}

std::string_view to_string(SyncMode mode) noexcept {
  return mode == SyncMode::kRecovered ? "recovered" : "full";
}

void append_synced(std::string& out, const SyncedMarker& marker) {
  out += "{\"op\":\"synced\",\"hunt\":";
  common::append_json_string(out, marker.hunt);
  out += ",\"boxes\":";
  append_uint(out, marker.boxes);
  out += ",\"sync\":\"";
  out += to_string(marker.mode);
  out += "\",\"boot\":\"";
  append_incarnation(out, marker.incarnation);
  out += "\",\"hpos\":";
  append_uint(out, marker.position);
  out += '}';
}

void append_pong(std::string& out, std::string_view id_json) {
  out += "{\"op\":\"pong\"";
  if (!id_json.empty()) {
    out += ",\"id\":";
    out += id_json;
  }
  out += '}';
}

namespace {

bool read_boxes(const rapidjson::Value& v, std::vector<std::uint64_t>& out, std::string& error) {
  if (!v.IsArray()) {
    error = "\"boxes\" must be an array of box ids";
    return false;
  }
  if (v.Size() == 0 || v.Size() > kMaxBoxesPerOp) {
    error = "\"boxes\" must hold 1 .. " + std::to_string(kMaxBoxesPerOp) + " ids";
    return false;
  }
  out.reserve(v.Size());
  for (const auto& id : v.GetArray()) {
    if (!id.IsUint64() || id.GetUint64() == 0) {
      error = "box ids are integers 1 .. 2^64-1";
      return false;
    }
    out.push_back(id.GetUint64());
  }
  return true;
}

// Clients measure round trips with ids of their own: a short string or an
// integer, echoed as JSON. Anything larger is refused so a pong stays small.
bool read_ping_id(const rapidjson::Value& v, std::string& out, std::string& error) {
  if (v.IsString() && v.GetStringLength() <= kMaxPingIdBytes) {
    common::append_json_string(out, std::string_view(v.GetString(), v.GetStringLength()));
    return true;
  }
  if (v.IsUint64()) {
    out = std::to_string(v.GetUint64());
    return true;
  }
  if (v.IsInt64()) {
    out = std::to_string(v.GetInt64());
    return true;
  }
  error = "\"id\" must be an integer or a string of at most " + std::to_string(kMaxPingIdBytes) +
          " bytes";
  return false;
}

bool read_hunt(const rapidjson::Value& v, std::string& out, std::string& error) {
  if (!v.IsString() || v.GetStringLength() == 0 || v.GetStringLength() > 64) {
    error = "\"hunt\" must be a string of 1 .. 64 bytes";
    return false;
  }
  out.assign(v.GetString(), v.GetStringLength());
  return true;
}

// A boot id as the server writes it: 16 lowercase hex digits.
bool parse_incarnation(std::string_view text, std::uint64_t& out) {
  if (text.size() != kIncarnationHexDigits) return false;
  std::uint64_t value = 0;
  for (char c : text) {
    const char* digit = std::strchr(kHexDigits, c);
    if (c == '\0' || digit == nullptr) return false;
    value = (value << 4) | static_cast<std::uint64_t>(digit - kHexDigits);
  }
  out = value;
  return true;
}

// The versions a box subscription holds: one per box, in the order of
// "boxes", each an unsigned 64-bit integer (0: none held).
bool read_versions(const rapidjson::Value& v, WsOp& op) {
  if (!v.IsArray() || v.Size() != op.boxes.size()) {
    op.error = "\"since\" of a box subscription must be an array with one version per box";
    return false;
  }
  op.versions.reserve(v.Size());
  for (const auto& version : v.GetArray()) {
    if (!version.IsUint64()) {
      op.error = "\"since\" versions are integers 0 .. 2^64-1";
      return false;
    }
    op.versions.push_back(version.GetUint64());
  }
  return true;
}

// A subscription's optional position: "since" (a hunt position, or one
// version per box) and "boot" (16 lowercase hex digits), both or neither.
template <class Document>
bool read_position(const Document& doc, bool subscribe, bool hunt, WsOp& op) {
  auto since = doc.FindMember("since");
  auto boot = doc.FindMember("boot");
  const bool has_since = since != doc.MemberEnd();
  const bool has_boot = boot != doc.MemberEnd();
  if (!has_since && !has_boot) return true;
  if (!subscribe) {
    op.error = "\"since\" and \"boot\" belong to \"subscribe\"";
    return false;
  }
  if (!has_since || !has_boot) {
    op.error = "give \"since\" and \"boot\" together: the position and its incarnation";
    return false;
  }
  if (hunt && !since->value.IsUint64()) {
    op.error = "\"since\" must be a hunt position: an integer 0 .. 2^64-1";
    return false;
  }
  if (!hunt && !read_versions(since->value, op)) return false;
  if (!boot->value.IsString() ||
      !parse_incarnation({boot->value.GetString(), boot->value.GetStringLength()}, op.boot)) {
    op.error = "\"boot\" must be a boot id: 16 lowercase hex digits";
    return false;
  }
  if (hunt) op.since = since->value.GetUint64();
  op.has_position = true;
  return true;
}

template <class Document>
WsOp& parse_auth_op(const Document& doc, WsOp& op) {
  auto token = doc.FindMember("token");
  if (token == doc.MemberEnd() || !token->value.IsString() || token->value.GetStringLength() == 0 ||
      token->value.GetStringLength() > auth::kMaxTokenBytes) {
    op.error = "\"auth\" needs \"token\": a string of 1 .. " +
               std::to_string(auth::kMaxTokenBytes) + " bytes";
    return op;
  }
  op.kind = WsOp::Kind::kAuth;
  op.token.assign(token->value.GetString(), token->value.GetStringLength());
  return op;
}

}  // namespace

namespace {
// The get every polling client sends, byte for byte as docs/design.md spells it:
// recognised without building a DOM. Anything else (spaces, other key
// order, escapes, bad ids) takes the full parse, which also words the errors.
std::optional<std::uint64_t> canonical_get(std::string_view text) noexcept {
  constexpr std::string_view kPrefix = R"({"op":"get","box":)";
  if (text.size() <= kPrefix.size() + 1 || text.substr(0, kPrefix.size()) != kPrefix ||
      text.back() != '}') {
    return std::nullopt;
  }
  return parse_box_id(text.substr(kPrefix.size(), text.size() - kPrefix.size() - 1));
}
}  // namespace

WsOp parse_ws_op(std::string_view text) {
  WsOp op;
  if (const auto box = canonical_get(text)) {
    op.kind = WsOp::Kind::kGet;
    op.box = *box;
    return op;
  }
  // Small ops parse with no heap allocation: the DOM lives in a stack buffer.
  char pool[2048];
  rapidjson::MemoryPoolAllocator<> allocator(pool, sizeof pool);
  rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>> doc(&allocator);
  // Iterative: a hostile frame of nested brackets cannot exhaust the stack.
  // Encoding-validated: a binary frame is not UTF-8 checked by the framing,
  // and strings of an op (a ping's id, a hunt) are echoed in text frames,
  // which must be valid UTF-8 (RFC 6455 section 8.1).
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                    text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    op.error = "expected a JSON object with \"op\"";
    return op;
  }
  auto opv = doc.FindMember("op");
  if (opv == doc.MemberEnd() || !opv->value.IsString()) {
    op.error = "missing \"op\"";
    return op;
  }
  std::string_view name(opv->value.GetString(), opv->value.GetStringLength());
  auto box = doc.FindMember("box");
  auto boxes = doc.FindMember("boxes");
  auto hunt = doc.FindMember("hunt");
  if (name == "get") {
    if (box == doc.MemberEnd() || !box->value.IsUint64() || box->value.GetUint64() == 0) {
      op.error = "\"get\" needs \"box\": an integer 1 .. 2^64-1";
      return op;
    }
    op.kind = WsOp::Kind::kGet;
    op.box = box->value.GetUint64();
    return op;
  }
  if (name == "auth") return parse_auth_op(doc, op);
  if (name == "ping") {
    auto id = doc.FindMember("id");
    if (id != doc.MemberEnd() && !read_ping_id(id->value, op.ping_id, op.error)) return op;
    op.kind = WsOp::Kind::kPing;
    return op;
  }
  const bool subscribe = name == "subscribe";
  if (!subscribe && name != "unsubscribe") {
    op.error = "unknown op (get | subscribe | unsubscribe | ping | auth)";
    return op;
  }
  if (boxes != doc.MemberEnd() && hunt != doc.MemberEnd()) {
    op.error = "give either \"boxes\" or \"hunt\", not both";
    return op;
  }
  if (hunt == doc.MemberEnd() && boxes == doc.MemberEnd() &&
      (doc.FindMember("since") != doc.MemberEnd() || doc.FindMember("boot") != doc.MemberEnd())) {
    op.error = "\"since\" and \"boot\" go with \"boxes\" or \"hunt\"";
    return op;
  }
  if (boxes != doc.MemberEnd()) {
    if (!read_boxes(boxes->value, op.boxes, op.error)) return op;
    if (!read_position(doc, subscribe, false, op)) return op;
    op.kind = subscribe ? WsOp::Kind::kSubscribeBoxes : WsOp::Kind::kUnsubscribeBoxes;
  } else if (hunt != doc.MemberEnd()) {
    if (!read_hunt(hunt->value, op.hunt, op.error)) return op;
    if (!read_position(doc, subscribe, true, op)) return op;
    op.kind = subscribe ? WsOp::Kind::kSubscribeHunt : WsOp::Kind::kUnsubscribeHunt;
  } else if (!subscribe) {
    op.kind = WsOp::Kind::kUnsubscribeAll;
  } else {
    op.error = "\"subscribe\" needs \"boxes\" or \"hunt\"";
  }
  return op;
}

}  // namespace trove::net
