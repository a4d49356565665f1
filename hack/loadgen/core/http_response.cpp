#include "http_response.hpp"

#include <algorithm>
#include <charconv>

namespace trove::loadgen {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool contains_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (iequals(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

HttpResponse fail(HttpError e) {
  HttpResponse r;
  r.state = HttpResponse::State::kError;
  r.error = e;
  return r;
}

}  // namespace

const char* to_string(HttpError e) {
  switch (e) {
    case HttpError::kNone:
      return "none";
    case HttpError::kBadStatusLine:
      return "bad_status_line";
    case HttpError::kBadHeader:
      return "bad_header";
    case HttpError::kHeaderTooLarge:
      return "header_too_large";
    case HttpError::kBadLength:
      return "bad_content_length";
    case HttpError::kBodyTooLarge:
      return "body_too_large";
    case HttpError::kUnsupported:
      return "unsupported_framing";
  }
  return "unknown";
}

HttpResponse parse_http_response(std::string_view data, const HttpLimits& limits) {
  HttpResponse r;
  const auto end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (data.size() > limits.max_header_bytes) return fail(HttpError::kHeaderTooLarge);
    // Refuse garbage as soon as the first bytes cannot be a status line.
    const std::string_view prefix = "HTTP/1.";
    const auto n = std::min(prefix.size(), data.size());
    if (data.substr(0, n) != prefix.substr(0, n)) return fail(HttpError::kBadStatusLine);
    return r;
  }
  if (end + 4 > limits.max_header_bytes) return fail(HttpError::kHeaderTooLarge);
  r.header_bytes = end + 4;
  std::string_view head = data.substr(0, end);

  // Status line: HTTP/1.x SP 3DIGIT [SP reason]
  const auto line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
      (status_line[7] != '0' && status_line[7] != '1') || status_line[8] != ' ' ||
      (status_line.size() > 12 && status_line[12] != ' '))
    return fail(HttpError::kBadStatusLine);
  for (int i = 9; i < 12; ++i)
    if (status_line[static_cast<std::size_t>(i)] < '0' ||
        status_line[static_cast<std::size_t>(i)] > '9')
      return fail(HttpError::kBadStatusLine);
  r.status = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
  if (r.status < 100) return fail(HttpError::kBadStatusLine);
  const bool http10 = status_line[7] == '0';

  bool have_length = false;
  std::uint64_t length = 0;
  bool chunked = false;
  std::string_view rest =
      line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
    for (const char c : line)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
        return fail(HttpError::kBadHeader);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail(HttpError::kBadHeader);
    const std::string_view name = line.substr(0, colon);
    if (name.find_first_of(" \t") != std::string_view::npos) return fail(HttpError::kBadHeader);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::uint64_t v = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (value.empty() || ec != std::errc{} || p != value.data() + value.size())
        return fail(HttpError::kBadLength);
      if (have_length && v != length) return fail(HttpError::kBadLength);
      have_length = true;
      length = v;
    } else if (iequals(name, "transfer-encoding")) {
      chunked = true;  // any transfer coding: the bench servers never send one
    } else if (iequals(name, "connection")) {
      r.connection = value;
      if (contains_token(value, "close")) r.connection_close = true;
    } else if (iequals(name, "upgrade")) {
      r.upgrade = value;
    } else if (iequals(name, "sec-websocket-accept")) {
      r.websocket_accept = value;
    }
  }
  if (http10 && !contains_token(r.connection, "keep-alive")) r.connection_close = true;

  const bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
  if (chunked && !bodiless) return fail(HttpError::kUnsupported);
  if (bodiless) {
    length = 0;
  } else if (!have_length) {
    return fail(HttpError::kUnsupported);  // body until close: useless for keep-alive
  }
  if (length > limits.max_body_bytes) return fail(HttpError::kBodyTooLarge);
  if (data.size() - r.header_bytes < length) return r;  // need the rest of the body
  r.body_bytes = static_cast<std::size_t>(length);
  r.body = data.substr(r.header_bytes, r.body_bytes);
  r.total_bytes = r.header_bytes + r.body_bytes;
  r.state = HttpResponse::State::kComplete;
  return r;
}

}  // namespace trove::loadgen
