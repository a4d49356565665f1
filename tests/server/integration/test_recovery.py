"""Hunt recovery (docs/api.md, Recovery): a client that resubscribes with
the position it holds receives only what changed after it, then `synced`
saying "recovered"; a position the server cannot resume from gets the whole
state and "full"; malformed or impossible positions get an `error`."""
import asyncio
import json
import os
import re
import tempfile
import unittest

import websockets

from harness import SLOW, Server, ServerTestCase

HEX16 = re.compile(r"^[0-9a-f]{16}$")


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30 * SLOW))


async def recv_json(ws, timeout=10):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout * SLOW))


async def quiet(ws, seconds=0.3):
    try:
        return json.loads(await asyncio.wait_for(ws.recv(), seconds * SLOW))
    except asyncio.TimeoutError:
        return None


def lines(ids, hunt, state="open"):
    return ['{"box":%d,"hunt":"%s","state":"%s"}' % (b, hunt, state) for b in ids]


async def subscribe(server, hunt, since=None, boot=None):
    """Subscribes on a new connection and reads up to the hunt's synced:
    (connection, subscribed, pushes, synced). The caller closes it."""
    ws = await websockets.connect(server.ws_url("/v1/ws"))
    op = {"op": "subscribe", "hunt": hunt}
    if since is not None:
        op.update(since=since, boot=boot)
    await ws.send(json.dumps(op))
    subscribed = await recv_json(ws)
    pushes = []
    while True:
        m = await recv_json(ws)
        if m["op"] == "synced":
            return ws, subscribed, pushes, m
        assert m["op"] == "push", m
        pushes.append(m)


async def read_until_position(ws, want_boxes, position=0):
    """Reads live pushes until every box of want_boxes came; returns the
    highest hpos seen (a client's resume point) and the pushes."""
    seen, pushes = set(), []
    while not want_boxes <= seen:
        m = await recv_json(ws)
        assert m["op"] == "push", m
        pushes.append(m)
        seen.add(m["box"])
        position = max(position, m["hpos"])
    return position, pushes


class HuntRecovery(ServerTestCase):
    def test_missed_updates_are_all_that_a_resubscriber_receives(self):
        self.server.ingest(lines(range(1, 1001), "h") + lines(range(5001, 5011), "other"))
        boot = self.server.stats()["bootId"]

        async def go():
            ws, subscribed, pushes, synced = await subscribe(self.server, "h")
            self.assertEqual(subscribed, {"op": "subscribed", "hunt": "h", "sync": "full"})
            self.assertEqual(len(pushes), 1000)
            self.assertEqual((synced["sync"], synced["boot"], synced["boxes"]), ("full", boot, 1000))
            self.assertNotIn("hpos", pushes[0], "snapshot pushes carry no resume point")
            # Live: the position advances with each push of the hunt.
            self.server.ingest(lines([1, 2], "h", "claimed"))
            position, live = await read_until_position(ws, {1, 2}, synced["hpos"])
            self.assertGreater(position, synced["hpos"])
            await ws.close()
            # Missed while away: 10 boxes of h (one twice) and boxes of another hunt.
            self.server.ingest(lines(range(11, 21), "h", "empty") + lines([11], "h", "open") +
                               lines(range(5001, 5011), "other", "empty"))
            ws, subscribed, pushes, synced = await subscribe(self.server, "h", position, boot)
            extra = await quiet(ws)
            await ws.close()
            return subscribed, pushes, synced, extra, position
        subscribed, pushes, synced, extra, position = run(go())
        self.assertEqual(subscribed["sync"], "recovered")
        self.assertEqual(sorted(p["box"] for p in pushes), list(range(11, 21)), pushes)
        self.assertEqual({p["box"]: p["payload"]["state"] for p in pushes}[11], "open")
        self.assertEqual((synced["sync"], synced["boxes"]), ("recovered", 10), synced)
        self.assertGreater(synced["hpos"], position)
        self.assertIsNone(extra)

    def test_a_client_that_missed_nothing_receives_only_synced(self):
        self.server.ingest(lines(range(1, 101), "h"))
        boot = self.server.stats()["bootId"]

        async def go():
            ws, _, _, synced = await subscribe(self.server, "h")
            self.server.ingest(lines([7], "h", "claimed"))
            position, _ = await read_until_position(ws, {7}, synced["hpos"])
            await ws.close()
            self.server.ingest(lines([9], "elsewhere"))  # another hunt moves on
            ws, subscribed, pushes, synced = await subscribe(self.server, "h", position, boot)
            extra = await quiet(ws)
            await ws.close()
            return subscribed, pushes, synced, extra
        subscribed, pushes, synced, extra = run(go())
        self.assertEqual(subscribed["sync"], "recovered")
        self.assertEqual(pushes, [])
        self.assertEqual((synced["sync"], synced["boxes"]), ("recovered", 0), synced)
        self.assertIsNone(extra)

    def test_positions_the_server_cannot_resume_from_get_the_whole_state(self):
        self.server.ingest(lines(range(1, 51), "h"))
        boot = self.server.stats()["bootId"]
        other_boot = "%016x" % (int(boot, 16) ^ 1)

        async def go():
            results = []
            for since, b in ((5, other_boot), (0, boot), (1, boot)):  # other boot; before this process
                ws, subscribed, pushes, synced = await subscribe(self.server, "h", since, b)
                await ws.close()
                results.append((subscribed["sync"], len(pushes), synced["sync"], synced["boxes"]))
            return results
        for result in run(go()):
            self.assertEqual(result, ("full", 50, "full", 50))

    def test_hostile_positions_are_answered_with_an_error_and_hold_nothing(self):
        self.server.ingest(lines(range(1, 4), "h"))
        boot = self.server.stats()["bootId"]
        bad = [
            '{"op":"subscribe","hunt":"h","since":-1,"boot":"%s"}' % boot,
            '{"op":"subscribe","hunt":"h","since":1e30,"boot":"%s"}' % boot,
            '{"op":"subscribe","hunt":"h","since":99999999999999999999999,"boot":"%s"}' % boot,
            '{"op":"subscribe","hunt":"h","since":"12","boot":"%s"}' % boot,
            '{"op":"subscribe","hunt":"h","since":12}',
            '{"op":"subscribe","hunt":"h","since":12,"boot":"%s"}' % boot.upper(),
            '{"op":"subscribe","hunt":"h","since":12,"boot":"%s"}' % ("z" * 16),
            '{"op":"subscribe","hunt":"h","since":12,"boot":"%s"}' % ("a" * 10000),
            '{"op":"subscribe","boxes":[1],"since":12,"boot":"%s"}' % boot,
            '{"op":"subscribe","boxes":[1,2],"since":[-1,2],"boot":"%s"}' % boot,
            '{"op":"subscribe","boxes":[1,2],"since":[1],"boot":"%s"}' % boot,
            # From the future: the largest position there is.
            '{"op":"subscribe","hunt":"h","since":18446744073709551615,"boot":"%s"}' % boot,
        ]

        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                replies = []
                for text in bad:
                    await ws.send(text)
                    replies.append(await recv_json(ws))
                extra = await quiet(ws)
                await ws.send('{"op":"subscribe","hunt":"h"}')  # the connection still works
                ok = await recv_json(ws)
                return replies, extra, ok
        replies, extra, ok = run(go())
        for text, reply in zip(bad, replies):
            self.assertEqual(reply["op"], "error", (text, reply))
            self.assertTrue(re.search(r'"(since|boot)"', reply["error"]), (text, reply))
        self.assertIn("ahead of this server", replies[-1]["error"])
        self.assertIsNone(extra, "a refused subscribe sends nothing more")
        self.assertEqual(ok["sync"], "full")


