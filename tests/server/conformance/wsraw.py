"""Raw RFC 6455 client for the conformance cases: it builds any frame, legal
or not (reserved bits and opcodes, unmasked, non-minimal lengths, fragmented
control frames), sends it whole, batched or chopped into small writes, and
checks every frame the server sends back (unmasked, no reserved bits,
control frames short and final).

Each case class runs against both data-plane WebSocket endpoints: /v1/ws
(a message is the ping op, answered by a pong with its id) and /v1/ingest
(a message is one NDJSON update, answered by an ack). One server is started
per class; a protocol violation fails only its own connection.
"""
import base64
import json
import os
import socket
import struct
import sys
import time
import unittest

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import SLOW, Server  # noqa: E402

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
# How long a reply or a close may take on a loaded machine.
REPLY_TIMEOUT_S = 5 * SLOW
# Pause between the writes of a chopped frame, so the server sees them in
# separate reads.
CHOP_PAUSE_S = 0.002


def frame(opcode, payload=b"", fin=True, rsv=0, mask=True, mask_key=None, length_bytes=None):
    """One client frame. `rsv`: the three reserved bits (0-7); `length_bytes`
    forces a 2- or 8-byte extended length (non-minimal for small payloads)."""
    if isinstance(payload, str):
        payload = payload.encode()
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    mask_bit = 0x80 if mask else 0
    if length_bytes is None:
        length_bytes = 0 if n < 126 else 2 if n < 65536 else 8
    if length_bytes == 0:
        header = struct.pack("!BB", first, mask_bit | n)
    elif length_bytes == 2:
        header = struct.pack("!BBH", first, mask_bit | 126, n)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, n)
    if not mask:
        return header + payload
    key = mask_key if mask_key is not None else os.urandom(4)
    return header + key + apply_mask(payload, key)


def apply_mask(payload, key):
    whole = (key * (len(payload) // 4 + 1))[:len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(whole, "big")).to_bytes(
        len(payload), "big") if payload else b""


def close_payload(code, reason=b""):
    return struct.pack("!H", code) + (reason.encode() if isinstance(reason, str) else reason)


class Peer:
    """One client connection, upgraded with a raw handshake."""

    def __init__(self, port, path, extra_headers=""):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT_S)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n%s\r\n" % (path, key, extra_headers)).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self._recv_some()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        self.response_head = head.decode()
        if not self.response_head.startswith("HTTP/1.1 101"):
            raise ConnectionError("handshake refused: " + self.response_head)

    def _recv_some(self):
        b = self.sock.recv(65536)
        if not b:
            raise ConnectionError("closed by the server")
        return b

    def _take(self, n):
        while len(self.buf) < n:
            self.buf += self._recv_some()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, *frames, chop=None):
        data = b"".join(frames)
        if not chop:
            self.sock.sendall(data)
            return
        for i in range(0, len(data), chop):
            self.sock.sendall(data[i:i + chop])
            time.sleep(CHOP_PAUSE_S)

    def recv_frame(self):
        """(fin, opcode, payload) of the server's next frame; asserts the
        rules every server frame must keep (RFC 6455 section 5)."""
        b0, b1 = self._take(2)
        fin, rsv, opcode = bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0x0F
        assert not b1 & 0x80, "the server masked a frame"
        assert rsv == 0, "the server set reserved bits %d" % rsv
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._take(2))[0]
            assert n >= 126, "non-minimal 16-bit length %d" % n
        elif n == 127:
            n = struct.unpack("!Q", self._take(8))[0]
            assert 65536 <= n < 2 ** 63, "bad 64-bit length %d" % n
        if opcode >= OP_CLOSE:
            assert fin and n <= 125, "a bad control frame from the server"
        return fin, opcode, self._take(n)

    def recv_message(self):
        """(opcode, payload) of the next data message, reassembled."""
        fin, opcode, payload = self.recv_frame()
        assert opcode in (OP_TEXT, OP_BINARY), "expected a data frame, got opcode %d" % opcode
        parts = [payload]
        while not fin:
            fin, cont, payload = self.recv_frame()
            assert cont == OP_CONT, "expected a continuation, got opcode %d" % cont
            parts.append(payload)
        return opcode, b"".join(parts)

    def expect_close(self):
        """The code of the server's close frame (None when it had no
        payload), its reason, after the server closed the TCP connection."""
        while True:
            _, opcode, payload = self.recv_frame()
            if opcode == OP_CLOSE:
                break
            assert opcode == OP_PING, "frame of opcode %d before the close" % opcode
        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        reason = payload[2:]
        reason.decode()  # a close reason must be UTF-8
        try:
            self.sock.sendall(frame(OP_CLOSE, payload[:2]))
        except OSError:
            pass  # a failed connection may be gone already
        self.expect_eof()
        return code, reason

    def expect_eof(self):
        deadline = time.time() + REPLY_TIMEOUT_S
        while time.time() < deadline:
            try:
                if not self.sock.recv(65536):
                    return
            except ConnectionResetError:
                return
        raise AssertionError("the server did not close the TCP connection")

    def close(self):
        self.sock.close()


