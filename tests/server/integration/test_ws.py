"""WebSocket data plane with Debian's python3-websockets (an independent client)."""
import asyncio
import json
import time
import unittest
import urllib.request

import websockets

from harness import SLOW, ServerTestCase


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20 * SLOW))


class WebSocket(ServerTestCase):
    def test_ws_ingest_acks_every_frame(self):
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ingest")) as ws:
                await ws.send('{"box":5,"state":"open"}\n{"box":"x"}\n')
                ack1 = json.loads(await ws.recv())
                await ws.send('{"box":6}')
                ack2 = json.loads(await ws.recv())
                return ack1, ack2
        ack1, ack2 = run(go())
        self.assertEqual((ack1["seq"], ack1["accepted"]), (1, 1), ack1)
        self.assertEqual(ack1["rejected"][0]["index"], 1, ack1)
        self.assertEqual((ack2["seq"], ack2["accepted"], ack2["rejected"]), (2, 1, []), ack2)

    def test_ws_get(self):
        self.server.ingest(['{"box":9,"state":"open","player":"p"}'])
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                await ws.send('{"op":"get","box":9}')
                found = json.loads(await ws.recv())
                await ws.send('{"op":"get","box":10}')
                missing = json.loads(await ws.recv())
                await ws.send('{"op":"get","box":"nine"}')
                bad = json.loads(await ws.recv())
                await ws.send('{"op":"teleport"}')
                unknown = json.loads(await ws.recv())
                return found, missing, bad, unknown
        found, missing, bad, unknown = run(go())
        self.assertEqual(found["seq"], 1, found)
        self.assertEqual(found["payload"]["player"], "p", found)
        self.assertEqual(missing["code"], 404, missing)
        self.assertEqual(bad["op"], "error", bad)
        self.assertIn("unknown op", unknown["error"])
        self.assertEqual(self.server.metric("trove_poll_requests_total", protocol="ws", code="200"), 1)

    def test_pipelined_requests_are_all_answered_in_order(self):
        # The server reads a connection's next message only after its reply is
        # written (no empty recv per message); a client that sends many
        # requests without waiting must still get every reply, in order, on
        # both endpoints.
        self.server.ingest(['{"box":%d}' % b for b in range(1, 6)])
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws, \
                    websockets.connect(self.server.ws_url("/v1/ingest")) as ing:
                for i in range(200):
                    await ws.send('{"op":"get","box":%d}' % (1 + i % 7))
                    await ing.send('{"box":%d}' % (10 + i))
                gets = [json.loads(await ws.recv()) for _ in range(200)]
                acks = [json.loads(await ing.recv()) for _ in range(200)]
                return gets, acks
        gets, acks = run(go())
        self.assertEqual([g["box"] for g in gets], [1 + i % 7 for i in range(200)])
        self.assertEqual([("code" in g) for g in gets], [(1 + i % 7) > 5 for i in range(200)])
        self.assertEqual([a["seq"] for a in acks], list(range(1, 201)))
        self.assertTrue(all(a["accepted"] == 1 for a in acks), acks[:3])

    def test_subscribe_receives_pushes_from_ingest_on_another_connection(self):
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as sub, \
                    websockets.connect(self.server.ws_url("/v1/ingest")) as ing:
                await sub.send('{"op":"subscribe","boxes":[100,101]}')
                self.assertEqual(json.loads(await sub.recv())["op"], "subscribed")
                await sub.send('{"op":"subscribe","hunt":"autumn"}')
                self.assertEqual(json.loads(await sub.recv())["op"], "subscribed")
                # Many updates of box 100 in one frame: coalesced, the push
                # carries the newest payload.
                lines = ['{"box":100,"state":"open","ts":%d}' % i for i in range(50)]
                lines.append('{"box":200,"hunt":"autumn","state":"empty"}')
                lines.append('{"box":300,"state":"open"}')  # nobody subscribed
                await ing.send("\n".join(lines))
                json.loads(await ing.recv())
                # Until box 100's newest version (seq 50) and box 200 are in:
                # a batch stored in slices may be pushed in two ticks.
                pushes = {}
                while 200 not in pushes or pushes.get(100, [{}])[-1].get("seq") != 50:
                    m = json.loads(await sub.recv())
                    self.assertEqual(m["op"], "push", m)
                    pushes.setdefault(m["box"], []).append(m)
                await sub.send('{"op":"unsubscribe"}')
                self.assertEqual(json.loads(await sub.recv())["op"], "unsubscribed")
                await ing.send('{"box":100,"state":"claimed"}')
                await ing.recv()
                try:
                    extra = await asyncio.wait_for(sub.recv(), 0.3 * SLOW)
                except asyncio.TimeoutError:
                    extra = None
                return pushes, extra
        pushes, extra = run(go())
        self.assertLessEqual(len(pushes[100]), 3, pushes[100])  # coalesced, not 50
        self.assertEqual(pushes[100][-1]["payload"]["ts"], 49)
        self.assertEqual(pushes[100][-1]["seq"], 50)
        self.assertEqual(pushes[200][0]["payload"]["state"], "empty")
        self.assertIsNone(extra, "push after unsubscribe")
        self.assertGreaterEqual(self.server.metric("trove_ws_pushes_total"), 2)

    def test_subscribe_sends_current_state(self):
        self.server.ingest(['{"box":77,"state":"open"}'])
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                await ws.send('{"op":"subscribe","boxes":[77]}')
                return json.loads(await ws.recv()), json.loads(await ws.recv())
        ack, push = run(go())
        self.assertEqual(ack["op"], "subscribed")
        self.assertEqual((push["op"], push["box"], push["seq"]), ("push", 77, 1))


