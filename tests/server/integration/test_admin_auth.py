"""The admin plane's mutations need the bearer token: drain and tuning answer
401 without it or with a wrong one (and the server keeps serving), 403 when
no token file is configured; the token file is re-read when it changes; the
`trove-server drain` subcommand sends the token for the preStop hook."""
import os
import subprocess
import tempfile
import time
import unittest

from harness import SERVER_BIN, SLOW, Server, ServerTestCase, curl

TOKEN = "admin-s3cret"
# The bound for rotation; the server re-reads within 250 ms.
ROTATION_LIMIT_S = 2.0


def rewrite_atomically(path, text):
    """Like a Kubernetes Secret volume: a new file renamed over the old one."""
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


class DrainNeedsTheToken(ServerTestCase):
    token = TOKEN

    def assert_serving(self):
        self.assertEqual(self.server.admin_request("GET", "/readyz")[0], 200)
        self.assertEqual(self.server.metric("trove_draining"), 0)
        self.assertEqual(curl(self.server.url("/v1/boxes/1"))[0], 200)

    def test_drain_without_or_with_a_wrong_token_is_401_and_the_server_keeps_serving(self):
        self.server.ingest(['{"box":1,"state":"open"}'])
        for token in [None, "wrong", "", TOKEN + "x", TOKEN[:-1]]:
            status, body = self.server.admin_request("POST", "/admin/v1/drain", token=token)
            self.assertEqual(status, 401, (token, body))
            self.assert_serving()
        # Hostile Authorization headers: another scheme, a bare token, a huge one.
        for header in ["Basic " + TOKEN, TOKEN, "Bearer " + "A" * 4000]:
            out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                                  "-H", "Authorization: " + header, self.server.admin_url("/admin/v1/drain")],
                                 capture_output=True, text=True, timeout=10 * SLOW).stdout
            self.assertEqual(out, "401", header[:20])
        self.assert_serving()
        status, _ = self.server.admin_request("POST", "/admin/v1/drain", token=TOKEN)
        self.assertEqual(status, 202)
        self.assertEqual(self.server.admin_request("GET", "/readyz")[0], 503)

    def test_a_rotated_token_file_replaces_the_old_token_within_2_s(self):
        new = "rotated-token"
        rewrite_atomically(self.server.token_file, new + "\n")
        t0 = time.time()
        while self.server.admin_request("GET", "/admin/v1/tuning", token=TOKEN)[0] != 401:
            self.assertLess(time.time() - t0, ROTATION_LIMIT_S * SLOW, "the old token still works")
            time.sleep(0.05)
        self.assertEqual(self.server.admin_request("GET", "/admin/v1/tuning", token=new)[0], 200)
        self.assertEqual(self.server.admin_request("POST", "/admin/v1/drain", token=TOKEN)[0], 401)
        # A rotation in progress (an empty file) keeps the last good token.
        rewrite_atomically(self.server.token_file, "")
        time.sleep(0.5 * SLOW)
        self.assertEqual(self.server.admin_request("GET", "/admin/v1/tuning", token=new)[0], 200)
        # Rewritten in place (same inode) is picked up too.
        with open(self.server.token_file, "w") as f:
            f.write("in-place-token\n")
        t0 = time.time()
        while self.server.admin_request("GET", "/admin/v1/tuning", token="in-place-token")[0] != 200:
            self.assertLess(time.time() - t0, ROTATION_LIMIT_S * SLOW, "the in-place token not picked up")
            time.sleep(0.05)
        self.assertEqual(self.server.admin_request("POST", "/admin/v1/drain", token="in-place-token")[0], 202)


class DrainWithoutATokenFile(ServerTestCase):
    def test_drain_is_403_and_the_server_keeps_serving(self):
        status, body = self.server.admin_request("POST", "/admin/v1/drain")
        self.assertEqual(status, 403, body)
        self.assertEqual(self.server.admin_request("POST", "/admin/v1/drain", token="any")[0], 403)
        self.assertEqual(self.server.admin_request("GET", "/readyz")[0], 200)


class TokenFileNotThereYet(unittest.TestCase):
    """An optional Secret volume whose Secret the operator has not created
    yet: the sidecar starts, refuses admin writes with 403, and takes the
    token once the file appears."""

    def test_starts_without_the_file_answers_403_then_takes_the_token_within_2_s(self):
        scratch = tempfile.TemporaryDirectory(prefix="trove-it-token-")
        self.addCleanup(scratch.cleanup)
        missing = os.path.join(scratch.name, "later", "token")
        server = Server("--admin-token-file", missing)
        try:
            tuning = '{"arenaBytes":8388608,"epochMillis":25,"generation":1}'
            status, body = server.admin_request("PUT", "/admin/v1/tuning", body=tuning, token=TOKEN)
            self.assertEqual(status, 403, body)
            self.assertEqual(server.admin_request("GET", "/readyz")[0], 200)
            os.makedirs(os.path.dirname(missing))
            rewrite_atomically(missing, TOKEN + "\n")
            t0 = time.time()
            while True:
                status, body = server.admin_request("PUT", "/admin/v1/tuning", body=tuning, token=TOKEN)
                if status == 200:
                    break
                self.assertEqual(status, 403, body)
                self.assertLess(time.time() - t0, ROTATION_LIMIT_S * SLOW, "the new token file not picked up")
                time.sleep(0.05)
            self.assertEqual(server.admin_request("PUT", "/admin/v1/tuning", body=tuning, token="wrong")[0], 401)
        finally:
            self.assertEqual(server.stop(), 0)


class DrainSubcommand(ServerTestCase):
    token = TOKEN

    def drain(self, *args):
        return subprocess.run([SERVER_BIN, "drain", "--admin-port", str(self.server.admin)] + list(args),
                              capture_output=True, text=True, timeout=30 * SLOW)

    def test_drain_subcommand_sends_the_token_and_exits_0_once_drained(self):
        wrong = os.path.join(self.server.dir.name, "wrong")
        with open(wrong, "w") as f:
            f.write("wrong\n")
        r = self.drain("--admin-token-file", wrong)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("401", r.stderr)
        r = self.drain()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("--admin-token-file", r.stderr)
        self.assertEqual(self.server.admin_request("GET", "/readyz")[0], 200)
        # The same flags as the server: a wildcard bind is reached on loopback.
        r = self.drain("--admin-bind", "0.0.0.0", "--admin-token-file", self.server.token_file)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("accepted", r.stdout)
        self.assertEqual(self.server.admin_request("GET", "/readyz")[0], 503)

    def test_drain_subcommand_fails_clearly_without_a_server_or_with_bad_flags(self):
        port = self.server.admin
        self.assertEqual(self.server.stop(), 0)
        r = self.drain("--admin-token-file", os.devnull)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("admin token file", r.stderr)  # an empty file is refused
        token_file = os.path.join(self.server.dir.name, "t")
        with open(token_file, "w") as f:
            f.write(TOKEN)
        r = self.drain("--admin-token-file", token_file)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot connect", r.stderr)
        self.assertIn(str(port), r.stderr)
        r = subprocess.run([SERVER_BIN, "drain", "--admin-port", "99999"], capture_output=True, text=True,
                           timeout=10 * SLOW)
        self.assertEqual(r.returncode, 2)
        self.assertIn("admin_port", r.stderr)


if __name__ == "__main__":
    unittest.main()