class Endpoint:
    """What a message is on one endpoint and how its reply looks."""
    path = None
    # The largest message the cases send: /v1/ws ops are small, and its
    # limit may be lower than --max-ws-message-bytes; 65536 bytes still
    # takes the 64-bit length encoding.
    largest_message = 65536

    def port(self, server):
        raise NotImplementedError

    def message(self, n, size=None, text=""):
        """Message number `n` (1..65535) carrying `text`, padded with
        trailing spaces to `size` bytes."""
        body = self.body(n, text).encode()
        if size is not None:
            assert size >= len(body), "size %d below the message's own %d" % (size, len(body))
            body += b" " * (size - len(body))
        return body

    def body(self, n, text):
        raise NotImplementedError

    def check_reply(self, test, payload, n, text=""):
        raise NotImplementedError


class ClientEndpoint(Endpoint):
    path = "/v1/ws"

    def port(self, server):
        return server.data

    def body(self, n, text):
        return json.dumps({"op": "ping", "id": "%d%s" % (n, text)}, ensure_ascii=False)

    def check_reply(self, test, payload, n, text=""):
        test.assertEqual(json.loads(payload), {"op": "pong", "id": "%d%s" % (n, text)})


class IngestEndpoint(Endpoint):
    """A message is NDJSON: its first line carries `n` and `text`; a message
    padded beyond one line is filled with more updates of box `n`, each line
    within the ingest line limit (4096 bytes by default)."""
    path = "/v1/ingest"
    filler_line_bytes = 2000
    largest_message = 300000  # batches are large

    def port(self, server):
        return server.ingest_port

    def body(self, n, text):
        return json.dumps({"box": n, "text": text}, ensure_ascii=False)

    def message(self, n, size=None, text=""):
        first = self.body(n, text).encode()
        if size is None:
            return first
        lines, total = [first], len(first)
        while size - total > self.filler_line_bytes:
            lines.append(('{"box":%d}' % n).encode().ljust(self.filler_line_bytes - 1))
            total += self.filler_line_bytes
        lines[0] = first.ljust(len(first) + size - total)
        return b"\n".join(lines)

    def check_reply(self, test, payload, n, text=""):
        ack = json.loads(payload)
        test.assertEqual(ack["rejected"], [], ack)
        test.assertGreaterEqual(ack["accepted"], 1, ack)


class ConformanceCase(unittest.TestCase):
    """Base of every case class: one server for the class, a Peer per case."""
    endpoint = None
    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Server(*cls.server_args)

    @classmethod
    def tearDownClass(cls):
        rc = cls.server.stop()
        if rc != 0:
            raise AssertionError("trove-server exit code %d\n%s" % (rc, cls.server.output()))

    def tearDown(self):
        self.assertIsNone(self.server.proc.poll(), "the server died:\n" + self.server.output())

    def peer(self, extra_headers=""):
        p = Peer(self.endpoint.port(self.server), self.endpoint.path, extra_headers)
        self.addCleanup(p.close)
        return p

    def message(self, n, size=None, text=""):
        return self.endpoint.message(n, size, text)

    def expect_reply(self, peer, n, text=""):
        opcode, payload = peer.recv_message()
        self.assertEqual(opcode, OP_TEXT)
        self.endpoint.check_reply(self, payload, n, text)

    def roundtrip(self, peer, n, text=""):
        peer.send(frame(OP_TEXT, self.message(n, text=text)))
        self.expect_reply(peer, n, text)

    def expect_failed(self, peer, codes):
        """The server fails the connection with one of `codes`."""
        code, _ = peer.expect_close()
        self.assertIn(code, codes if isinstance(codes, (set, tuple)) else (codes,))

    def close_cleanly(self, peer, code=1000, reason=b""):
        """Our close handshake: the server echoes the code (or says 1000)."""
        peer.send(frame(OP_CLOSE, close_payload(code, reason)))
        got, _ = peer.expect_close()
        self.assertIn(got, (code, 1000))


def for_both_endpoints(cases, namespace, name):
    """Defines `name`Ws and `name`Ingest in `namespace`: `cases` against /v1/ws
    and against /v1/ingest."""
    for suffix, endpoint in (("Ws", ClientEndpoint()), ("Ingest", IngestEndpoint())):
        cls_name = name + suffix
        namespace[cls_name] = type(cls_name, (cases, ConformanceCase), {"endpoint": endpoint, "__module__": namespace["__name__"]})