class PushCoalescing(ServerTestCase):
    """Pushes are throttled per worker to one tick per --push-interval-ms
    (1 s here, so the timing is unmistakable on a loaded machine): an update
    after a quiet interval is pushed at once (leading edge), updates within
    the interval wait for the next tick and are coalesced into one push."""
    server_args = ("--push-interval-ms", "1000")
    workers = 1

    def test_lone_update_is_pushed_at_once_and_a_burst_waits_for_the_tick(self):
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as sub, \
                    websockets.connect(self.server.ws_url("/v1/ingest")) as ing:
                await sub.send('{"op":"subscribe","boxes":[7]}')
                self.assertEqual(json.loads(await sub.recv())["op"], "subscribed")
                await asyncio.sleep(1.1)  # quiet for a whole interval
                t0 = time.monotonic()
                await ing.send('{"box":7,"state":"open"}')
                await ing.recv()
                first = json.loads(await sub.recv())
                t_first = time.monotonic() - t0
                for state in ("claimed", "empty", "closed"):  # a burst within the interval
                    await ing.send('{"box":7,"state":"%s"}' % state)
                    await ing.recv()
                second = json.loads(await sub.recv())
                t_second = time.monotonic() - t0
                return first, t_first, second, t_second
        first, t_first, second, t_second = run(go())
        self.assertEqual((first["seq"], first["payload"]["state"]), (1, "open"), first)
        self.assertLess(t_first, 0.5, "a lone update waited for a tick")
        # The burst: one push, the newest payload, a tick after the first push.
        self.assertEqual((second["seq"], second["payload"]["state"]), (4, "closed"), second)
        self.assertGreaterEqual(t_second, 0.9, "two pushes within one interval")


class IngestBesideOtherConnections(ServerTestCase):
    """One worker with a client connection open, so large batches are
    ingested in slices with the client served in between: the acks and the
    stored state must be exactly those of an unsliced batch."""
    workers = 1

    @staticmethod
    def batch(n, bad):
        return "".join(("{\"box\":" if i not in bad else "{\"box\":\"x") + str(i + 1) + "}\n"
                       for i in range(n))

    def check_ack(self, ack, n, bad):
        self.assertEqual(ack["accepted"], n - len(bad), ack)
        self.assertEqual([r["index"] for r in ack["rejected"]], sorted(bad), ack)

    def test_large_batches_over_ws_and_http_are_acked_exactly_while_gets_are_served(self):
        n, bad = 3000, {3, 1500, 2999}
        body = self.batch(n, bad)
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as client, \
                    websockets.connect(self.server.ws_url("/v1/ingest"),
                                       max_size=None) as ingest:
                await ingest.send(body)
                await client.send('{"op":"get","box":1}')
                reply = json.loads(await client.recv())
                ack = json.loads(await ingest.recv())
                # Over HTTP, with the WebSocket client still open on the worker.
                loop = asyncio.get_running_loop()
                http_ack = await loop.run_in_executor(None, self.post, body.replace("{\"box\":1}", "{\"box\":1,\"x\":2}", 1))
                await client.send('{"op":"get","box":1}')
                after = json.loads(await client.recv())
                return reply, ack, http_ack, after
        reply, ack, http_ack, after = run(go())
        self.assertIn(reply.get("code", 200), (200, 404), reply)
        self.check_ack(ack, n, bad)
        self.check_ack(http_ack, n, bad)
        self.assertEqual((after["seq"], after["payload"]["x"]), (2, 2), after)
        self.assertEqual(self.server.metric("trove_ingest_messages_total", result="accepted"),
                         2 * (n - len(bad)))

    def post(self, body):
        req = urllib.request.Request(self.server.url("/v1/ingest"), data=body.encode(), method="POST")
        with urllib.request.urlopen(req, timeout=10 * SLOW) as r:
            return json.loads(r.read())


if __name__ == "__main__":
    unittest.main()
