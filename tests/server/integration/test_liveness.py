"""WebSocket liveness: server pings, the ping op, and the deadlines that pings
and pongs do not move (docs/api.md, Liveness)."""
import asyncio
import json
import os
import struct
import time

import websockets

from harness import SLOW, RawWebSocket, ServerTestCase

PING_INTERVAL_S = 1
IDLE_TIMEOUT_MS = 600  # the HTTP idle timeout
MESSAGE_TIMEOUT_MS = 600  # a WebSocket message's completion deadline
OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30 * SLOW))


class PeerSocket(RawWebSocket):
    """A raw WebSocket client that decides for itself whether to answer pings."""

    def send_frame(self, opcode, payload=b"", fin=True):
        mask = os.urandom(4)
        n = len(payload)
        first = (0x80 if fin else 0) | opcode
        header = struct.pack("!BB", first, 0x80 | n) if n < 126 else struct.pack(
            "!BBH", first, 0x80 | 126, n)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def frames_until_close(self, answer_pings, limit_s):
        """Reads frames for up to `limit_s` seconds. Returns (pings seen,
        close code or None if still open, seconds until the close)."""
        t0, pings = time.time(), 0
        self.ping_times = []  # seconds after the start, one per ping
        self.sock.settimeout(0.2)
        while time.time() - t0 < limit_s:
            try:
                op, payload = self.recv_frame()
            except TimeoutError:
                continue
            except (ConnectionError, OSError):
                return pings, None, time.time() - t0
            if op == OP_PING:
                pings += 1
                self.ping_times.append(time.time() - t0)
                if answer_pings:
                    self.send_frame(OP_PONG, payload)
            elif op == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                return pings, code, time.time() - t0
        return pings, None, None


class Liveness(ServerTestCase):
    server_args = ("--ws-ping-interval-s", str(PING_INTERVAL_S),
                   "--idle-timeout-ms", str(IDLE_TIMEOUT_MS),
                   "--ws-message-timeout-ms", str(MESSAGE_TIMEOUT_MS))

    def test_a_listener_that_never_sends_stays_connected_past_the_idle_timeout(self):
        # A browser tab cannot send WebSocket pings; it only answers the
        # server's (python-websockets answers them the same way, on its own).
        quiet_s = 4 * PING_INTERVAL_S  # > 6 idle timeouts, 4 ping rounds

        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                await asyncio.sleep(quiet_s * SLOW)
                self.server.ingest(['{"box":3,"state":"open"}'])
                await ws.send('{"op":"get","box":3}')
                return json.loads(await ws.recv())
        reply = run(go())
        self.assertEqual(reply["payload"]["state"], "open", reply)
        self.assertEqual(self.server.metric("trove_limit_exceeded_total", limit="ping_timeout"), 0)
        self.assertEqual(self.server.metric("trove_limit_exceeded_total", limit="idle_timeout"), 0)

    def test_the_server_pings_every_interval(self):
        peer = PeerSocket(self.server.data, "/v1/ws")
        # Three and a half intervals: pings at about 1, 2 and 3. Under the
        # sanitizers a ping may come late: the third is waited for a little
        # longer there, while more than four in the window still fails.
        window = 3.5 * PING_INTERVAL_S
        late = 0.5 * PING_INTERVAL_S * (SLOW - 1)
        _, code, _ = peer.frames_until_close(answer_pings=True, limit_s=window + late)
        self.assertIsNone(code, "a peer answering pings was closed")
        self.assertGreaterEqual(len(peer.ping_times), 3, peer.ping_times)
        self.assertLessEqual(sum(t < window for t in peer.ping_times), 4, peer.ping_times)
        peer.close()

    def test_a_peer_that_answers_no_ping_is_closed(self):
        peer = PeerSocket(self.server.data, "/v1/ws")
        pings, code, after_s = peer.frames_until_close(answer_pings=False,
                                                       limit_s=5 * PING_INTERVAL_S * SLOW)
        self.assertEqual(code, 1001, "a silent peer must be closed with 1001 (going away)")
        self.assertEqual(pings, 1)
        # The first ping goes after one interval, the close at the next one.
        self.assertGreaterEqual(after_s, 1.5 * PING_INTERVAL_S)
        self.assertLess(after_s, 3 * PING_INTERVAL_S * SLOW)
        peer.close()
        self.assertEqual(
            self.server.wait_metric(1, "trove_limit_exceeded_total", limit="ping_timeout"), 1)

    def test_pongs_never_extend_a_half_sent_message(self):
        # A message's first fragment, then only pongs: the peer is alive, but
        # the message must still end within its completion deadline.
        peer = PeerSocket(self.server.data, "/v1/ws")
        peer.send_frame(OP_TEXT, b'{"op":"get",', fin=False)
        _, code, after_s = peer.frames_until_close(answer_pings=True,
                                                   limit_s=5 * PING_INTERVAL_S * SLOW)
        self.assertEqual(code, 1008)
        self.assertLess(after_s, 2 * MESSAGE_TIMEOUT_MS / 1000 * SLOW + 0.2)
        peer.close()
        # A frame stalled half way through its payload is cut the same way.
        peer = PeerSocket(self.server.data, "/v1/ws")
        mask = os.urandom(4)
        part = bytes(b ^ mask[i % 4] for i, b in enumerate(b" " * 10))
        peer.sock.sendall(struct.pack("!BB", 0x81, 0x80 | 100) + mask + part)
        _, code, _ = peer.frames_until_close(answer_pings=False, limit_s=5 * SLOW)
        self.assertEqual(code, 1008)
        peer.close()
        self.assertEqual(
            self.server.wait_metric(2, "trove_limit_exceeded_total", limit="message_timeout"), 2)
        self.assertEqual(self.server.metric("trove_limit_exceeded_total", limit="ping_timeout"), 0)

    def test_a_fragmented_message_is_answered_when_it_completes(self):
        peer = PeerSocket(self.server.data, "/v1/ws")
        peer.send_frame(OP_TEXT, b'{"op":"ping",', fin=False)
        peer.send_frame(OP_PING, b"client")  # a control frame between fragments
        peer.send_frame(0x0, b'"id":7}', fin=True)
        replies = []
        while len(replies) < 1:
            op, payload = peer.recv_frame()
            if op == OP_TEXT:
                replies.append(json.loads(payload))
        self.assertEqual(replies, [{"op": "pong", "id": 7}])
        peer.close()

    def test_ping_op_answers_pong_with_the_id_in_order(self):
        self.server.ingest(['{"box":1}'])

        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                for op in ('{"op":"ping","id":"r-1"}', '{"op":"get","box":1}',
                           '{"op":"ping","id":42}', '{"op":"ping"}',
                           '{"op":"ping","id":{"nested":1}}',
                           '{"op":"ping","id":"%s"}' % ("x" * 65)):
                    await ws.send(op)
                return [json.loads(await ws.recv()) for _ in range(6)]
        r = run(go())
        self.assertEqual(r[0], {"op": "pong", "id": "r-1"})
        self.assertEqual(r[1]["op"], "get")
        self.assertEqual(r[2], {"op": "pong", "id": 42})
        self.assertEqual(r[3], {"op": "pong"})
        for bad in r[4:]:
            self.assertEqual(bad["op"], "error", bad)
            self.assertIn('"id"', bad["error"])


