#include "net/poll_protocol.hpp"

#include <gtest/gtest.h>

namespace trove::net {
namespace {

TEST(ParseBoxId, AcceptsDecimalIdsOnly) {
  EXPECT_EQ(parse_box_id("1"), 1u);
  EXPECT_EQ(parse_box_id("18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"", "0", "00", "01", "-1", "+1", "1x", " 1", "1 ", "0x10",
                          "18446744073709551616", "99999999999999999999999", "1/2", "1?a"}) {
    EXPECT_FALSE(parse_box_id(bad).has_value()) << bad;
  }
}

constexpr std::uint64_t kBoot = 0x00c0ffee12345678ULL;
constexpr EntityTag kFive{kBoot, 5};

TEST(IfNoneMatch, MatchesQuotedWeakBareListsAndStar) {
  EXPECT_TRUE(if_none_match_hits("\"00c0ffee12345678-5\"", kFive));
  EXPECT_TRUE(if_none_match_hits("W/\"00c0ffee12345678-5\"", kFive));
  EXPECT_TRUE(if_none_match_hits("00c0ffee12345678-5", kFive));
  EXPECT_TRUE(if_none_match_hits("\"00c0ffee12345678-3\", \"00c0ffee12345678-5\"", kFive));
  EXPECT_TRUE(if_none_match_hits("*", kFive));
  for (const char* miss :
       {"\"00c0ffee12345678-4\"", "\"00c0ffee12345678-55\"", "\"\"", "", ",,,",
        "\"00c0ffee12345678-5", "\"00c0ffee12345678-\"", "\"00c0ffee12345678--5\"",
        "\"00c0ffee12345678-5x\"", "\"0c0ffee12345678-5\"", "\"000c0ffee12345678-5\"",
        "\"00c0ffee1234567g-5\"", "\"00c0ffee12345678-99999999999999999999999\""}) {
    EXPECT_FALSE(if_none_match_hits(miss, kFive)) << miss;
  }
}

TEST(IfNoneMatch, NeverMatchesATagOfAnotherIncarnation) {
  // The same version number names a different payload after a restart
  // without state: only the tag's own incarnation may get 304.
  EXPECT_FALSE(if_none_match_hits("\"00c0ffee12345679-5\"", kFive));
  EXPECT_FALSE(if_none_match_hits("\"ffffffffffffffff-5\"", kFive));
  // Bare versions, as servers without incarnations sent them.
  EXPECT_FALSE(if_none_match_hits("\"5\"", kFive));
  EXPECT_FALSE(if_none_match_hits("5", kFive));
}

TEST(ResponseHead, CarriesStatusTypeTagLengthAndClose) {
  std::string out;
  append_response_head(out, 200, "application/json", {kBoot, 7}, 12, true);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nServer: trove\r\nContent-Type: application/json\r\n"
            "ETag: \"00c0ffee12345678-7\"\r\nContent-Length: 12\r\n\r\n");
  out.clear();
  append_response_head(out, 404, "", {}, 0, false);
  EXPECT_EQ(out,
            "HTTP/1.1 404 Not Found\r\nServer: trove\r\nContent-Length: 0\r\nConnection: "
            "close\r\n\r\n");
}

TEST(IngestAck, ListsRejectionsWithIndexReasonCodeField) {
  const ingest::Rejection rejections[] = {
      {1, ingest::RejectCode::malformed_json, "", "not \"JSON\""},
      {3, ingest::RejectCode::out_of_range, "box", "too big"}};
  ingest::BatchResult r;
  r.accepted = 2;
  r.rejected = 5;
  r.rejections = rejections;
  r.rejections_truncated = true;
  std::string out;
  append_ingest_ack(out, 9, kBoot, AckMode::kMemory, r);
  EXPECT_EQ(
      out,
      "{\"seq\":9,\"boot\":\"00c0ffee12345678\",\"ack\":\"memory\",\"accepted\":2,\"rejected\":["
      "{\"index\":1,\"error\":\"not \\\"JSON\\\"\",\"code\":\"malformed_json\"},"
      "{\"index\":3,\"error\":\"too big\",\"code\":\"out_of_range\",\"field\":\"box\"}],"
      "\"rejectedTotal\":5}");
}

TEST(IngestAck, SaysDurableOrWhyADurableAckCouldNotBeGiven) {
  ingest::BatchResult r;
  r.accepted = 1;
  std::string out;
  append_ingest_ack(out, 1, kBoot, AckMode::kDurable, r);
  EXPECT_EQ(out,
            R"({"seq":1,"boot":"00c0ffee12345678","ack":"durable","accepted":1,"rejected":[]})");
  out.clear();
  append_ingest_ack(out, 2, kBoot, AckMode::kMemory, r, "state log write failed: \"disk\" full");
  EXPECT_EQ(out, R"({"seq":2,"boot":"00c0ffee12345678","ack":"memory","accepted":1,)"
                 R"("rejected":[],"error":"state log write failed: \"disk\" full"})");
}

