#include "trove/common/route_table.hpp"

#include <gtest/gtest.h>

namespace trove::common {
namespace {

HttpRequest req(std::string method, std::string target, std::string auth = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  if (!auth.empty()) r.headers.emplace_back("authorization", std::move(auth));
  return r;
}

RouteTable make_table(std::string token) {
  RouteTable t(std::move(token));
  t.add({"GET", "/healthz", false, false, "liveness",
         [](const HttpRequest&) { return HttpResponse::text(200, "ok\n"); }});
  t.add({"GET", "/admin/v1/tuning", false, true, "read tuning",
         [](const HttpRequest&) { return HttpResponse::json(200, "{}"); }});
  t.add({"PUT", "/admin/v1/tuning", true, true, "write tuning",
         [](const HttpRequest& r) { return HttpResponse::json(200, r.body); }});
  return t;
}

TEST(RouteTable, DispatchesExactPathIgnoringQuery) {
  RouteTable t = make_table("");
  EXPECT_EQ(t.dispatch(req("GET", "/healthz?verbose=1")).body, "ok\n");
  EXPECT_EQ(t.dispatch(req("GET", "/healthz/")).status, 404);
  EXPECT_EQ(t.dispatch(req("GET", "/nope")).status, 404);
}

TEST(RouteTable, WrongMethodIs405WithAllow) {
  RouteTable t = make_table("");
  HttpResponse r = t.dispatch(req("DELETE", "/admin/v1/tuning"));
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "GET, PUT");
  EXPECT_EQ(t.dispatch(req("POST", "/healthz")).status, 405);
}

TEST(RouteTable, HeadIsAnsweredLikeGet) {
  RouteTable t = make_table("");
  EXPECT_EQ(t.dispatch(req("HEAD", "/healthz")).status, 200);
}

TEST(RouteTable, WithoutTokenMutatingRoutesAre403ReadsOpen) {
  RouteTable t = make_table("");
  EXPECT_EQ(t.dispatch(req("PUT", "/admin/v1/tuning")).status, 403);
  EXPECT_EQ(t.dispatch(req("GET", "/admin/v1/tuning")).status, 200);
}

TEST(RouteTable, WithTokenMissingOrWrongIs401) {
  RouteTable t = make_table("s3cret");
  EXPECT_EQ(t.dispatch(req("PUT", "/admin/v1/tuning")).status, 401);
  EXPECT_EQ(t.dispatch(req("PUT", "/admin/v1/tuning", "Bearer s3cre")).status, 401);
  EXPECT_EQ(t.dispatch(req("PUT", "/admin/v1/tuning", "Bearer s3cret2")).status, 401);
  EXPECT_EQ(t.dispatch(req("PUT", "/admin/v1/tuning", "Basic s3cret")).status, 401);
  EXPECT_EQ(t.dispatch(req("GET", "/admin/v1/tuning")).status, 401);
  EXPECT_EQ(t.dispatch(req("PUT", "/admin/v1/tuning", "Bearer s3cret")).status, 200);
  EXPECT_EQ(t.dispatch(req("PUT", "/admin/v1/tuning", "bearer s3cret")).status, 200);
  // Routes without needs_token ignore the token entirely.
  EXPECT_EQ(t.dispatch(req("GET", "/healthz")).status, 200);
}

TEST(RouteTable, HelpIsGeneratedFromTheTable) {
  RouteTable t = make_table("");
  HttpResponse r = t.dispatch(req("GET", "/help"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("GET /healthz: liveness"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("PUT /admin/v1/tuning [mutates] [token]: write tuning"), std::string::npos)
      << r.body;
  EXPECT_EQ(t.dispatch(req("POST", "/help")).status, 405);
}

// A route marked as mutating needs the token even when added without it, so
// no later mutation can be left open by mistake.
TEST(RouteTable, EveryMutatingRouteNeedsTheToken) {
  for (const std::string token : {"", "tok"}) {
    RouteTable t(token);
    t.add({"POST", "/admin/v1/drain", true, false, "drain",
           [](const HttpRequest&) { return HttpResponse::text(202, "draining\n"); }});
    EXPECT_EQ(t.dispatch(req("POST", "/admin/v1/drain")).status, token.empty() ? 403 : 401);
    EXPECT_EQ(t.dispatch(req("POST", "/admin/v1/drain", "Bearer wrong")).status,
              token.empty() ? 403 : 401);
    if (!token.empty()) {
      EXPECT_EQ(t.dispatch(req("POST", "/admin/v1/drain", "Bearer tok")).status, 202);
    }
  }
}

// The token source is asked at each request: a rotated token applies at once.
TEST(RouteTable, TokenSourceIsAskedAtEachRequest) {
  std::string current = "old";
  RouteTable t([&current] { return current; });
  t.add({"PUT", "/admin/v1/tuning", true, true, "write",
         [](const HttpRequest&) { return HttpResponse::json(200, "{}"); }});
  EXPECT_EQ(t.dispatch(req("PUT", "/admin/v1/tuning", "Bearer old")).status, 200);
  current = "new";
  EXPECT_EQ(t.dispatch(req("PUT", "/admin/v1/tuning", "Bearer old")).status, 401);
  EXPECT_EQ(t.dispatch(req("PUT", "/admin/v1/tuning", "Bearer new")).status, 200);
  current.clear();
  EXPECT_EQ(t.dispatch(req("PUT", "/admin/v1/tuning", "Bearer new")).status, 403);
}

}  // namespace
}  // namespace trove::common
