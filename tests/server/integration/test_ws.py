"""WebSocket data plane with Debian's python3-websockets (an independent client)."""
import asyncio
import json
import os
import random
import socket
import time
import unittest
import urllib.request

import websockets

from harness import SLOW, RawWebSocket, ServerTestCase


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20 * SLOW))


class WebSocket(ServerTestCase):
    def test_ws_ingest_acks_every_frame(self):
        async def go():
            async with websockets.connect(self.server.ingest_ws_url()) as ws:
                await ws.send('{"box":5,"state":"open"}\n{"box":"x"}\n')
                ack1 = json.loads(await ws.recv())
                await ws.send('{"box":6}')
                ack2 = json.loads(await ws.recv())
                return ack1, ack2
        ack1, ack2 = run(go())
        self.assertEqual((ack1["seq"], ack1["accepted"]), (1, 1), ack1)
        self.assertEqual(ack1["boot"], self.server.stats()["bootId"], ack1)
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
        self.assertEqual(found["boot"], self.server.stats()["bootId"], found)
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
                    websockets.connect(self.server.ingest_ws_url()) as ing:
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
                    websockets.connect(self.server.ingest_ws_url()) as ing:
                await sub.send('{"op":"subscribe","boxes":[100,101]}')
                self.assertEqual(json.loads(await sub.recv())["op"], "subscribed")
                await sub.send('{"op":"subscribe","hunt":"autumn"}')
                self.assertEqual(json.loads(await sub.recv())["op"], "subscribed")
                # The hunt has no boxes yet: its snapshot is only the marker.
                self.assertEqual(core(json.loads(await sub.recv())),
                                 {"op": "synced", "hunt": "autumn", "boxes": 0})
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
        self.assertEqual(push["boot"], self.server.stats()["bootId"], push)


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
                    websockets.connect(self.server.ingest_ws_url()) as ing:
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
                    websockets.connect(self.server.ingest_ws_url(),
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
        req = urllib.request.Request(self.server.ingest_url(), data=body.encode(), method="POST")
        with urllib.request.urlopen(req, timeout=10 * SLOW) as r:
            return json.loads(r.read())


async def recv_json(ws, timeout=10):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout * SLOW))


async def quiet(ws, seconds=0.3):
    """The next message if one arrives within `seconds`, else None."""
    try:
        return json.loads(await asyncio.wait_for(ws.recv(), seconds * SLOW))
    except asyncio.TimeoutError:
        return None


def raw_json(raw):
    """The next text frame of a RawWebSocket, parsed."""
    while True:
        op, payload = raw.recv_frame()
        if op == 1:
            return json.loads(payload)
        if op == 8:
            raise AssertionError("server closed the connection: %r" % payload)


def core(m):
    """A subscribed or synced message without its recovery fields (sync,
    boot, hpos; checked by the Recovery tests), for exact comparisons."""
    if m.get("op") in ("subscribed", "synced") and "hunt" in m:
        return {k: v for k, v in m.items() if k not in ("sync", "boot", "hpos")}
    return m


def hunt_lines(ids, hunt, player=""):
    extra = ',"player":"%s"' % player if player else ""
    return ['{"box":%d,"hunt":"%s","state":"open"%s}' % (b, hunt, extra) for b in ids]


