"""Hostile HTTP framing that the header and body limits alone do not catch:
endless chunk extensions, an endless chunk-size line and endless trailers.
Each must be cut off with bounded memory, on the data and the admin listener."""
import socket
import threading
import time
import unittest

from harness import SLOW, RawHttp, ServerTestCase

MIB = 1 << 20
# The attack: 1 GiB of chunk extensions spread over 8 connections.
ATTACK_BYTES = 1 << 30
ATTACK_CONNECTIONS = 8
RSS_GROWTH_LIMIT = 16 * MIB


def flood_chunk_extensions(port, head, total_bytes):
    """Sends `head` then extension bytes until `total_bytes` are sent or the
    server closes; returns the bytes the server accepted."""
    sent = 0
    block = (";ext=" + "v" * (64 * 1024 - 5)).encode()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW) as sock:
            sock.sendall(head)
            while sent < total_bytes:
                sock.sendall(block)
                sent += len(block)
    except OSError:
        pass  # the server closed the connection: what the limit should do
    return sent


def peak_rss_during(server, work):
    """Runs `work` (a list of threads' targets) while sampling the server's
    RSS; returns the largest growth over the RSS before the attack."""
    base = server.rss_bytes()
    peak = base
    threads = [threading.Thread(target=w) for w in work]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak = max(peak, server.rss_bytes())
        time.sleep(0.005)
    for t in threads:
        t.join()
    return max(peak, server.rss_bytes()) - base


class ChunkExtensionFlood(ServerTestCase):
    token = "secret-token"

    def attack(self, port, head):
        per_connection = ATTACK_BYTES // ATTACK_CONNECTIONS
        accepted = []
        work = [lambda: accepted.append(flood_chunk_extensions(port, head, per_connection))
                for _ in range(ATTACK_CONNECTIONS)]
        growth = peak_rss_during(self.server, work)
        # Each connection was cut off long before its share was sent.
        self.assertLess(max(accepted), per_connection // 16)
        return growth

    def assert_still_serving(self):
        c = RawHttp(self.server.data)
        c.send("GET /v1/boxes/1 HTTP/1.1\r\nConnection: close\r\n\r\n")
        self.assertTrue(c.read_all().startswith("HTTP/1.1 404"))
        c.close()
        status, _ = self.server.admin_request("GET", "/healthz")
        self.assertEqual(status, 200)

    def test_endless_chunk_extensions_on_the_data_listener_keep_rss_bounded(self):
        head = b"POST /v1/ingest HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1"
        growth = self.attack(self.server.data, head)
        print("data listener: RSS growth %.1f MiB" % (growth / MIB))
        self.assertLess(growth, RSS_GROWTH_LIMIT)
        self.assertGreaterEqual(self.server.metric("trove_limit_exceeded_total",
                                                   limit="chunk_header_size"), ATTACK_CONNECTIONS)
        self.assert_still_serving()

    def test_endless_chunk_extensions_on_the_ingest_listener_keep_rss_bounded(self):
        head = b"POST /v1/ingest HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1"
        growth = self.attack(self.server.ingest_port, head)
        print("ingest listener: RSS growth %.1f MiB" % (growth / MIB))
        self.assertLess(growth, RSS_GROWTH_LIMIT)
        self.assertGreaterEqual(self.server.metric("trove_limit_exceeded_total",
                                                   limit="chunk_header_size"), ATTACK_CONNECTIONS)
        self.assert_still_serving()

    def test_endless_chunk_extensions_on_the_admin_listener_keep_rss_bounded(self):
        head = b"PUT /admin/v1/tuning HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1"
        growth = self.attack(self.server.admin, head)
        print("admin listener: RSS growth %.1f MiB" % (growth / MIB))
        self.assertLess(growth, RSS_GROWTH_LIMIT)
        self.assertGreaterEqual(self.server.metric("trove_limit_exceeded_total",
                                                   limit="chunk_header_size"), ATTACK_CONNECTIONS)
        self.assert_still_serving()


class ChunkedFraming(ServerTestCase):
    server_args = ("--max-header-bytes", "1024")

    def send(self, port, request):
        c = RawHttp(port)
        try:
            c.send(request)
        except OSError:
            pass  # closed mid-send: the answer is still in the receive buffer
        out = c.read_all()
        c.close()
        return out

    def test_chunked_ingest_with_small_extensions_and_a_trailer_is_accepted(self):
        line = b'{"box":7,"hunt":"h","seq":1,"kind":"clue","data":{}}\n'
        body = b"%x;name=value\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (len(line), line)
        out = self.send(self.server.ingest_port, b"POST /v1/ingest HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                        b"Connection: close\r\n\r\n" + body)
        self.assertTrue(out.startswith("HTTP/1.1 200"), out)

    def test_many_complete_chunk_lines_count_their_extensions(self):
        chunk = b"1;" + b"e" * 200 + b"\r\n \r\n"  # 200 bytes of extension per 1-byte chunk
        out = self.send(self.server.data, b"POST /v1/ingest HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + chunk * 20)
        self.assertTrue(out.startswith("HTTP/1.1 413"), out)
        self.assertEqual(self.server.metric("trove_limit_exceeded_total", limit="chunk_extensions"), 1)

    def test_endless_trailers_are_cut_with_413(self):
        trailers = b"".join(b"X-T%d: %s\r\n" % (i, b"t" * 100) for i in range(2000))
        out = self.send(self.server.data, b"POST /v1/ingest HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"1\r\n \r\n0\r\n" + trailers)
        self.assertTrue(out.startswith("HTTP/1.1 413"), out)
        self.assertEqual(self.server.metric("trove_limit_exceeded_total", limit="chunk_header_size"), 1)

    def test_admin_listener_counts_its_limits_too(self):
        out = self.send(self.server.admin, "GET /healthz HTTP/1.1\r\nX-Big: " + "a" * 20000 + "\r\n\r\n")
        self.assertTrue(out.startswith("HTTP/1.1 431"), out)
        self.assertEqual(self.server.metric("trove_limit_exceeded_total", limit="header_size"), 1)


if __name__ == "__main__":
    unittest.main()