TEST(IngestTarget, TakesTheServerDefaultOrAnExplicitAckAndNothingElse) {
  EXPECT_EQ(parse_ingest_target("/v1/ingest", AckMode::kMemory), AckMode::kMemory);
  EXPECT_EQ(parse_ingest_target("/v1/ingest", AckMode::kDurable), AckMode::kDurable);
  EXPECT_EQ(parse_ingest_target("/v1/ingest?ack=durable", AckMode::kMemory), AckMode::kDurable);
  EXPECT_EQ(parse_ingest_target("/v1/ingest?ack=memory", AckMode::kDurable), AckMode::kMemory);
  for (const char* bad :
       {"/v1/ingest?", "/v1/ingest?ack=", "/v1/ingest?ack=DURABLE", "/v1/ingest?ack=durable&x=1",
        "/v1/ingest?ack=durable&ack=memory", "/v1/ingest?x=1", "/v1/ingest?ack=durable ",
        "/v1/ingest?ack%3Ddurable", "/v1/ingestx", "/v1/ingest/", "/v1/ws?ack=durable",
        "/v1/ingest??ack=durable"}) {
    EXPECT_FALSE(parse_ingest_target(bad, AckMode::kMemory).has_value()) << bad;
  }
  EXPECT_FALSE(parse_ingest_target("/v1/ingest?ack=" + std::string(100000, 'd'), AckMode::kMemory));
  EXPECT_TRUE(is_ingest_path("/v1/ingest?anything"));
  EXPECT_FALSE(is_ingest_path("/v1/ingestx"));
}

TEST(WsPush, CarriesBoxSeqAndThePayloadAsStored) {
  std::string out = "stale";
  out.clear();
  append_push(out, 18446744073709551615ULL, {kBoot, 7}, R"({"box":1,"state":"open"})");
  EXPECT_EQ(out, R"({"op":"push","box":18446744073709551615,"seq":7,"boot":"00c0ffee12345678",)"
                 R"("payload":{"box":1,"state":"open"}})");
}

TEST(WsPush, CarriesTheHuntPositionWhenGiven) {
  std::string out;
  append_push(out, 5, {kBoot, 2}, "{}", 1765000000000000123ULL);
  EXPECT_EQ(out, R"({"op":"push","box":5,"seq":2,"boot":"00c0ffee12345678",)"
                 R"("hpos":1765000000000000123,"payload":{}})");
}

TEST(WsSynced, NamesTheHuntEscapedCountsItsPushesAndHandsOutThePosition) {
  std::string out;
  append_synced(out, {"spr\"ing", 20000, SyncMode::kFull, kBoot, 77});
  EXPECT_EQ(out, R"({"op":"synced","hunt":"spr\"ing","boxes":20000,"sync":"full",)"
                 R"("boot":"00c0ffee12345678","hpos":77})");
  out.clear();
  append_synced(out, {"h", 0, SyncMode::kRecovered, kBoot, 18446744073709551615ULL});
  EXPECT_EQ(out, R"({"op":"synced","hunt":"h","boxes":0,"sync":"recovered",)"
                 R"("boot":"00c0ffee12345678","hpos":18446744073709551615})");
}

