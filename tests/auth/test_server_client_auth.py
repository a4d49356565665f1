"""Client tokens and allowed origins on trove-server's public listener, with
tokens minted by PyJWT and Debian's python3-websockets as the client
(docs/client-auth.md)."""
import asyncio
import http.client
import json
import os
import sys
import time
import unittest

import websockets
import websockets.exceptions

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server",
                                "integration"))
from harness import SLOW, Server, curl  # noqa: E402
from jwt_fixtures import KeyRing, write_jwks  # noqa: E402

ORIGIN = "https://game.example"
SPRING_BOX, AUTUMN_BOX = 11, 22


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30 * SLOW))


class ClientAuthCase(unittest.TestCase):
    extra_args = ()

    def setUp(self):
        self.ring = KeyRing()
        self.keys_dir = __import__("tempfile").TemporaryDirectory(prefix="trove-keys-")
        self.keys_file = os.path.join(self.keys_dir.name, "jwks.json")
        write_jwks(self.keys_file, self.ring.jwks_keys())
        self.server = Server("--client-auth-keys", self.keys_file, *self.extra_args)
        self.server.ingest(['{"box":%d,"hunt":"spring","state":"open"}' % SPRING_BOX,
                            '{"box":%d,"hunt":"autumn","state":"open"}' % AUTUMN_BOX])

    def tearDown(self):
        if self.server.proc.poll() is None:
            rc = self.server.stop()
            self.assertEqual(rc, 0, "trove-server exit code %d\n%s" % (rc, self.server.output()))
        self.keys_dir.cleanup()

    def bearer(self, token):
        return {"Authorization": "Bearer " + token}

    def poll(self, box, token=None, headers=()):
        args = []
        if token is not None:
            args += ["-H", "Authorization: Bearer " + token]
        for h in headers:
            args += ["-H", h]
        return curl(*args, self.server.url("/v1/boxes/%d" % box))

    def auth_results(self, result):
        return self.server.metric("trove_client_auth_total", result=result)


class HttpBearer(ClientAuthCase):
    def test_polls_need_a_valid_token_and_read_only_its_hunts(self):
        status, headers, body = self.poll(SPRING_BOX)
        self.assertEqual(status, 401, body)
        self.assertEqual(json.loads(body)["code"], "missing_token")
        self.assertEqual(headers["www-authenticate"], 'Bearer realm="trove"')
        status, headers, body = self.poll(SPRING_BOX, self.ring.token("ES256", lifetime=-60))
        self.assertEqual((status, json.loads(body)["code"]), (401, "expired"), body)
        self.assertIn('error="invalid_token"', headers["www-authenticate"])
        token = self.ring.token("RS256", hunts=("spring",))
        status, _, body = self.poll(SPRING_BOX, token)
        self.assertEqual((status, json.loads(body)["state"]), (200, "open"), body)
        status, _, body = self.poll(AUTUMN_BOX, token)
        self.assertEqual((status, json.loads(body)["code"]), (403, "hunt_not_in_scope"), body)
        self.assertEqual(self.poll(999, token)[0], 404)
        status, _, body = self.poll(AUTUMN_BOX, self.ring.token("HS256", hunts=("*",)))
        self.assertEqual(status, 200, body)
        self.assertEqual(self.auth_results("missing_token"), 1)
        self.assertEqual(self.auth_results("expired"), 1)
        self.assertEqual(self.auth_results("hunt_not_in_scope"), 1)

    def test_keep_alive_polls_verify_the_token_once(self):
        token = self.ring.token("RS256")
        conn = http.client.HTTPConnection("127.0.0.1", self.server.data, timeout=10 * SLOW)
        for _ in range(20):
            conn.request("GET", "/v1/boxes/%d" % SPRING_BOX, headers=self.bearer(token))
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
        conn.close()
        self.assertEqual(self.auth_results("ok"), 1)

    def test_a_rotated_key_file_takes_effect_without_a_restart(self):
        old = self.ring.token("RS256")
        self.assertEqual(self.poll(SPRING_BOX, old)[0], 200)
        new_ring = KeyRing("2")
        write_jwks(self.keys_file, new_ring.jwks_keys())
        deadline = time.time() + 5 * SLOW
        while self.poll(SPRING_BOX, old)[0] != 401 and time.time() < deadline:
            time.sleep(0.1)
        status, _, body = self.poll(SPRING_BOX, old)
        self.assertEqual((status, json.loads(body)["code"]), (401, "unknown_kid"), body)
        self.assertEqual(self.poll(SPRING_BOX, new_ring.token("ES256"))[0], 200)
        self.assertEqual(self.server.metric("trove_client_auth_key_reloads_total", outcome="ok"), 1)