class HuntSubscription(ServerTestCase):
    """{"op":"subscribe","hunt":H} answers "subscribed", then pushes every
    stored box of H at its current seq, then {"op":"synced","hunt":H,
    "boxes":N}. One worker, so every connection shares it; a small send
    queue, so the snapshot has to wait for the client."""
    workers = 1
    server_args = ("--send-queue-max", "16", "--push-interval-ms", "1")

    def test_subscribing_to_a_hunt_sends_exactly_its_boxes_at_their_current_seq_then_synced(self):
        self.server.ingest([
            '{"box":1,"hunt":"A","state":"open"}',
            '{"box":2,"hunt":"A","state":"open"}',
            '{"box":3,"hunt":"A","state":"open"}',
            '{"box":4,"hunt":"B","state":"open"}',
            '{"box":5,"hunt":"B","state":"open"}',
            '{"box":6,"state":"open"}',
            '{"box":2,"hunt":"B","state":"claimed"}',  # moved from A to B
            '{"box":5,"hunt":"A","state":"empty"}',    # moved from B to A
            '{"box":3,"state":"claimed","ts":7}',      # stays in A
            '{"box":3,"state":"empty","ts":8}',
            '{"box":7,"hunt":"AB","state":"open"}',    # another hunt, A as prefix
        ])
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                await ws.send('{"op":"subscribe","hunt":"A"}')
                a = [await recv_json(ws) for _ in range(5)]
                a_extra = await quiet(ws)
                pushes_after_a = self.server.metric("trove_ws_pushes_total")
                await ws.send('{"op":"subscribe","hunt":"B"}')
                b = [await recv_json(ws) for _ in range(4)]
                return a, a_extra, pushes_after_a, b, await quiet(ws)
        a, a_extra, pushes_after_a, b, b_extra = run(go())
        self.assertEqual(core(a[0]), {"op": "subscribed", "hunt": "A"})
        self.assertEqual([(m["op"], m["box"], m["seq"]) for m in a[1:4]],
                         [("push", 1, 1), ("push", 3, 3), ("push", 5, 2)], a)
        self.assertEqual((a[2]["payload"]["state"], a[2]["payload"]["ts"]), ("empty", 8))
        self.assertEqual(a[3]["payload"]["state"], "empty")
        self.assertEqual(core(a[4]), {"op": "synced", "hunt": "A", "boxes": 3})
        self.assertIsNone(a_extra, "nothing may follow the marker")
        self.assertEqual(pushes_after_a, 3, "snapshot pushes count in trove_ws_pushes_total")
        self.assertEqual(core(b[0]), {"op": "subscribed", "hunt": "B"})
        self.assertEqual([(m["box"], m["seq"], m["payload"]["state"]) for m in b[1:3]],
                         [(2, 2, "claimed"), (4, 1, "open")], b)
        self.assertEqual(core(b[3]), {"op": "synced", "hunt": "B", "boxes": 2})
        self.assertIsNone(b_extra)

    def test_hunts_subscribed_together_each_get_their_boxes_once_then_their_marker(self):
        hunts = {"a": [], "b": [], "c": []}
        for box in range(1, 6001):
            hunts["abc"[box % 3]].append(box)
        self.server.ingest(sum((hunt_lines(ids, h) for h, ids in hunts.items()), []))
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                # Sent together: the second joins the first one's scan.
                await ws.send('{"op":"subscribe","hunt":"a"}')
                await ws.send('{"op":"subscribe","hunt":"b"}')
                messages, synced = [], 0
                while synced < 2:
                    m = await recv_json(ws)
                    messages.append(m)
                    synced += m["op"] == "synced"
                return messages, await quiet(ws)
        messages, extra = run(go())
        self.assertIsNone(extra)
        self.assertEqual(sum(m["op"] == "subscribed" for m in messages), 2)
        for hunt in ("a", "b"):
            marker = [core(m) for m in messages].index({"op": "synced", "hunt": hunt, "boxes": 2000})
            pushed = [m["box"] for m in messages[:marker] if m["op"] == "push" and m["box"] in hunts[hunt]]
            self.assertEqual(sorted(pushed), hunts[hunt],
                             "hunt %s: each of its boxes exactly once before its marker" % hunt)
        self.assertEqual(sum(m["op"] == "push" for m in messages), 4000, "no box of c, none twice")

    def test_a_large_hunt_arrives_whole_through_a_small_send_queue(self):
        n = 20000
        self.server.ingest(hunt_lines(range(1, n + 1), "big", player="p" * 40) +
                           hunt_lines(range(n + 1, n + 5001), "other"))
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                started = time.monotonic()
                await ws.send('{"op":"subscribe","hunt":"big"}')
                self.assertEqual((await recv_json(ws))["op"], "subscribed")
                boxes = set()
                while True:
                    m = await recv_json(ws)
                    if m["op"] != "push":
                        break
                    boxes.add(m["box"])
                print("20,000-box snapshot through a 16-message queue: %.2f s"
                      % (time.monotonic() - started))
                return boxes, m
        boxes, marker = run(go())
        self.assertEqual(core(marker), {"op": "synced", "hunt": "big", "boxes": n})
        self.assertEqual(boxes, set(range(1, n + 1)))
        self.assertEqual(self.server.metric("trove_limit_exceeded_total", limit="send_queue"), 0,
                         "the snapshot itself must never trip the send-queue bound")

    def test_unsubscribing_mid_snapshot_stops_its_pushes(self):
        n = 20000
        self.server.ingest(hunt_lines(range(1, n + 1), "big", player="p" * 40))
        # A small receive buffer, so the server cannot be far ahead of us.
        sub = RawWebSocket(self.server.data, "/v1/ws", rcvbuf=8192)
        sub.send_text('{"op":"subscribe","hunt":"big"}')
        self.assertEqual(raw_json(sub)["op"], "subscribed")
        before = [raw_json(sub) for _ in range(20)]
        self.assertTrue(all(m["op"] == "push" for m in before), before)
        sub.send_text('{"op":"unsubscribe","hunt":"big"}')
        pushes = len(before)
        while True:
            m = raw_json(sub)
            if m["op"] == "unsubscribed":
                break
            self.assertEqual(m["op"], "push", "no marker for a hunt unsubscribed mid-snapshot")
            pushes += 1
        self.assertLess(pushes, n)
        print("%d pushes before unsubscribed" % pushes)
        sub.sock.settimeout(0.5 * SLOW)
        with self.assertRaises(socket.timeout, msg="a snapshot push after unsubscribed"):
            raw_json(sub)
        sub.sock.settimeout(5 * SLOW)
        sub.send_text('{"op":"get","box":1}')
        self.assertEqual(raw_json(sub)["box"], 1, "the connection still serves")
        sub.close()