class MessageTimeoutIsItsOwnKnob(ServerTestCase):
    """--ws-message-timeout-ms, not the HTTP idle timeout, bounds a half-sent message."""
    server_args = ("--idle-timeout-ms", "300", "--ws-message-timeout-ms", "1500")

    def test_a_half_sent_message_is_closed_at_the_message_timeout_not_the_idle_timeout(self):
        peer = PeerSocket(self.server.data, "/v1/ws")
        peer.send_frame(OP_TEXT, b'{"op":"get",', fin=False)
        t0 = time.time()
        _, code, _ = peer.frames_until_close(answer_pings=True, limit_s=10 * SLOW)
        after_s = time.time() - t0
        self.assertEqual(code, 1008)
        self.assertGreaterEqual(after_s, 1.3)  # the sweeper runs every 50 ms
        self.assertLess(after_s, 3 * SLOW)
        peer.close()
        self.assertEqual(
            self.server.wait_metric(1, "trove_limit_exceeded_total", limit="message_timeout"), 1)

    def test_a_message_finished_after_the_idle_timeout_but_in_time_is_answered(self):
        peer = PeerSocket(self.server.data, "/v1/ws")
        peer.send_frame(OP_TEXT, b'{"op":"ping",', fin=False)
        time.sleep(0.8)  # past the 300 ms idle timeout, within the 1.5 s message timeout
        peer.send_frame(0x0, b'"id":9}', fin=True)
        op, payload = peer.recv_frame()
        while op != OP_TEXT:
            op, payload = peer.recv_frame()
        self.assertEqual(json.loads(payload), {"op": "pong", "id": 9})
        peer.close()
        self.assertEqual(self.server.metric("trove_limit_exceeded_total", limit="message_timeout"), 0)
