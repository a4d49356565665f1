"""Starts the real trove-server on ephemeral ports and talks to it.

Independent clients: curl (HTTP) and Debian's python3-websockets (WebSocket).
A few tests need what those clients refuse to do (malformed requests, never
reading, a handshake that never ends); they use raw sockets from RawHttp and
RawWebSocket below.
"""
import base64
import json
import os
import re
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.request

SERVER_BIN = os.environ.get("TROVE_SERVER_BIN", "trove-server")
# Sanitizer builds run several times slower; timeouts scale with this.
SLOW = float(os.environ.get("TROVE_TEST_SLOWDOWN", "1"))
# The server under ThreadSanitizer: memory figures include TSan's shadow
# memory and its allocator's quarantine (tests/server/integration/CMakeLists.txt).
TSAN = os.environ.get("TROVE_TEST_TSAN") == "1"
# The WebSocket framing engine every server of the run uses (--ws-engine);
# unset: the server's default. ctest runs the WebSocket tests with each.
WS_ENGINE = os.environ.get("TROVE_TEST_WS_ENGINE")


class Server:
    def __init__(self, *args, token=None, env=None, workers=2, max_boxes=65536, preexec=None):
        self.dir = tempfile.TemporaryDirectory(prefix="trove-it-")
        self.port_file = os.path.join(self.dir.name, "ports.json")
        cmd = [SERVER_BIN, "--port", "0", "--ingest-port", "0", "--admin-port", "0",
               "--port-file", self.port_file,
               "--workers", str(workers), "--arena-mib", "4", "--max-boxes", str(max_boxes)]
        self.token_file = None
        if token is not None:
            self.token_file = os.path.join(self.dir.name, "token")
            with open(self.token_file, "w") as f:
                f.write(token + "\n")
            cmd += ["--admin-token-file", self.token_file]
        if WS_ENGINE:
            cmd += ["--ws-engine", WS_ENGINE]
        cmd += list(args)
        # The default budget follows the machine's cgroup memory limit (and
        # its thread wakes the process); tests get one only when they ask.
        if "--max-memory-mib" not in args:
            cmd += ["--max-memory-mib", "0"]
        self.log_path = os.path.join(self.dir.name, "server.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **(env or {})), preexec_fn=preexec)
        deadline = time.time() + 10 * SLOW
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("trove-server exited early:\n" + self.output())
            if time.time() > deadline:
                raise RuntimeError("trove-server did not write its port file:\n" + self.output())
            time.sleep(0.02)
        with open(self.port_file) as f:
            ports = json.load(f)
        self.data, self.admin, self.pid = ports["data"], ports["admin"], ports["pid"]
        # The ingest listener (writes); the public one (self.data) serves reads.
        self.ingest_port = ports["ingest"]
        assert self.pid == self.proc.pid

    def output(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.data, path)

    def admin_url(self, path):
        return "http://127.0.0.1:%d%s" % (self.admin, path)

    def ws_url(self, path):
        return "ws://127.0.0.1:%d%s" % (self.data, path)

    def ingest_url(self, path="/v1/ingest"):
        return "http://127.0.0.1:%d%s" % (self.ingest_port, path)

    def ingest_ws_url(self, path="/v1/ingest"):
        return "ws://127.0.0.1:%d%s" % (self.ingest_port, path)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("trove-server did not exit after signal:\n" + self.output())
        self.log.close()
        return rc

    def __del__(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.dir.cleanup()

    def rss_bytes(self):
        with open("/proc/%d/statm" % self.pid) as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    # ---- admin helpers ----
    def admin_request(self, method, path, body=None, token=None):
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.admin_url(path), data=data, method=method)
        if token is not None:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=10 * SLOW) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def metrics(self):
        return self.admin_request("GET", "/metrics")[1]

    def stats(self):
        return json.loads(self.admin_request("GET", "/admin/v1/stats")[1])

    def metric(self, name, **labels):
        """Sum of the samples of `name` whose labels include `labels`."""
        total, found = 0.0, False
        for line in self.metrics().splitlines():
            m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
            if not m or m.group(1) != name:
                continue
            have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
            if all(have.get(k) == v for k, v in labels.items()):
                total += float(m.group(3))
                found = True
        return total if found else None

    def wait_metric(self, want, name, timeout=5, **labels):
        """The value of metric(name, **labels) once it equals `want`, or the
        last value seen after `timeout` seconds (scaled by SLOW). For counters
        bumped after the client has already seen the effect, e.g. when Beast
        completes a read only after its close handshake."""
        deadline = time.time() + timeout * SLOW
        while True:
            value = self.metric(name, **labels)
            if value == want or time.time() > deadline:
                return value
            time.sleep(0.02)

    def ingest(self, lines, timeout=10):
        """POSTs the NDJSON lines; `timeout` (seconds, scaled by SLOW) bounds
        the answer, so a batch of a million lines asks for more."""
        body = "".join(line + "\n" for line in lines).encode()
        req = urllib.request.Request(self.ingest_url(), data=body, method="POST")
        with urllib.request.urlopen(req, timeout=timeout * SLOW) as r:
            return json.loads(r.read())


def curl(*args):
    """Runs curl (an independent HTTP client); returns (status, headers, body)."""
    out = subprocess.run(["curl", "-s", "-i", "--max-time", str(10 * SLOW)] + list(args),
                         capture_output=True, check=True).stdout.decode()
    head, _, body = out.partition("\r\n\r\n")
    status = int(head.split(" ")[1])
    headers = {}
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


class RawHttp:
    """A plain socket, for requests no well-behaved client sends."""

    def __init__(self, port, timeout=5):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout * SLOW)

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def read_all(self):
        chunks = []
        while True:
            try:
                b = self.sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks).decode(errors="replace")

    def closed_by_server(self, timeout):
        """True if the server closes the connection within `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            while True:
                b = self.sock.recv(65536)
                if not b:
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


class RawWebSocket:
    """Minimal client-side WebSocket over a raw socket (RFC 6455 framing),
    for hostile or slow behaviour: oversized frames, never reading."""

    def __init__(self, port, path, rcvbuf=None, timeout=5):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout * SLOW)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n" % (path, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            b = self.sock.recv(1)
            if not b:
                raise ConnectionError("closed during handshake")
            head += b
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError("handshake refused: " + head.decode())

    def send_text(self, payload):
        data = payload.encode() if isinstance(payload, str) else payload
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            b = self.sock.recv(n - len(buf))
            if not b:
                raise ConnectionError("closed")
            buf += b
        return buf

    def recv_frame(self):
        """Returns (opcode, payload)."""
        b0, b1 = self.recv_exact(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.recv_exact(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.recv_exact(8))[0]
        return b0 & 0x0F, self.recv_exact(n)

    def wait_close_code(self):
        """Reads frames until a close frame; returns its code (None if the
        connection ended without one)."""
        try:
            while True:
                op, payload = self.recv_frame()
                if op == 8:
                    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        except (ConnectionError, OSError):
            return None

    def close(self):
        self.sock.close()


class ServerTestCase(unittest.TestCase):
    server_args = ()
    token = None
    workers = 2
    max_boxes = 65536  # small: the store's RSS stays a few MB

    def setUp(self):
        self.server = Server(*self.server_args, token=self.token, workers=self.workers,
                             max_boxes=self.max_boxes)

    def tearDown(self):
        if self.server.proc.poll() is None:
            rc = self.server.stop()
            self.assertEqual(rc, 0, "trove-server exit code %d\n%s" % (rc, self.server.output()))
