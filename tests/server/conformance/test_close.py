"""Autobahn section 7 (close handling): the close handshake with and without
a code and reason, the valid and invalid codes, and nothing answered after
the peer's close."""
import struct

from wsraw import (OP_CLOSE, OP_CONT, OP_PING, OP_TEXT, close_payload, frame,
                   for_both_endpoints)

# Codes a peer may send (RFC 6455 section 7.4, Autobahn 7.7): echoed back.
VALID_CODES = (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999)
# Codes no peer may send (reserved or unassigned, Autobahn 7.9): the
# connection fails with 1002.
INVALID_CODES = (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999)
# Codes above 4999 are not defined by RFC 6455 (Autobahn 7.13 leaves the
# answer open): the connection ends, with 1002 or the code echoed.
UNDEFINED_CODES = (5000, 65535)


class Close:
    def test_an_empty_close_is_answered_and_the_connection_ends(self):
        peer = self.peer()
        peer.send(frame(OP_CLOSE))
        code, _ = peer.expect_close()
        self.assertIn(code, (None, 1000))

    def test_a_close_with_code_and_reason_is_answered(self):
        peer = self.peer()
        self.roundtrip(peer, 1)
        self.close_cleanly(peer, 1000, "bye κόσμε")

    def test_a_reason_of_123_bytes_is_allowed(self):
        peer = self.peer()
        self.close_cleanly(peer, 1000, "r" * 123)

    def test_each_valid_code_is_echoed(self):
        for code in VALID_CODES:
            with self.subTest(code=code):
                self.close_cleanly(self.peer(), code)

    def test_each_invalid_code_fails_with_1002(self):
        for code in INVALID_CODES:
            with self.subTest(code=code):
                peer = self.peer()
                peer.send(frame(OP_CLOSE, struct.pack("!H", code)))
                self.expect_failed(peer, 1002)

    def test_each_code_above_4999_ends_the_connection(self):
        for code in UNDEFINED_CODES:
            with self.subTest(code=code):
                peer = self.peer()
                peer.send(frame(OP_CLOSE, struct.pack("!H", code)))
                self.expect_failed(peer, (1002, code))

    def test_a_one_byte_close_payload_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_CLOSE, b"\x03"))
        self.expect_failed(peer, 1002)

    def test_a_close_payload_over_125_bytes_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_CLOSE, close_payload(1000, "r" * 124)))
        self.expect_failed(peer, 1002)

    def test_an_invalid_utf8_reason_fails_the_connection(self):
        peer = self.peer()
        peer.send(frame(OP_CLOSE, close_payload(1000, b"bad \xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")))
        self.expect_failed(peer, (1002, 1007))

    def test_a_fragmented_close_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_CLOSE, b"\x03", fin=False), frame(OP_CONT, b"\xe8"))
        self.expect_failed(peer, 1002)

    def test_frames_after_the_close_are_not_answered(self):
        peer = self.peer()
        peer.send(frame(OP_CLOSE, close_payload(1000)), frame(OP_TEXT, self.message(1)),
                  frame(OP_PING, b"late"))
        code, _ = peer.expect_close()  # asserts no reply or pong before it
        self.assertEqual(code, 1000)

    def test_a_close_inside_a_fragmented_message_is_answered(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1)[:5], fin=False))
        self.close_cleanly(peer, 1000)

    def test_a_message_before_the_close_in_the_same_write_is_answered_first(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1)), frame(OP_CLOSE, close_payload(1000)))
        self.expect_reply(peer, 1)
        code, _ = peer.expect_close()
        self.assertEqual(code, 1000)


for_both_endpoints(Close, globals(), "Close")