class WebSocketAuth(ClientAuthCase):
    extra_args = ("--handshake-timeout-ms", "1000", "--client-auth-leeway-s", "0")

    def test_header_token_scopes_gets_and_subscriptions(self):
        token = self.ring.token("ES256", hunts=("spring",))

        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws"),
                                          extra_headers=self.bearer(token)) as ws:
                await ws.send('{"op":"get","box":%d}' % SPRING_BOX)
                spring = json.loads(await ws.recv())
                await ws.send('{"op":"get","box":%d}' % AUTUMN_BOX)
                autumn = json.loads(await ws.recv())
                await ws.send('{"op":"subscribe","hunt":"autumn"}')
                refused = json.loads(await ws.recv())
                await ws.send('{"op":"subscribe","hunt":"spring"}')
                subscribed = [json.loads(await ws.recv()) for _ in range(3)]
                await ws.send('{"op":"subscribe","boxes":[%d,%d]}' % (SPRING_BOX, AUTUMN_BOX))
                boxes = [json.loads(await ws.recv()) for _ in range(2)]
                return spring, autumn, refused, subscribed, boxes
        spring, autumn, refused, subscribed, boxes = run(go())
        self.assertEqual(spring["payload"]["state"], "open", spring)
        self.assertEqual(autumn["code"], 403, autumn)
        self.assertEqual((refused["op"], refused["code"], refused["hunt"]),
                         ("error", "hunt_not_in_scope", "autumn"), refused)
        self.assertEqual([m["op"] for m in subscribed], ["subscribed", "push", "synced"], subscribed)
        self.assertEqual((boxes[0]["code"], boxes[0]["boxes"]), ("hunt_not_in_scope", [AUTUMN_BOX]),
                         boxes)
        self.assertEqual(boxes[1], {"op": "subscribed", "boxes": 1}, boxes)

    def test_an_invalid_header_token_is_refused_at_the_upgrade(self):
        async def go():
            await websockets.connect(self.server.ws_url("/v1/ws"),
                                     extra_headers=self.bearer(self.ring.hs256_with_rsa_public_key()))
        with self.assertRaises(websockets.exceptions.InvalidStatusCode) as caught:
            run(go())
        self.assertEqual(caught.exception.status_code, 401)
        self.assertEqual(self.auth_results("alg_mismatch"), 1)

    def test_first_message_auth_then_reads(self):
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                await ws.send(json.dumps({"op": "auth", "token": self.ring.token("HS256")}))
                authed = json.loads(await ws.recv())
                await ws.send('{"op":"get","box":%d}' % SPRING_BOX)
                return authed, json.loads(await ws.recv())
        authed, got = run(go())
        self.assertEqual(authed["op"], "authenticated", authed)
        self.assertGreater(authed["exp"], time.time())
        self.assertEqual(got["box"], SPRING_BOX, got)

    def closed_with(self, messages):
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                for m in messages:
                    await ws.send(m)
                try:
                    while True:
                        await ws.recv()
                except websockets.exceptions.ConnectionClosed as e:
                    return e.code, e.reason
        return run(go())

    def test_another_op_before_auth_or_none_in_time_or_a_bad_token_closes_4401(self):
        self.assertEqual(self.closed_with(['{"op":"get","box":11}'])[0], 4401)
        start = time.time()
        self.assertEqual(self.closed_with([]), (4401, "no auth op in time"))
        self.assertLess(time.time() - start, 5 * SLOW)
        token = json.dumps({"op": "auth", "token": self.ring.token("RS256", kid="nobody")})
        self.assertEqual(self.closed_with([token]), (4401, "unknown_kid"))

    def test_an_unrefreshed_token_closes_4408_at_expiry_and_a_refresh_keeps_it_open(self):
        short = self.ring.token("RS256", lifetime=2)

        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as unrefreshed, \
                    websockets.connect(self.server.ws_url("/v1/ws")) as refreshed:
                for ws in (unrefreshed, refreshed):
                    await ws.send(json.dumps({"op": "auth", "token": short}))
                    await ws.recv()
                # A refused refresh keeps the token in force.
                await refreshed.send(json.dumps({"op": "auth", "token": "x.y.z"}))
                refused = json.loads(await refreshed.recv())
                await refreshed.send(json.dumps({"op": "auth", "token": self.ring.token("ES256")}))
                renewed = json.loads(await refreshed.recv())
                try:
                    await asyncio.wait_for(unrefreshed.recv(), 6 * SLOW)
                    closed = None
                except websockets.exceptions.ConnectionClosed as e:
                    closed = (e.code, e.reason)
                await refreshed.send('{"op":"get","box":%d}' % SPRING_BOX)
                return refused, renewed, closed, json.loads(await refreshed.recv())
        refused, renewed, closed, got = run(go())
        self.assertEqual(refused["code"], "malformed_token", refused)
        self.assertEqual(renewed["op"], "authenticated", renewed)
        self.assertEqual(closed, (4408, "token expired"))
        self.assertEqual(got["box"], SPRING_BOX, got)


