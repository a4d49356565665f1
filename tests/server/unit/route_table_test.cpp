#include "trove/common/route_table.hpp"

#include <gtest/gtest.h>

namespace trove::common {
namespace {

HttpRequest Req(std::string method, std::string target, std::string auth = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  if (!auth.empty()) r.headers.emplace_back("authorization", std::move(auth));
  return r;
}

RouteTable MakeTable(std::string token) {
  RouteTable t(std::move(token));
  t.Add({"GET", "/healthz", false, false, "liveness",
         [](const HttpRequest&) { return HttpResponse::Text(200, "ok\n"); }});
  t.Add({"GET", "/admin/v1/tuning", false, true, "read tuning",
         [](const HttpRequest&) { return HttpResponse::Json(200, "{}"); }});
  t.Add({"PUT", "/admin/v1/tuning", true, true, "write tuning",
         [](const HttpRequest& r) { return HttpResponse::Json(200, r.body); }});
  return t;
}

TEST(RouteTable, DispatchesExactPathIgnoringQuery) {
  RouteTable t = MakeTable("");
  EXPECT_EQ(t.Dispatch(Req("GET", "/healthz?verbose=1")).body, "ok\n");
  EXPECT_EQ(t.Dispatch(Req("GET", "/healthz/")).status, 404);
  EXPECT_EQ(t.Dispatch(Req("GET", "/nope")).status, 404);
}

TEST(RouteTable, WrongMethodIs405WithAllow) {
  RouteTable t = MakeTable("");
  HttpResponse r = t.Dispatch(Req("DELETE", "/admin/v1/tuning"));
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "GET, PUT");
  EXPECT_EQ(t.Dispatch(Req("POST", "/healthz")).status, 405);
}

TEST(RouteTable, HeadIsAnsweredLikeGet) {
  RouteTable t = MakeTable("");
  EXPECT_EQ(t.Dispatch(Req("HEAD", "/healthz")).status, 200);
}

TEST(RouteTable, WithoutTokenMutatingRoutesAre403ReadsOpen) {
  RouteTable t = MakeTable("");
  EXPECT_EQ(t.Dispatch(Req("PUT", "/admin/v1/tuning")).status, 403);
  EXPECT_EQ(t.Dispatch(Req("GET", "/admin/v1/tuning")).status, 200);
}

TEST(RouteTable, WithTokenMissingOrWrongIs401) {
  RouteTable t = MakeTable("s3cret");
  EXPECT_EQ(t.Dispatch(Req("PUT", "/admin/v1/tuning")).status, 401);
  EXPECT_EQ(t.Dispatch(Req("PUT", "/admin/v1/tuning", "Bearer s3cre")).status, 401);
  EXPECT_EQ(t.Dispatch(Req("PUT", "/admin/v1/tuning", "Bearer s3cret2")).status, 401);
  EXPECT_EQ(t.Dispatch(Req("PUT", "/admin/v1/tuning", "Basic s3cret")).status, 401);
  EXPECT_EQ(t.Dispatch(Req("GET", "/admin/v1/tuning")).status, 401);
  EXPECT_EQ(t.Dispatch(Req("PUT", "/admin/v1/tuning", "Bearer s3cret")).status, 200);
  EXPECT_EQ(t.Dispatch(Req("PUT", "/admin/v1/tuning", "bearer s3cret")).status, 200);
  // Routes without needs_token ignore the token entirely.
  EXPECT_EQ(t.Dispatch(Req("GET", "/healthz")).status, 200);
}

TEST(RouteTable, HelpIsGeneratedFromTheTable) {
  RouteTable t = MakeTable("");
  HttpResponse r = t.Dispatch(Req("GET", "/help"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("GET /healthz: liveness"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("PUT /admin/v1/tuning [mutates] [token]: write tuning"), std::string::npos)
      << r.body;
  EXPECT_EQ(t.Dispatch(Req("POST", "/help")).status, 405);
}

}  // namespace
}  // namespace trove::common