class SubscriptionLimits(ServerTestCase):
    """A box subscription's current state goes through the same flow control
    as a hunt's snapshot: asking for more boxes than the send queue holds
    must not get the client closed with 1008. And one connection takes at
    most 64 hunts."""
    workers = 1
    server_args = ("--send-queue-max", "16")

    def test_subscribing_to_more_boxes_than_the_send_queue_holds_sends_them_all(self):
        self.server.ingest(['{"box":%d,"state":"open"}' % b for b in range(1, 4001)])
        ids = list(range(1, 4097))  # 4,096 asked, 4,000 exist
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                await ws.send(json.dumps({"op": "subscribe", "boxes": ids}))
                self.assertEqual(await recv_json(ws), {"op": "subscribed", "boxes": 4096})
                pushed = [(await recv_json(ws))["box"] for _ in range(4000)]
                return pushed, await quiet(ws)
        pushed, extra = run(go())
        self.assertEqual(pushed, list(range(1, 4001)), "each existing box once, in the order asked")
        self.assertIsNone(extra)
        self.assertEqual(self.server.metric("trove_limit_exceeded_total", limit="send_queue"), 0)

    def test_a_connection_takes_at_most_64_hunts(self):
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                for h in range(64):
                    await ws.send('{"op":"subscribe","hunt":"h%d"}' % h)
                    self.assertEqual(core(await recv_json(ws)), {"op": "subscribed", "hunt": "h%d" % h})
                    self.assertEqual(core(await recv_json(ws)),
                                     {"op": "synced", "hunt": "h%d" % h, "boxes": 0})
                await ws.send('{"op":"subscribe","hunt":"one-too-many"}')
                refused = await recv_json(ws)
                await ws.send('{"op":"subscribe","hunt":"h3"}')  # already held: fine
                again = await recv_json(ws)
                return refused, again
        refused, again = run(go())
        self.assertEqual(refused["op"], "error", refused)
        self.assertIn("64", refused["error"])
        self.assertEqual(core(again), {"op": "subscribed", "hunt": "h3"})