class Origins(ClientAuthCase):
    extra_args = ("--allowed-origins", ORIGIN)

    def test_upgrades_from_another_origin_get_403(self):
        token = self.ring.token("RS256")

        async def go(origin):
            headers = dict(self.bearer(token), Origin=origin)
            async with websockets.connect(self.server.ws_url("/v1/ws"),
                                          extra_headers=headers) as ws:
                await ws.send('{"op":"get","box":%d}' % SPRING_BOX)
                return json.loads(await ws.recv())
        self.assertEqual(run(go(ORIGIN))["box"], SPRING_BOX)
        with self.assertRaises(websockets.exceptions.InvalidStatusCode) as caught:
            run(go("https://evil.example"))
        self.assertEqual(caught.exception.status_code, 403)
        self.assertEqual(self.server.metric("trove_origin_refused_total"), 1)

    def test_cors_preflight_and_allow_origin(self):
        url = self.server.url("/v1/boxes/%d" % SPRING_BOX)
        status, headers, _ = curl("-X", "OPTIONS", "-H", "Origin: " + ORIGIN, "-H",
                                  "Access-Control-Request-Method: GET", "-H",
                                  "Access-Control-Request-Headers: authorization", url)
        self.assertEqual(status, 204)
        self.assertEqual(headers["access-control-allow-origin"], ORIGIN)
        self.assertIn("Authorization", headers["access-control-allow-headers"])
        status, _, _ = curl("-X", "OPTIONS", "-H", "Origin: https://evil.example", url)
        self.assertEqual(status, 403)
        status, headers, _ = self.poll(SPRING_BOX, self.ring.token("RS256"),
                                       headers=["Origin: " + ORIGIN])
        self.assertEqual((status, headers["access-control-allow-origin"]), (200, ORIGIN))
        status, headers, _ = self.poll(SPRING_BOX, headers=["Origin: " + ORIGIN])
        # The 401 carries the CORS header too, so the page can read why.
        self.assertEqual((status, headers["access-control-allow-origin"]), (401, ORIGIN))
        status, headers, _ = self.poll(SPRING_BOX, self.ring.token("RS256"),
                                       headers=["Origin: https://evil.example"])
        self.assertEqual(status, 200)
        self.assertNotIn("access-control-allow-origin", headers)


class HostileInput(ClientAuthCase):
    # Room in the request header for a token over the token limit.
    extra_args = ("--max-header-bytes", "32768")

    def test_oversized_and_garbage_tokens_get_401_and_the_server_survives(self):
        for token, code in [("a" * 9000, "token_too_large"), ("...", "malformed_token"),
                            ("\u00e9t\u00e9", "malformed_token")]:
            status, _, body = self.poll(SPRING_BOX, token)
            self.assertEqual((status, json.loads(body)["code"]), (401, code), body)

        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                await ws.send(json.dumps({"op": "auth", "token": "a" * 9000}))
                await ws.recv()
        with self.assertRaises(websockets.exceptions.ConnectionClosed) as caught:
            run(go())
        self.assertEqual(caught.exception.code, 4401)
        self.assertEqual(self.poll(SPRING_BOX, self.ring.token("RS256"))[0], 200)


class StartUp(unittest.TestCase):
    def test_an_unusable_key_file_stops_the_server_at_start(self):
        with __import__("tempfile").TemporaryDirectory() as d:
            path = os.path.join(d, "jwks.json")
            with open(path, "w") as f:
                f.write('{"keys":[{"kty":"oct","alg":"none","k":"AAAA"}]}')
            with self.assertRaises(RuntimeError) as caught:
                Server("--client-auth-keys", path)
            self.assertIn("client-auth keys", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
