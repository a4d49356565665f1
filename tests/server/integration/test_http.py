"""HTTP data plane: poll and ingest, driven with curl (an independent client)."""
import json
import unittest

from harness import SLOW, RawHttp, Server, ServerTestCase, curl


def msg(box, **fields):
    d = {"box": box}
    d.update(fields)
    return json.dumps(d)


class Poll(ServerTestCase):
    def test_poll_200_304_404_400(self):
        ack = self.server.ingest([msg(42, hunt="spring", state="open", x=1.5, y=2, ts=7)])
        self.assertEqual(ack["accepted"], 1, ack)
        status, headers, body = curl(self.server.url("/v1/boxes/42"))
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        payload = json.loads(body)
        self.assertEqual(payload["box"], 42)
        self.assertEqual(payload["state"], "open")
        etag = headers["etag"]
        boot = self.server.stats()["bootId"]
        self.assertEqual(etag, '"%s-1"' % boot)
        status, headers, body = curl("-H", "If-None-Match: " + etag, self.server.url("/v1/boxes/42"))
        self.assertEqual(status, 304)
        self.assertEqual(body, "")
        # A newer write changes the tag: the old one no longer matches.
        self.server.ingest([msg(42, state="claimed")])
        status, headers, body = curl("-H", "If-None-Match: " + etag, self.server.url("/v1/boxes/42"))
        self.assertEqual(status, 200)
        self.assertEqual(headers["etag"], '"%s-2"' % boot)
        self.assertEqual(json.loads(body)["state"], "claimed")
        self.assertEqual(curl(self.server.url("/v1/boxes/43"))[0], 404)
        for bad in ["abc", "0", "-1", "042", "18446744073709551616", "1x", "1/2", ""]:
            self.assertEqual(curl(self.server.url("/v1/boxes/" + bad))[0], 400, bad)
        self.assertEqual(curl("-X", "DELETE", self.server.url("/v1/boxes/42"))[0], 405)
        self.assertEqual(curl(self.server.url("/nope"))[0], 404)
        self.assertEqual(self.server.metric("trove_poll_requests_total", protocol="http", code="304"), 1)
        self.assertGreaterEqual(
            self.server.metric("trove_poll_requests_total", protocol="http", code="400"), 8)

    def test_keep_alive_pipelined_polls_on_one_connection(self):
        self.server.ingest([msg(7, state="open")])
        c = RawHttp(self.server.data)
        c.send("GET /v1/boxes/7 HTTP/1.1\r\nHost: x\r\n\r\n" * 3 +
               "GET /v1/boxes/7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out = c.read_all()
        self.assertEqual(out.count("HTTP/1.1 200 OK"), 4, out)


class Incarnation(unittest.TestCase):
    """Each start without state is a new incarnation: versions count from 1
    again, so an ETag of the previous one must never earn a 304."""

    def test_an_etag_from_before_a_restart_without_state_gets_200_and_the_payload(self):
        first = Server()
        first.ingest([msg(9, state="open")])
        status, headers, _ = curl(first.url("/v1/boxes/9"))
        self.assertEqual(status, 200)
        stale, old_boot = headers["etag"], first.stats()["bootId"]
        self.assertEqual(first.stop(), 0)
        second = Server()
        try:
            second.ingest([msg(9, state="claimed")])  # version 1 again, other payload
            new_boot = second.stats()["bootId"]
            self.assertNotEqual(new_boot, old_boot)
            self.assertRegex(new_boot, r"^[0-9a-f]{16}$")
            status, headers, body = curl("-H", "If-None-Match: " + stale, second.url("/v1/boxes/9"))
            self.assertEqual(status, 200, "a tag of another incarnation got %d" % status)
            self.assertEqual(json.loads(body)["state"], "claimed")
            self.assertEqual(headers["etag"], '"%s-1"' % new_boot)
            # The bare version numbers older servers sent never match either.
            self.assertEqual(curl("-H", 'If-None-Match: "1"', second.url("/v1/boxes/9"))[0], 200)
            self.assertEqual(
                curl("-H", "If-None-Match: " + headers["etag"], second.url("/v1/boxes/9"))[0], 304)
        finally:
            self.assertEqual(second.stop(), 0)


class Ingest(ServerTestCase):
    def test_ack_lists_rejected_indexes_and_reasons(self):
        status, _, body = curl("-X", "POST", "--data-binary",
                               msg(1, state="open") + "\n{not json}\n" + msg(0) + "\n" +
                               msg(2, state="bogus") + "\n" + msg(3) + "\n",
                               self.server.ingest_url())
        self.assertEqual(status, 200)
        ack = json.loads(body)
        self.assertEqual(ack["accepted"], 2, ack)
        self.assertEqual([r["index"] for r in ack["rejected"]], [1, 2, 3], ack)
        for r in ack["rejected"]:
            self.assertTrue(r["error"], r)
        self.assertEqual(ack["rejected"][1]["field"], "box")
        self.assertEqual(ack["rejected"][2]["code"], "unknown_state")
        # An ack means stored: both accepted boxes are readable right away.
        self.assertEqual(curl(self.server.url("/v1/boxes/1"))[0], 200)
        self.assertEqual(curl(self.server.url("/v1/boxes/3"))[0], 200)
        self.assertEqual(self.server.metric("trove_ingest_messages_total", result="accepted"), 2)
        self.assertEqual(self.server.metric("trove_ingest_messages_total", result="rejected"), 3)
        # Seq counts requests on the connection: curl opens a new one each time.
        self.assertEqual(ack["seq"], 1)
        self.assertEqual(ack["boot"], self.server.stats()["bootId"])

    def test_ingest_needs_post(self):
        self.assertEqual(curl(self.server.ingest_url())[0], 405)


class Listeners(ServerTestCase):
    def assert_ingest_elsewhere(self, out):
        head, _, body = out.partition("\r\n\r\n")
        self.assertTrue(head.startswith("HTTP/1.1 404"), out)
        self.assertIn("application/json", head)
        doc = json.loads(body)
        self.assertIn("ingest", doc["error"])
        self.assertEqual(doc["ingestListener"], "127.0.0.1:%d" % self.server.ingest_port)

    def test_ingest_on_the_public_listener_is_404_naming_the_ingest_listener(self):
        status, headers, body = curl("-X", "POST", "--data-binary", msg(1, state="open") + "\n",
                                     self.server.url("/v1/ingest"))
        self.assertEqual(status, 404, body)
        self.assertEqual(json.loads(body)["ingestListener"], "127.0.0.1:%d" % self.server.ingest_port)
        # A WebSocket upgrade to /v1/ingest there is refused the same way.
        c = RawHttp(self.server.data)
        c.send("GET /v1/ingest HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.assert_ingest_elsewhere(c.read_all())
        c.close()
        # Hostile variants: pipelined after a poll, chunked, with a query string.
        c = RawHttp(self.server.data)
        c.send("GET /v1/boxes/1 HTTP/1.1\r\n\r\nPOST /v1/ingest HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
               "2\r\n{}\r\n0\r\n\r\n")
        out = c.read_all()
        self.assertTrue(out.startswith("HTTP/1.1 404"), out)  # box 1 is unknown
        self.assertIn('"ingestListener"', out)
        c.close()
        self.assertEqual(curl("-X", "POST", "--data-binary", "{}", self.server.url("/v1/ingest?x=1"))[0], 404)
        # Nothing was stored; the ingest listener takes the same batch and serves reads too.
        self.assertEqual(self.server.metric("trove_store_boxes"), 0)
        self.assertEqual(self.server.ingest([msg(1, state="open")])["accepted"], 1)
        self.assertEqual(curl(self.server.url("/v1/boxes/1"))[0], 200)
        self.assertEqual(curl(self.server.ingest_url("/v1/boxes/1"))[0], 200)

    def test_a_body_on_the_public_listener_is_capped_at_16_kib(self):
        body = "x" * (100 * 1024)
        c = RawHttp(self.server.data)
        try:
            c.send("POST /v1/ingest HTTP/1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        except OSError:
            pass  # closed before the whole body went out: the answer is already there
        out = c.read_all()
        c.close()
        self.assertTrue(out.startswith("HTTP/1.1 413"), out[:200])
        self.assertEqual(self.server.metric("trove_limit_exceeded_total", limit="body_size"), 1)
        # The ingest listener takes bodies up to --max-body-bytes.
        lines = [msg(b, state="open") for b in range(1, 3000)]
        self.assertGreater(sum(len(l) + 1 for l in lines), 64 * 1024)
        self.assertEqual(self.server.ingest(lines)["accepted"], len(lines))

    def test_ingest_listener_defaults_to_loopback_8081(self):
        import subprocess
        from harness import SERVER_BIN
        out = subprocess.run([SERVER_BIN, "--print-config"], capture_output=True, text=True,
                             timeout=10 * SLOW).stdout
        self.assertIn("ingest_bind: 127.0.0.1", out)
        self.assertIn("ingest_port: 8081", out)
        r = subprocess.run([SERVER_BIN, "--port", "9999", "--ingest-port", "9999"], capture_output=True,
                           text=True, timeout=10 * SLOW)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ingest_port", r.stderr + r.stdout)


if __name__ == "__main__":
    unittest.main()
