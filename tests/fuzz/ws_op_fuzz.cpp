// Fuzzes the client ops of /v1/ws (parse_ws_op, docs/api.md): an op is
// either valid with bounded contents or invalid with a reason, and the
// canonical "get" fast path agrees with a full JSON parse.
#include <rapidjson/document.h>

#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "net/poll_protocol.hpp"

namespace {

using trove::net::WsOp;

// What a full parse says the box of a "get" is; 0 when it is not one.
std::uint64_t full_parse_get_box(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return 0;
  const auto op = doc.FindMember("op");
  const auto box = doc.FindMember("box");
  if (op == doc.MemberEnd() || !op->value.IsString() || op->value != "get") return 0;
  if (box == doc.MemberEnd() || !box->value.IsUint64()) return 0;
  return box->value.GetUint64();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const WsOp op = trove::net::parse_ws_op(text);
  FUZZ_CHECK((op.kind == WsOp::Kind::kInvalid) == !op.error.empty());
  FUZZ_CHECK(op.boxes.size() <= trove::net::kMaxBoxesPerOp);
  FUZZ_CHECK(op.hunt.size() <= 64);
  switch (op.kind) {
    case WsOp::Kind::kGet:
      FUZZ_CHECK(op.box != 0 && op.box == full_parse_get_box(text));
      break;
    case WsOp::Kind::kSubscribeBoxes:
    case WsOp::Kind::kUnsubscribeBoxes:
      FUZZ_CHECK(!op.boxes.empty());
      for (const std::uint64_t box : op.boxes)
        FUZZ_CHECK(box != 0);
      break;
    case WsOp::Kind::kSubscribeHunt:
    case WsOp::Kind::kUnsubscribeHunt:
      FUZZ_CHECK(!op.hunt.empty());
      break;
    default:
      break;
  }
  return 0;
}
