"""A message's `data` (docs/api.md): stored minified, served in the payload
over HTTP, WebSocket get and pushes; --max-data-bytes enforced per line with
its index; the flag's malformed and oversized values refused at start."""
import asyncio
import json
import shutil
import signal
import subprocess
import tempfile
import unittest

import websockets

from harness import SERVER_BIN, SLOW, Server, ServerTestCase, curl


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20 * SLOW))


DATA = {"hp": 87, "inv": ["sword", {"gem": "ruby", "n": 2}], "name": "caf\u00e9 \u2603",
        "pos": {"x": 1.5, "y": -2}, "ok": True, "none": None}


def minified(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Data(ServerTestCase):
    server_args = ("--max-data-bytes", "4096")

    def test_data_is_served_minified_over_http_ws_get_and_push(self):
        spaced = json.dumps(DATA, indent=2, ensure_ascii=False).replace("\n", " ")
        line = '{"box":1,"state":"open","data":%s}' % spaced
        ack = self.server.ingest([line])
        self.assertEqual((ack["accepted"], ack["rejected"]), (1, []), ack)
        status, _, body = curl(self.server.url("/v1/boxes/1"))
        self.assertEqual(status, 200)
        self.assertEqual(body, '{"box":1,"state":"open","data":%s}' % minified(DATA))

        async def go():
            async with websockets.connect(self.server.ws_url("/v1/ws")) as ws, \
                    websockets.connect(self.server.ingest_ws_url()) as ing:
                await ws.send('{"op":"get","box":1}')
                got = json.loads(await ws.recv())
                await ws.send('{"op":"subscribe","boxes":[2]}')
                self.assertEqual(json.loads(await ws.recv())["op"], "subscribed")
                await ing.send('{"box":2,"data":[1,{"deep":[true,null]}]}')
                self.assertEqual(json.loads(await ing.recv())["accepted"], 1)
                while True:
                    m = json.loads(await ws.recv())
                    if m["op"] == "push":
                        return got, m
        got, push = run(go())
        self.assertEqual(got["payload"]["data"], DATA, got)
        self.assertEqual(push["box"], 2, push)
        self.assertEqual(push["payload"], {"box": 2, "data": [1, {"deep": [True, None]}]}, push)

    def test_data_over_the_limit_is_rejected_with_its_index_and_the_rest_stored(self):
        at_limit = '"%s"' % ("a" * 4094)  # 4096 bytes
        over = '"%s"' % ("b" * 4095)      # 4097 bytes
        ack = self.server.ingest([
            '{"box":10,"data":%s}' % at_limit,
            '{"box":11,"data":%s}' % over,
            '{"box":12,"data":{"a":}}',
            '{"box":13,"data":{"k":"v"}}',
        ])
        self.assertEqual(ack["accepted"], 2, ack)
        rejected = {r["index"]: r for r in ack["rejected"]}
        self.assertEqual(sorted(rejected), [1, 2], ack)
        self.assertEqual((rejected[1]["code"], rejected[1]["field"]), ("data_too_large", "data"))
        self.assertEqual((rejected[2]["code"], rejected[2]["field"]), ("malformed_json", "data"))
        status, _, body = curl(self.server.url("/v1/boxes/10"))
        self.assertEqual((status, body), (200, '{"box":10,"data":%s}' % at_limit))
        self.assertEqual(curl(self.server.url("/v1/boxes/11"))[0], 404)
        # Box 10's 4 KiB payload lives in a spill block, counted as used.
        self.assertGreaterEqual(self.server.metric("trove_store_spill_bytes", state="used"), 4096)
        self.assertEqual(json.loads(curl(self.server.url("/v1/boxes/13"))[2])["data"], {"k": "v"})


class DataDefaults(ServerTestCase):
    def test_the_default_limit_is_1024_bytes(self):
        ack = self.server.ingest(['{"box":1,"data":"%s"}' % ("x" * 1022),
                                  '{"box":2,"data":"%s"}' % ("x" * 1023)])
        self.assertEqual(ack["accepted"], 1, ack)
        self.assertEqual([(r["index"], r["code"]) for r in ack["rejected"]],
                         [(1, "data_too_large")])

    def test_malformed_or_oversized_max_data_bytes_stops_the_server_with_a_clear_error(self):
        for bad in ("65537", "-1", "1kb", ""):
            out = subprocess.run([SERVER_BIN, "--max-data-bytes", bad, "--port", "0"],
                                 capture_output=True, text=True, timeout=10 * SLOW)
            self.assertNotEqual(out.returncode, 0, bad)
            self.assertIn("max_data_bytes: '%s' (allowed: 0 .. 65536)" % bad,
                          out.stdout + out.stderr)


class DataInState(unittest.TestCase):
    def test_64_kib_data_survives_a_restart_from_the_log_and_from_a_snapshot(self):
        state = tempfile.mkdtemp(prefix="trove-data-state-")
        self.addCleanup(shutil.rmtree, state, True)
        big = {"blob": "z" * 65000, "n": [1, 2, 3]}
        args = ("--state-dir", state, "--ack", "durable", "--max-data-bytes", "65536")
        first = Server(*args)
        ack = first.ingest(['{"box":5,"data":%s}' % json.dumps(big), '{"box":6,"data":[7]}'])
        self.assertEqual(ack["accepted"], 2, ack)
        first.stop(sig=signal.SIGKILL)  # restored from the log
        second = Server(*args)
        try:
            self.assertEqual(json.loads(curl(second.url("/v1/boxes/5"))[2])["data"], big)
        finally:
            self.assertEqual(second.stop(), 0)  # a clean stop writes a snapshot
        third = Server(*args)
        try:
            self.assertEqual(json.loads(curl(third.url("/v1/boxes/5"))[2])["data"], big)
            self.assertEqual(json.loads(curl(third.url("/v1/boxes/6"))[2])["data"], [7])
        finally:
            self.assertEqual(third.stop(), 0)


if __name__ == "__main__":
    unittest.main()