class BoxRecovery(ServerTestCase):
    def test_boxes_resubscribed_with_their_versions_get_only_the_changed_ones_then_synced(self):
        self.server.ingest(['{"box":%d,"state":"open"}' % b for b in (1, 2, 3)])
        self.server.ingest(['{"box":2,"state":"claimed"}'])  # box 2 at version 2
        boot = self.server.stats()["bootId"]
        other = "%016x" % (int(boot, 16) ^ 1)

        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                replies = []
                for since, b in (([1, 1, 1, 7], boot), ([1, 2, 1, 0], boot), ([1, 2, 1, 0], other)):
                    await ws.send(json.dumps({"op": "subscribe", "boxes": [1, 2, 3, 4],
                                              "since": since, "boot": b}))
                    got = [await recv_json(ws)]
                    while got[-1]["op"] != "synced":
                        got.append(await recv_json(ws))
                    replies.append(got)
                    await ws.send('{"op":"unsubscribe"}')
                    self.assertEqual((await recv_json(ws))["op"], "unsubscribed")
                return replies
        behind, current, other_boot = run(go())
        self.assertEqual([(m["op"], m.get("box")) for m in behind],
                         [("subscribed", None), ("push", 2), ("synced", None)], behind)
        self.assertEqual(behind[-1], {"op": "synced", "boxes": 1, "sync": "recovered", "boot": boot})
        self.assertEqual([m["op"] for m in current], ["subscribed", "synced"], current)
        self.assertEqual(current[-1]["boxes"], 0)
        self.assertEqual([m.get("box") for m in other_boot if m["op"] == "push"], [1, 2, 3])
        self.assertEqual(other_boot[-1]["sync"], "full")


class RecoveryAcrossRestarts(unittest.TestCase):
    def setUp(self):
        self.state = tempfile.TemporaryDirectory(prefix="trove-recovery-")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            if s.proc.poll() is None:
                s.stop()
        self.state.cleanup()

    def start(self, *args):
        server = Server(*args)
        self.servers.append(server)
        return server

    def position_after(self, server):
        async def go():
            ws, _, _, synced = await subscribe(server, "h")
            await ws.close()
            return synced
        return run(go())

    def test_a_restart_without_state_is_another_incarnation_and_answered_full(self):
        first = self.start()
        first.ingest(lines(range(1, 21), "h"))
        synced = self.position_after(first)
        first.stop()
        second = self.start()
        second.ingest(lines(range(1, 6), "h"))

        async def go():
            ws, subscribed, pushes, marker = await subscribe(second, "h", synced["hpos"], synced["boot"])
            await ws.close()
            return subscribed, pushes, marker
        subscribed, pushes, marker = run(go())
        self.assertNotEqual(marker["boot"], synced["boot"])
        self.assertEqual((subscribed["sync"], marker["sync"], len(pushes)), ("full", "full", 5))

    def test_a_restart_with_state_keeps_the_boot_but_answers_full(self):
        # The change order is the process's own (not in the state files):
        # a position from before the restart cannot say what changed.
        state = os.path.join(self.state.name, "s")
        first = self.start("--state-dir", state, "--ack", "durable")
        first.ingest(lines(range(1, 21), "h"))
        synced = self.position_after(first)
        first.stop()
        second = self.start("--state-dir", state)

        async def go():
            ws, subscribed, pushes, marker = await subscribe(second, "h", synced["hpos"], synced["boot"])
            await ws.close()
            return subscribed, pushes, marker
        subscribed, pushes, marker = run(go())
        self.assertEqual(marker["boot"], synced["boot"])
        self.assertGreater(marker["hpos"], synced["hpos"])
        self.assertEqual((subscribed["sync"], marker["sync"], len(pushes)), ("full", "full", 20))


if __name__ == "__main__":
    unittest.main()