TEST(WsOp, HuntSubscribeTakesAPositionAndItsBoot) {
  WsOp op = parse_ws_op(
      R"({"op":"subscribe","hunt":"h","since":18446744073709551615,"boot":"00c0ffee12345678"})");
  ASSERT_EQ(op.kind, WsOp::Kind::kSubscribeHunt) << op.error;
  EXPECT_TRUE(op.has_position);
  EXPECT_EQ(op.since, 18446744073709551615ULL);
  EXPECT_EQ(op.boot, kBoot);
  WsOp zero = parse_ws_op(R"({"op":"subscribe","hunt":"h","since":0,"boot":"0000000000000000"})");
  EXPECT_EQ(zero.kind, WsOp::Kind::kSubscribeHunt) << zero.error;
  WsOp plain = parse_ws_op(R"({"op":"subscribe","hunt":"h"})");
  EXPECT_FALSE(plain.has_position);
  WsOp boxes = parse_ws_op(
      R"({"op":"subscribe","boxes":[4,5],"since":[0,18446744073709551615],"boot":"00c0ffee12345678"})");
  ASSERT_EQ(boxes.kind, WsOp::Kind::kSubscribeBoxes) << boxes.error;
  EXPECT_TRUE(boxes.has_position);
  EXPECT_EQ(boxes.versions, (std::vector<std::uint64_t>{0, 18446744073709551615ULL}));
}

TEST(WsOp, HostilePositionsAreRefusedWithTheReason) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"op":"subscribe","hunt":"h","since":-1,"boot":"00c0ffee12345678"})", "\"since\" must"},
      {R"({"op":"subscribe","hunt":"h","since":1.5,"boot":"00c0ffee12345678"})", "\"since\" must"},
      {R"({"op":"subscribe","hunt":"h","since":18446744073709551616,"boot":"00c0ffee12345678"})",
       "\"since\" must"},
      {R"({"op":"subscribe","hunt":"h","since":1e300,"boot":"00c0ffee12345678"})",
       "\"since\" must"},
      {R"({"op":"subscribe","hunt":"h","since":"5","boot":"00c0ffee12345678"})", "\"since\" must"},
      {R"({"op":"subscribe","hunt":"h","since":null,"boot":"00c0ffee12345678"})", "\"since\" must"},
      {R"({"op":"subscribe","hunt":"h","since":[5],"boot":"00c0ffee12345678"})", "\"since\" must"},
      {R"({"op":"subscribe","hunt":"h","since":5})", "together"},
      {R"({"op":"subscribe","hunt":"h","boot":"00c0ffee12345678"})", "together"},
      {R"({"op":"subscribe","hunt":"h","since":5,"boot":"00C0FFEE12345678"})", "\"boot\" must"},
      {R"({"op":"subscribe","hunt":"h","since":5,"boot":"00c0ffee1234567"})", "\"boot\" must"},
      {R"({"op":"subscribe","hunt":"h","since":5,"boot":"00c0ffee123456789"})", "\"boot\" must"},
      {R"({"op":"subscribe","hunt":"h","since":5,"boot":"00c0ffee1234567g"})", "\"boot\" must"},
      {R"({"op":"subscribe","hunt":"h","since":5,"boot":"00c0ffee\u00001234567"})",
       "\"boot\" must"},
      {R"({"op":"subscribe","hunt":"h","since":5,"boot":12345678})", "\"boot\" must"},
      {R"({"op":"unsubscribe","hunt":"h","since":5,"boot":"00c0ffee12345678"})", "belong to"},
      {R"({"op":"subscribe","boxes":[1],"since":5,"boot":"00c0ffee12345678"})",
       "one version per box"},
      {R"({"op":"subscribe","boxes":[1,2],"since":[3],"boot":"00c0ffee12345678"})",
       "one version per box"},
      {R"({"op":"subscribe","boxes":[1],"since":[-3],"boot":"00c0ffee12345678"})",
       "versions are integers"},
      {R"({"op":"subscribe","boxes":[1],"since":["3"],"boot":"00c0ffee12345678"})",
       "versions are integers"},
      {R"({"op":"subscribe","boxes":[1],"since":[3]})", "together"},
      {R"({"op":"unsubscribe","boxes":[1],"since":[3],"boot":"00c0ffee12345678"})", "belong to"},
      {R"({"op":"subscribe","since":5,"boot":"00c0ffee12345678"})", "go with"},
  };
  for (const auto& [text, reason] : cases) {
    const WsOp op = parse_ws_op(text);
    EXPECT_EQ(op.kind, WsOp::Kind::kInvalid) << text;
    EXPECT_NE(op.error.find(reason), std::string::npos) << text << " -> " << op.error;
  }
}

