"""Drain (admin and SIGTERM/SIGINT), configuration errors, --help, --print-config."""
import asyncio
import json
import signal
import subprocess
import time
import unittest
import urllib.request

import websockets

from harness import SERVER_BIN, SLOW, RawHttp, RawWebSocket, Server, ServerTestCase


class Drain(ServerTestCase):
    token = "drain-token"

    def test_admin_drain_closes_ws_with_1001_refuses_new_and_exits_0_on_sigterm(self):
        self.server.ingest(['{"box":1,"state":"open"}'])
        ws = RawWebSocket(self.server.data, "/v1/ws")
        ws.send_text('{"op":"get","box":1}')
        self.assertEqual(json.loads(ws.recv_frame()[1])["seq"], 1)
        idle = RawHttp(self.server.data)
        idle.send("GET /v1/boxes/1 HTTP/1.1\r\n\r\n")
        self.assertIn(b"200 OK", idle.sock.recv(4096))
        status, _ = self.server.admin_request("POST", "/admin/v1/drain", token=self.token)
        self.assertEqual(status, 202)
        self.assertEqual(ws.wait_close_code(), 1001)
        self.assertTrue(idle.closed_by_server(3 * SLOW), "idle keep-alive not closed by drain")
        self.assertEqual(self.server.admin_request("GET", "/readyz")[0], 503)
        self.assertEqual(self.server.metric("trove_draining"), 1)
        # Listeners are closed: new connections are refused.
        with self.assertRaises(ConnectionRefusedError):
            RawHttp(self.server.data)
        with self.assertRaises(ConnectionRefusedError):
            RawHttp(self.server.ingest_port)
        # The admin port keeps answering until the pod's SIGTERM; then exit 0.
        self.assertEqual(self.server.admin_request("GET", "/healthz")[0], 200)
        self.assertEqual(self.server.stop(signal.SIGTERM), 0)

    def test_drain_finishes_a_request_in_flight(self):
        body = '{"box":5,"state":"open"}\n'
        c = RawHttp(self.server.ingest_port)
        c.send("POST /v1/ingest HTTP/1.1\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body[:10]))
        # The bytes sit in the connection's socket before the server accepts
        # it: once it is counted, its first read holds them, and the drain
        # (queued behind that read on the worker) finds a request in flight.
        self.assertEqual(self.server.wait_metric(1, "trove_connections", protocol="http"), 1)
        # The 202 comes once every worker has run its drain: the rest of the
        # body arrives at a draining server.
        self.assertEqual(self.server.admin_request("POST", "/admin/v1/drain", token=self.token)[0], 202)
        c.send(body[10:])
        out = c.read_all()  # answered, then closed by the server
        self.assertTrue(out.startswith("HTTP/1.1 200"), out)
        self.assertIn("Connection: close", out)
        self.assertEqual(json.loads(out.split("\r\n\r\n", 1)[1])["accepted"], 1)
        self.assertEqual(self.server.metric("trove_store_boxes"), 1)

    def test_sigint_finishes_in_flight_and_closes_ws_with_1001(self):
        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws:
                await ws.send('{"op":"subscribe","boxes":[1]}')
                await ws.recv()
                self.server.proc.send_signal(signal.SIGINT)
                try:
                    while True:
                        await ws.recv()
                except websockets.ConnectionClosed as e:
                    return e.code
        code = asyncio.run(asyncio.wait_for(go(), 10 * SLOW))
        self.assertEqual(code, 1001)
        self.assertEqual(self.server.proc.wait(10 * SLOW), 0)

    def test_drain_deadline_cuts_stuck_connections(self):
        self.server.stop()
        self.server = Server("--drain-timeout-ms", "300")
        # A request that never completes its body stays in flight.
        stuck = RawHttp(self.server.ingest_port)
        stuck.send("POST /v1/ingest HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        # Accepted (a connection still in the listen queue at the drain would
        # be refused, not cut).
        self.assertEqual(self.server.wait_metric(1, "trove_connections", protocol="http"), 1)
        t0 = time.time()
        self.assertEqual(self.server.stop(signal.SIGTERM), 0)
        self.assertLess(time.time() - t0, 5 * SLOW)
        self.assertIn("1 connections cut at the deadline", self.server.output())


class Configuration(unittest.TestCase):
    def run_server(self, *args, env=None):
        return subprocess.run([SERVER_BIN] + list(args), capture_output=True, text=True,
                              env=env, timeout=20 * SLOW)

    def test_help_lists_flags(self):
        r = self.run_server("--help")
        self.assertEqual(r.returncode, 0)
        for flag in ["--config", "--bind", "--port", "--ingest-bind", "--ingest-port", "--admin-bind", "--admin-port", "--workers",
                     "--arena-mib", "--epoch-ms", "--allocator", "--max-boxes",
                     "--admin-token-file", "--port-file", "--print-config", "--busy-poll-us"]:
            self.assertIn(flag, r.stdout)

    def test_invalid_values_name_key_value_and_range(self):
        r = self.run_server("--arena-mib", "0")
        self.assertEqual(r.returncode, 2)
        self.assertIn("arena_mib: '0' (allowed: 1 .. 65536)", r.stderr)
        r = self.run_server("--allocator", "magic")
        self.assertEqual(r.returncode, 2)
        self.assertIn("allocator", r.stderr)

    def test_print_config_shows_precedence(self):
        import os
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("epoch_ms: 30\nworkers: 3\nmax_boxes: 1000\n")
        env = dict(os.environ, TROVE_WORKERS="4", TROVE_MAX_BOXES="2000")
        r = self.run_server("--config", f.name, "--max-boxes", "3000", "--print-config", env=env)
        os.unlink(f.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("epoch_ms: 30", r.stdout)
        self.assertIn("workers: 4", r.stdout)
        self.assertIn("max_boxes: 3000", r.stdout)

    def test_busy_poll_mode_serves(self):
        s = Server("--busy-poll-us", "50")
        try:
            s.ingest(['{"box":1}'])
            with urllib.request.urlopen(s.url("/v1/boxes/1"), timeout=5 * SLOW) as r:
                self.assertEqual(r.status, 200)
        finally:
            self.assertEqual(s.stop(), 0)

    def test_unreadable_token_file_fails_fast(self):
        # A path that exists but holds no token (here a directory); a path that
        # does not exist yet is waited for (test_admin_auth.TokenFileNotThereYet).
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            r = self.run_server("--port", "0", "--ingest-port", "0", "--admin-port", "0", "--admin-token-file", d)
        self.assertEqual(r.returncode, 1)
        self.assertIn(d, r.stderr)


if __name__ == "__main__":
    unittest.main()
