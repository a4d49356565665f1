"""--max-memory-mib: past the budget new connections and ingest batches get
503 with Retry-After, existing connections keep being served, the episode is
logged once, and the server takes connections again once use falls."""
import json
import os
import struct
import time
import unittest

from harness import SLOW, RawHttp, RawWebSocket, Server, ServerTestCase, curl

HOLD_BYTES = 48 << 20  # a half-sent message the server must buffer
HEADROOM_MIB = 16      # budget above the idle server's use


def jemalloc_allocated(server):
    return server.metric("trove_jemalloc_bytes", stat="allocated")


class MemoryBudget(ServerTestCase):
    def start_with_budget(self):
        # Calibrate: what an idle server of this shape uses, then a budget
        # HEADROOM_MIB above it.
        idle_mib = int(jemalloc_allocated(self.server)) >> 20
        self.server.stop()
        budget = idle_mib + HEADROOM_MIB
        self.server = Server("--max-memory-mib", str(budget),
                             "--max-ws-client-message-bytes", str(2 * HOLD_BYTES),
                             "--ws-message-timeout-ms", "600000", workers=self.workers,
                             max_boxes=self.max_boxes)
        return budget

    def wait_over(self, want):
        deadline = time.time() + 10 * SLOW
        while True:
            status = curl(self.server.url("/v1/boxes/1"))[0]
            if (status == 503) == want:
                return
            self.assertLess(time.time(), deadline, "the budget never turned %s" % want)
            time.sleep(0.1)

    def test_over_the_budget_new_connections_and_batches_get_503_and_subscribers_are_served(self):
        # Registered in release builds only: the sanitizers bring their own allocator.
        self.assertTrue(jemalloc_allocated(self.server), "no jemalloc figures in /metrics")
        self.start_with_budget()
        self.server.ingest(['{"box":1,"state":"open"}'])
        subscriber = RawWebSocket(self.server.data, "/v1/ws")
        ingest = RawWebSocket(self.server.ingest_port, "/v1/ingest")
        poster = RawHttp(self.server.ingest_port)  # keep-alive, opened under the budget
        poster.send("POST /v1/ingest HTTP/1.1\r\nContent-Length: 9\r\n\r\n{\"box\":2}")
        self.assertIn(b"HTTP/1.1 200", poster.sock.recv(4096))
        # A message the server has to buffer: its first 48 MiB, never finished.
        hog = RawWebSocket(self.server.data, "/v1/ws")
        # A zero mask keeps the payload valid UTF-8 (spaces) as the server reads it.
        hog.sock.sendall(struct.pack("!BBQ", 0x81, 0x80 | 127, 2 * HOLD_BYTES - 1) + bytes(4))
        hog.sock.sendall(b" " * HOLD_BYTES)
        self.wait_over(True)
        status, headers, _ = curl(self.server.url("/v1/boxes/1"))
        self.assertEqual(status, 503)
        self.assertEqual(headers.get("retry-after"), "1")
        # The connections already open are served: a get, and an ingest batch
        # refused (not stored) with 503.
        subscriber.send_text('{"op":"get","box":1}')
        self.assertEqual(json.loads(subscriber.recv_frame()[1])["payload"]["state"], "open")
        ingest.send_text('{"box":1,"state":"closed"}')
        refused = json.loads(ingest.recv_frame()[1])
        self.assertEqual(refused["code"], 503, refused)
        poster.send("POST /v1/ingest HTTP/1.1\r\nContent-Length: 9\r\n\r\n{\"box\":3}")
        answer = poster.sock.recv(4096).decode()
        self.assertTrue(answer.startswith("HTTP/1.1 503"), answer)
        self.assertIn("Retry-After: 1", answer)
        self.assertEqual(self.server.metric("trove_store_boxes"), 2)  # box 3 not stored
        subscriber.send_text('{"op":"get","box":1}')
        self.assertEqual(json.loads(subscriber.recv_frame()[1])["payload"]["state"], "open")
        self.assertGreaterEqual(
            self.server.metric("trove_limit_exceeded_total", limit="memory_budget"), 4)
        # The buffer goes with its connection: new connections are taken again.
        hog.close()
        self.wait_over(False)
        ingest.send_text('{"box":1,"state":"closed"}')
        self.assertEqual(json.loads(ingest.recv_frame()[1])["accepted"], 1)
        self.assertEqual(self.server.output().count("memory budget exceeded"), 1)
        self.assertEqual(self.server.output().count("memory back under budget"), 1)
        for c in (subscriber, ingest, poster):
            c.close()


if __name__ == "__main__":
    unittest.main()