TEST(WsOp, ParsesEveryOp) {
  WsOp get = parse_ws_op(R"({"op":"get","box":42})");
  EXPECT_EQ(get.kind, WsOp::Kind::kGet);
  EXPECT_EQ(get.box, 42u);
  WsOp sub = parse_ws_op(R"({"op":"subscribe","boxes":[1,2,3]})");
  EXPECT_EQ(sub.kind, WsOp::Kind::kSubscribeBoxes);
  EXPECT_EQ(sub.boxes, (std::vector<std::uint64_t>{1, 2, 3}));
  WsOp hunt = parse_ws_op(R"({"op":"subscribe","hunt":"spring"})");
  EXPECT_EQ(hunt.kind, WsOp::Kind::kSubscribeHunt);
  EXPECT_EQ(hunt.hunt, "spring");
  EXPECT_EQ(parse_ws_op(R"({"op":"unsubscribe","boxes":[1]})").kind, WsOp::Kind::kUnsubscribeBoxes);
  EXPECT_EQ(parse_ws_op(R"({"op":"unsubscribe","hunt":"x"})").kind, WsOp::Kind::kUnsubscribeHunt);
  EXPECT_EQ(parse_ws_op(R"({"op":"unsubscribe"})").kind, WsOp::Kind::kUnsubscribeAll);
}

TEST(WsPing, EchoesTheIdAsJsonOrNone) {
  const WsOp text = parse_ws_op(R"({"op":"ping","id":"a\"b"})");
  EXPECT_EQ(text.kind, WsOp::Kind::kPing);
  std::string out;
  append_pong(out, text.ping_id);
  EXPECT_EQ(out, R"({"op":"pong","id":"a\"b"})");
  const WsOp number = parse_ws_op(R"({"op":"ping","id":-7})");
  EXPECT_EQ(number.kind, WsOp::Kind::kPing);
  EXPECT_EQ(number.ping_id, "-7");
  EXPECT_EQ(parse_ws_op(R"({"op":"ping","id":18446744073709551615})").ping_id,
            "18446744073709551615");
  const WsOp bare = parse_ws_op(R"({"op":"ping"})");
  EXPECT_EQ(bare.kind, WsOp::Kind::kPing);
  out.clear();
  append_pong(out, bare.ping_id);
  EXPECT_EQ(out, R"({"op":"pong"})");
}

TEST(WsOp, RefusesInvalidUtf8SoNothingInvalidIsEchoedInATextFrame) {
  for (const std::string bad :
       {"{\"op\":\"ping\",\"id\":\"a\xff\"}", "{\"op\":\"ping\",\"id\":\"\xed\xa0\x80\"}",
        "{\"op\":\"subscribe\",\"hunt\":\"\xc0\xaf\"}"}) {
    const WsOp op = parse_ws_op(bad);
    EXPECT_EQ(op.kind, WsOp::Kind::kInvalid) << bad;
  }
  EXPECT_EQ(parse_ws_op("{\"op\":\"ping\",\"id\":\"\xce\xba\xf0\x9f\x98\x80\"}").ping_id,
            "\"\xce\xba\xf0\x9f\x98\x80\"");
}