def masked_text_frame(text):
    """A client text frame, masked once up front, so sending it again costs
    the client nothing but a write (a Python masking loop over 20 KB would
    dwarf what the server spends)."""
    import struct
    data = text.encode()
    mask = os.urandom(4)
    n = len(data)
    header = struct.pack("!BB", 0x81, 0x80 | n) if n < 126 else (
        struct.pack("!BBH", 0x81, 0x80 | 126, n) if n < 65536 else
        struct.pack("!BBQ", 0x81, 0x80 | 127, n))
    key = (mask * (n // 4 + 1))[:n]
    masked = (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
    return header + mask + masked


def server_cpu_ns(pid):
    """CPU time every thread of `pid` has run, in ns (schedstat: scheduler
    accounting, so time spent waiting for a core on a loaded machine does not
    count)."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass  # a thread that ended
    return total


class SubscriptionCost(ServerTestCase):
    """A subscribe or unsubscribe costs the boxes it names, not the boxes held."""
    BOXES = 4096
    WARMUP = 10  # the first ops size the hash tables and fault their pages in
    ROUNDS = 200
    P99_LIMIT_S = 0.001

    ATTEMPTS = 3

    def measure(self, ws, subscribe, unsubscribe):
        """(server CPU, round trip) per op, sorted, after a warm-up."""
        cpu, wall = [], []
        for i in range(self.WARMUP + self.ROUNDS * 2):
            frame, want = (subscribe, "subscribed") if i % 2 == 0 else (unsubscribe, "unsubscribed")
            c0, t0 = server_cpu_ns(self.server.pid), time.perf_counter()
            ws.sock.sendall(frame)
            _, payload = ws.recv_frame()
            t1 = time.perf_counter()
            # The snapshot's lookups of a subscribe run after its reply: let
            # them finish inside this op's CPU window.
            if want == "subscribed":
                time.sleep(0.002)
            c1 = server_cpu_ns(self.server.pid)
            self.assertEqual(json.loads(payload)["op"], want, payload)
            if i >= self.WARMUP:
                cpu.append((c1 - c0) / 1e9)
                wall.append(t1 - t0)
        return sorted(cpu), sorted(wall)

    def test_a_4096_box_subscribe_unsubscribe_loop_answers_each_op_under_1_ms_at_p99(self):
        ids = list(range(10_000_000, 10_000_000 + self.BOXES))
        subscribe = masked_text_frame(json.dumps({"op": "subscribe", "boxes": ids}))
        unsubscribe = masked_text_frame(json.dumps({"op": "unsubscribe", "boxes": ids}))
        ws = RawWebSocket(self.server.data, "/v1/ws")
        ws.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The server's own time per op is what the data structure costs (the
        # round trip adds the client and waits for a core, printed only). A
        # machine shared with other builds still inflates it now and then
        # (cache, steal): the best of a few runs counts. Costs that grow with
        # the boxes held (7-15 ms per op) fail every run.
        best = None
        for attempt in range(self.ATTEMPTS):
            cpu, wall = self.measure(ws, subscribe, unsubscribe)
            p99 = int(len(cpu) * 0.99)
            print("4,096-box subscribe/unsubscribe, run %d: server CPU per op p50 %.3f ms, "
                  "p99 %.3f ms; round trip p50 %.3f ms, p99 %.3f ms"
                  % (attempt + 1, cpu[len(cpu) // 2] * 1e3, cpu[p99] * 1e3,
                     wall[len(wall) // 2] * 1e3, wall[p99] * 1e3))
            best = cpu[p99] if best is None else min(best, cpu[p99])
            if best < self.P99_LIMIT_S * SLOW:
                break
        ws.close()
        self.assertLess(best, self.P99_LIMIT_S * SLOW)


class HuntSnapshotUnderIngest(ServerTestCase):
    """Updates ingested while a hunt's snapshot runs, on another connection
    (and on either of two workers): a box's seq never goes backwards on the
    subscriber's connection, and its last push is its last write. The queue
    is large enough that the client's pace, not the slow-consumer bound,
    decides how far the live pushes get ahead."""
    server_args = ("--push-interval-ms", "1", "--send-queue-max", "4096")

    def test_updates_during_a_snapshot_never_make_a_seq_go_backwards(self):
        n = 20000
        self.server.ingest(hunt_lines(range(1, n + 1), "live"))
        version = {box: 1 for box in range(1, n + 1)}
        rng = random.Random(7)
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as sub, \
                    websockets.connect(self.server.ingest_ws_url()) as ing:
                seqs = {}
                async def read():
                    synced = False
                    while True:
                        m = await (recv_json(sub) if not synced else quiet(sub, 1.0))
                        if m is None:
                            return
                        if m["op"] == "synced":
                            synced = True
                        elif m["op"] == "push":
                            seqs.setdefault(m["box"], []).append(m["seq"])
                async def write():
                    # ~10,000 updates/s for about a second: while the snapshot
                    # runs (the client reads ~30,000 messages/s) and after.
                    for _ in range(200):
                        await asyncio.sleep(0.005)
                        batch = [rng.randint(1, n) for _ in range(50)]
                        for box in batch:
                            version[box] += 1
                        await ing.send("\n".join('{"box":%d,"state":"claimed"}' % b for b in batch))
                        ack = json.loads(await ing.recv())
                        self.assertEqual(ack["accepted"], 50, ack)
                await sub.send('{"op":"subscribe","hunt":"live"}')
                self.assertEqual((await recv_json(sub))["op"], "subscribed")
                await asyncio.gather(read(), write())
                return seqs
        seqs = run(go())
        print("boxes pushed more than once (snapshot and live): %d"
              % sum(len(s) > 1 for s in seqs.values()))
        backwards = {b: s for b, s in seqs.items() if s != sorted(s)}
        self.assertEqual(backwards, {}, "seq went backwards on the connection")
        self.assertEqual(set(seqs), set(version), "every box of the hunt was pushed")
        stale = {b: (s[-1], version[b]) for b, s in seqs.items() if s[-1] != version[b]}
        self.assertEqual(stale, {}, "the last push of a box must be its last write")


# Deadline for a first request of tens of MiB to arrive (the server's
# handshake timeout), for tests that send one.
BIG_BODY_DEADLINE_MS = 120000


class PollBesideAHuntSnapshot(ServerTestCase):
    """A hunt's snapshot over a store of a million boxes runs in steps: a
    poll from another connection on the same worker is answered while it
    runs, not after it."""
    workers = 1
    max_boxes = 1 << 20
    hay = 1000000
    # A first request must arrive whole within the handshake deadline
    # (slowloris, 5 s by default); the million-line body can take longer on
    # a loaded machine.
    server_args = ("--push-interval-ms", "1", "--max-body-bytes", str(64 << 20),
                   "--handshake-timeout-ms", str(BIG_BODY_DEADLINE_MS))
    # The proof needs this client to poll and then write while the scan
    # runs (~200 ms in a release build): on a loaded machine the client can
    # be descheduled for that long, and the scan ends first. A server that
    # answers the poll only after the scan fails every attempt; a client
    # that was merely late gets another one.
    attempts = 5

    def test_a_poll_on_the_same_worker_is_answered_while_a_big_snapshot_runs(self):
        last = self.hay + 2
        self.server.ingest(['{"box":1,"hunt":"needle","state":"open"}'])
        # A million lines: seconds of parsing, many more on a loaded machine.
        self.server.ingest(['{"box":%d,"hunt":"hay"}' % b for b in range(2, self.hay + 2)],
                           timeout=60)
        self.server.ingest(['{"box":%d,"hunt":"needle","state":"open"}' % last])
        poller = RawWebSocket(self.server.data, "/v1/ws")
        ingest = RawWebSocket(self.server.ingest_port, "/v1/ingest")
        answered_during_scan = False
        for attempt in range(self.attempts):
            if self.poll_beside_a_snapshot(poller, ingest, box1_seq=attempt + 1, last=last):
                answered_during_scan = True
                break
        self.assertTrue(answered_during_scan,
                        "in %d attempts the poll was answered only after the whole store was "
                        "scanned" % self.attempts)
        for c in (poller, ingest):
            c.close()

    def poll_beside_a_snapshot(self, poller, ingest, box1_seq, last):
        """One subscription's snapshot with a poll and a write beside it;
        True if the write's live push came before the snapshot's marker."""
        sub = RawWebSocket(self.server.data, "/v1/ws")
        sub.send_text('{"op":"subscribe","hunt":"needle"}')
        self.assertEqual(raw_json(sub)["op"], "subscribed")
        first = raw_json(sub)
        first_at = time.monotonic()
        self.assertEqual((first["box"], first["seq"]), (1, box1_seq), first)
        # Box 1 is in the first slot, the other needle in the last: the scan
        # is now somewhere in the hay.
        started = time.monotonic()
        poller.send_text('{"op":"get","box":%d}' % last)
        reply = raw_json(poller)
        poll_rtt = time.monotonic() - started
        self.assertEqual(reply["seq"], 1, reply)
        # A write after the poll's answer is pushed live; its push shows
        # where the snapshot was when the poll was answered.
        ingest.send_text('{"box":1,"state":"claimed"}')
        self.assertEqual(raw_json(ingest)["accepted"], 1)
        rest = []
        while not any(m["op"] == "push" and m["box"] == 1 for m in rest) or \
                not any(m["op"] == "synced" for m in rest):
            rest.append(raw_json(sub))
        print("poll answered in %.2f ms, marker read %.1f ms after box 1's snapshot push;"
              " then: %s" % (poll_rtt * 1e3, (time.monotonic() - first_at) * 1e3,
                            [(m["op"], m.get("box"), m.get("seq")) for m in rest]))
        sub.close()
        synced = [i for i, m in enumerate(rest) if m["op"] == "synced"]
        live = [i for i, m in enumerate(rest) if m["op"] == "push" and m["box"] == 1]
        self.assertEqual(core(rest[synced[0]]), {"op": "synced", "hunt": "needle", "boxes": 2})
        self.assertEqual(rest[live[0]]["seq"], box1_seq + 1)
        self.assertIn(last, [m.get("box") for m in rest[:synced[0]]])
        return live[0] < synced[0]


if __name__ == "__main__":
    unittest.main()
