"""--log-format json: every line trove-server writes to stderr is a JSON object
with time, level and message (docs/contracts.md), structured fields included;
stdout stays empty."""
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import SERVER_BIN, SLOW

TOKEN = "log-token"


class JsonLogs(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="trove-log-")
        self.addCleanup(self.dir.cleanup)
        self.port_file = os.path.join(self.dir.name, "ports.json")
        token_file = os.path.join(self.dir.name, "token")
        with open(token_file, "w") as f:
            f.write(TOKEN + "\n")
        self.stdout_path = os.path.join(self.dir.name, "stdout")
        self.stderr_path = os.path.join(self.dir.name, "stderr")
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(
                [SERVER_BIN, "--port", "0", "--ingest-port", "0", "--admin-port", "0", "--port-file", self.port_file,
                 "--workers", "1", "--arena-mib", "4", "--max-boxes", "1024",
                 "--admin-token-file", token_file, "--log-format", "json"],
                stdout=out, stderr=err)
        self.addCleanup(self.kill_if_running)
        deadline = time.time() + 10 * SLOW
        while not os.path.exists(self.port_file):
            self.assertIsNone(self.proc.poll(), "trove-server exited early: " + self.stderr())
            self.assertLess(time.time(), deadline, "no port file: " + self.stderr())
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.admin = json.load(f)["admin"]

    def kill_if_running(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stderr(self):
        with open(self.stderr_path) as f:
            return f.read()

    def put_tuning(self, body):
        req = urllib.request.Request("http://127.0.0.1:%d/admin/v1/tuning" % self.admin,
                                     data=body.encode(), method="PUT",
                                     headers={"Authorization": "Bearer " + TOKEN})
        with urllib.request.urlopen(req, timeout=10 * SLOW) as r:
            self.assertEqual(r.status, 200)

    def test_every_stderr_line_is_a_json_object_with_time_level_and_message(self):
        # An owner taking over is logged with structured fields (uid-a takes
        # over from the unnamed owner of the start-up tuning, then uid-b from uid-a).
        self.put_tuning('{"arenaBytes":8388608,"epochMillis":25,"generation":5,"owner":"uid-a"}')
        self.put_tuning('{"arenaBytes":4194304,"epochMillis":20,"generation":1,"owner":"uid-b"}')
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=15 * SLOW), 0, self.stderr())

        lines = self.stderr().splitlines()
        self.assertGreaterEqual(len(lines), 3, self.stderr())
        events = []
        for line in lines:
            event = json.loads(line)  # raises on a line that is not JSON
            self.assertIsInstance(event, dict, line)
            self.assertRegex(event["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn(event["level"], ["trace", "debug", "info", "warn", "error", "critical"])
            self.assertIsInstance(event["message"], str)
            events.append(event)
        messages = [e["message"] for e in events]
        self.assertTrue(any(re.match(r"^1 workers; public http://", m) for m in messages), messages)
        self.assertIn("drained (0 connections cut at the deadline)", messages)
        takeovers = [(e["owner"], e["generation"], e["previous_owner"], e["previous_generation"])
                     for e in events if e["message"] == "tuning owner takes over"]
        self.assertEqual(takeovers, [("uid-a", 5, "", 0), ("uid-b", 1, "uid-a", 5)], messages)
        with open(self.stdout_path) as f:
            self.assertEqual(f.read(), "")


if __name__ == "__main__":
    unittest.main()