TEST(WsPing, RefusesIdsThatAreNotShortStringsOrIntegers) {
  const auto ping_with_text_id = [](std::size_t bytes) {
    return R"({"op":"ping","id":")" + std::string(bytes, 'x') + R"("})";
  };
  for (const std::string& bad :
       {ping_with_text_id(kMaxPingIdBytes + 1), std::string(R"({"op":"ping","id":1.5})"),
        std::string(R"({"op":"ping","id":{"a":1}})"), std::string(R"({"op":"ping","id":[1]})"),
        std::string(R"({"op":"ping","id":null})"), std::string(R"({"op":"ping","id":true})")}) {
    const WsOp op = parse_ws_op(bad);
    EXPECT_EQ(op.kind, WsOp::Kind::kInvalid) << bad;
    EXPECT_NE(op.error.find(R"("id")"), std::string::npos) << bad;
  }
  EXPECT_EQ(parse_ws_op(ping_with_text_id(kMaxPingIdBytes)).kind, WsOp::Kind::kPing);
}

// The canonical get skips the DOM; it must agree with the full parse on
// every id and leave everything near-canonical to it.
TEST(WsOp, CanonicalGetAgreesWithTheFullParse) {
  for (const std::string id : {"1", "42", "18446744073709551615"}) {
    const WsOp fast = parse_ws_op(R"({"op":"get","box":)" + id + "}");
    const WsOp spaced = parse_ws_op(R"({ "op" : "get", "box" : )" + id + " }");
    const WsOp reordered = parse_ws_op(R"({"box":)" + id + R"(,"op":"get"})");
    for (const WsOp* op : {&fast, &spaced, &reordered}) {
      EXPECT_EQ(op->kind, WsOp::Kind::kGet) << id;
      EXPECT_EQ(op->box, std::stoull(id)) << id;
    }
  }
  for (const char* bad :
       {R"({"op":"get","box":01})", R"({"op":"get","box":18446744073709551616})",
        R"({"op":"get","box":})", R"({"op":"get","box":1}})", R"({"op":"get","box":+1})",
        R"({"op":"get","box":1e3})", R"({"op":"get","box":0})"}) {
    const WsOp op = parse_ws_op(bad);
    EXPECT_EQ(op.kind, WsOp::Kind::kInvalid) << bad;
    EXPECT_FALSE(op.error.empty()) << bad;
  }
  // A duplicate key is not canonical: the full parse decides (first wins).
  const WsOp dup = parse_ws_op(R"({"op":"get","box":1,"box":2})");
  EXPECT_EQ(dup.kind, WsOp::Kind::kGet);
  EXPECT_EQ(dup.box, 1u);
}

TEST(WsOp, RejectsHostileAndMalformedOps) {
  const std::string too_many = [] {
    std::string s = R"({"op":"subscribe","boxes":[)";
    for (std::size_t i = 1; i <= kMaxBoxesPerOp + 1; ++i)
      s += std::to_string(i) + ",";
    s.back() = ']';
    return s + "}";
  }();
  for (const std::string& bad :
       {std::string(""),
        std::string("{"),
        std::string("[]"),
        std::string("\"get\""),
        std::string(R"({"box":1})"),
        std::string(R"({"op":1})"),
        std::string(R"({"op":"fly"})"),
        std::string(R"({"op":"get"})"),
        std::string(R"({"op":"get","box":0})"),
        std::string(R"({"op":"get","box":-1})"),
        std::string(R"({"op":"get","box":"1"})"),
        std::string(R"({"op":"get","box":1.5})"),
        std::string(R"({"op":"subscribe"})"),
        std::string(R"({"op":"subscribe","boxes":[]})"),
        std::string(R"({"op":"subscribe","boxes":[0]})"),
        std::string(R"({"op":"subscribe","boxes":"1"})"),
        std::string(R"({"op":"subscribe","hunt":""})"),
        std::string(R"({"op":"subscribe","hunt":7})"),
        std::string(R"({"op":"subscribe","hunt":")") + std::string(65, 'h') + "\"}",
        std::string(R"({"op":"subscribe","hunt":"a","boxes":[1]})"),
        too_many,
        std::string(1000000, '[')}) {
    WsOp op = parse_ws_op(bad);
    EXPECT_EQ(op.kind, WsOp::Kind::kInvalid) << bad.substr(0, 80);
    EXPECT_FALSE(op.error.empty()) << bad.substr(0, 80);
  }
}

}  // namespace
}  // namespace trove::net
