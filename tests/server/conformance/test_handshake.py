"""The opening handshake (RFC 6455 section 4.2): the accept key, no extension
or subprotocol agreed (permessage-deflate is offered by browsers and
refused here), and the errors for requests that are not a valid upgrade."""
import base64
import hashlib
import socket

from wsraw import REPLY_TIMEOUT_S, OP_TEXT, frame, for_both_endpoints

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def raw_response(port, request):
    with socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT_S) as sock:
        sock.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head = data.partition(b"\r\n\r\n")[0].decode()
    status = int(head.split(" ")[1])
    headers = {}
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


class Handshake:
    def upgrade(self, key="dGhlIHNhbXBsZSBub25jZQ==", version="13", extra=""):
        return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                "Sec-WebSocket-Version: %s\r\n%s\r\n" % (self.endpoint.path, key, version, extra))

    def test_the_accept_key_is_the_hash_of_the_key_and_the_guid(self):
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        status, headers = raw_response(self.endpoint.port(self.server), self.upgrade(key))
        self.assertEqual(status, 101)
        want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        self.assertEqual(headers["sec-websocket-accept"], want)
        self.assertEqual(headers["upgrade"].lower(), "websocket")

    def test_permessage_deflate_and_subprotocols_offered_are_not_agreed(self):
        offer = ("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                 "Sec-WebSocket-Protocol: chat\r\n")
        peer = self.peer(offer)
        head = peer.response_head.lower()
        self.assertNotIn("sec-websocket-extensions", head)
        self.assertNotIn("sec-websocket-protocol", head)
        # No extension: a frame with RSV1 (deflate's bit) is still refused.
        self.roundtrip(peer, 1)
        peer.send(frame(OP_TEXT, self.message(2), rsv=4))
        self.expect_failed(peer, 1002)

    def test_an_unsupported_version_is_refused_naming_version_13(self):
        status, headers = raw_response(self.endpoint.port(self.server), self.upgrade(version="8"))
        self.assertEqual(status, 426)
        self.assertEqual(headers.get("sec-websocket-version"), "13")

    def test_a_missing_or_malformed_key_is_refused(self):
        for key in ("", "short", "!" * 24):
            with self.subTest(key=key):
                status, _ = raw_response(self.endpoint.port(self.server), self.upgrade(key=key))
                self.assertEqual(status, 400)


for_both_endpoints(Handshake, globals(), "Handshake")
