#include "run_report.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "test_json.hpp"

namespace trove::loadgen {
namespace {

using test_json::at;

// Sized parse: RapidJSON's SSE4.2 scanning of NUL-terminated strings reads
// 16-byte blocks past the terminator, which ASan rightly reports.
void parse_json(rapidjson::Document& d, const std::string& text) {
  d.Parse(text.data(), text.size());
}

RunReport sample() {
  RunReport r;
  r.label = "s2-trove";
  r.duration_s = 10;
  RoleStats poll;
  poll.role = "poll";
  poll.open_loop = false;
  for (int i = 1; i <= 1000; ++i)
    poll.latency.record(static_cast<std::uint64_t>(i) * 1000);
  poll.completed = 1000;
  poll.sent = 1000;
  poll.status[200] = 999;
  poll.status[404] = 1;
  poll.count_error("http_status_404");
  RoleStats ingest;
  ingest.role = "ingest";
  ingest.completed = 10;
  ingest.messages_accepted = 640;
  ingest.messages_rejected = 3;
  r.roles = {poll, ingest};
  r.server_cpu = ServerCpu{1, 0.5, 10, 0.25};
  return r;
}

TEST(RunReport, JsonCarriesPercentilesRatesErrorsAndCpu) {
  rapidjson::Document d;
  parse_json(d, to_json(sample()));
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(at(d, "/label").GetString(), "s2-trove");
  const auto& poll = at(d, "/roles/poll");
  EXPECT_STREQ(at(poll, "/mode").GetString(), "closed");
  EXPECT_DOUBLE_EQ(at(poll, "/rate_per_s").GetDouble(), 100.0);
  EXPECT_NEAR(at(poll, "/latency_us/p50").GetDouble(), 500, 500 / 128.0);
  EXPECT_NEAR(at(poll, "/latency_us/p99").GetDouble(), 990, 990 / 128.0);
  EXPECT_DOUBLE_EQ(at(poll, "/latency_us/max").GetDouble(), 1000);
  EXPECT_EQ(at(poll, "/status/404").GetUint64(), 1u);
  EXPECT_EQ(at(poll, "/errors/http_status_404").GetUint64(), 1u);
  EXPECT_EQ(at(poll, "/error_total").GetUint64(), 1u);
  const auto& ingest = at(d, "/roles/ingest");
  EXPECT_DOUBLE_EQ(at(ingest, "/messages_per_s").GetDouble(), 64.0);
  EXPECT_EQ(at(ingest, "/messages_rejected").GetUint64(), 3u);
  // CPU per request divides by poll responses; per message by accepted messages.
  EXPECT_DOUBLE_EQ(at(d, "/server_cpu/us_per_request").GetDouble(), 500.0);
  EXPECT_DOUBLE_EQ(at(d, "/server_cpu/us_per_message").GetDouble(), 0.5e6 / 640);
  EXPECT_DOUBLE_EQ(at(d, "/server_cpu/utilization").GetDouble(), 0.05);
  EXPECT_DOUBLE_EQ(at(d, "/server_cpu/process_us_per_request").GetDouble(), 250.0);
}

TEST(RunReport, LabelIsEscaped) {
  RunReport r = sample();
  r.label = "a\"b\\c\n";
  rapidjson::Document d;
  parse_json(d, to_json(r));
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(at(d, "/label").GetString(), "a\"b\\c\n");
}

TEST(RunReport, SummaryNamesEveryRoleAndError) {
  const std::string s = to_summary(sample());
  EXPECT_NE(s.find("poll"), std::string::npos);
  EXPECT_NE(s.find("ingest"), std::string::npos);
  EXPECT_NE(s.find("error http_status_404: 1"), std::string::npos);
  EXPECT_NE(s.find("64 msg/s accepted"), std::string::npos) << s;
  EXPECT_NE(s.find("us/request"), std::string::npos);
}

TEST(RoleStats, MergeAddsEverything) {
  RoleStats a = sample().roles[0];
  const RoleStats b = sample().roles[0];
  a.merge(b);
  EXPECT_EQ(a.completed, 2000u);
  EXPECT_EQ(a.latency.count(), 2000u);
  EXPECT_EQ(a.status[200], 1998u);
  EXPECT_EQ(a.errors["http_status_404"], 2u);
}

}  // namespace
}  // namespace trove::loadgen
