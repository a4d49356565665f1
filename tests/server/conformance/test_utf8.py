"""Autobahn section 6 (UTF-8 handling): text messages are valid UTF-8 as a
whole, checked incrementally (a code point may be split across fragments;
an invalid sequence fails the connection with 1007 as soon as it arrives,
before the message ends). Binary messages are not checked."""
from wsraw import OP_BINARY, OP_CONT, OP_TEXT, frame, for_both_endpoints

# Text of 1-, 2-, 3- and 4-byte code points (U+007F, U+0080, U+07FF, U+0800,
# U+FFFD, U+10000, U+10FFFF and neighbours of the surrogates).
VALID_TEXT = "\x7f\x80\u07ff\u0800\ud7ff\ue000\ufffd\U00010000\U0010ffff κόσμε"

# Sequences that are never valid UTF-8 (Markus Kuhn's stress test, as in
# Autobahn 6.3 - 6.21), each placed inside an otherwise valid JSON string.
INVALID_SEQUENCES = {
    "lone continuation": b"\x80",
    "continuation run": b"\x80\xbf\x80",
    "truncated 2-byte": b"\xc3",
    "truncated 3-byte": b"\xe2\x82",
    "truncated 4-byte": b"\xf0\x9f\x98",
    "overlong slash 2": b"\xc0\xaf",
    "overlong slash 3": b"\xe0\x80\xaf",
    "overlong slash 4": b"\xf0\x80\x80\xaf",
    "overlong nul": b"\xc1\xbf",
    "surrogate high": b"\xed\xa0\x80",
    "surrogate low": b"\xed\xbf\xbf",
    "above U+10FFFF": b"\xf4\x90\x80\x80",
    "5-byte lead": b"\xf8\x88\x80\x80\x80",
    "fe": b"\xfe",
    "ff": b"\xff",
    "lead then ascii": b"\xe0\x41",
}


class Utf8:
    def test_valid_multibyte_text_is_answered(self):
        peer = self.peer()
        self.roundtrip(peer, 1, VALID_TEXT)
        self.close_cleanly(peer)

    def test_valid_text_cut_at_every_byte_across_two_fragments_is_answered(self):
        peer = self.peer()
        body = self.message(1, text=VALID_TEXT)
        for cut in range(1, len(body)):
            peer.send(frame(OP_TEXT, body[:cut], fin=False), frame(OP_CONT, body[cut:]))
            self.expect_reply(peer, 1, VALID_TEXT)
        self.close_cleanly(peer)

    def test_valid_text_in_one_byte_fragments_is_answered(self):
        peer = self.peer()
        body = self.message(1, text=VALID_TEXT)
        parts = [frame(OP_TEXT if i == 0 else OP_CONT, body[i:i + 1], fin=(i == len(body) - 1))
                 for i in range(len(body))]
        peer.send(*parts)
        self.expect_reply(peer, 1, VALID_TEXT)
        self.close_cleanly(peer)

    def invalid_body(self, sequence):
        return self.message(1, text="@").replace(b"@", sequence)

    def test_each_invalid_sequence_fails_with_1007(self):
        for name, sequence in INVALID_SEQUENCES.items():
            with self.subTest(sequence=name):
                peer = self.peer()
                peer.send(frame(OP_TEXT, self.invalid_body(sequence)))
                self.expect_failed(peer, 1007)

    def test_an_invalid_sequence_fails_before_the_message_ends(self):
        # The message never ends: the failure comes from the first fragment.
        for name in ("lone continuation", "surrogate high", "above U+10FFFF", "ff"):
            with self.subTest(sequence=name):
                peer = self.peer()
                body = self.invalid_body(INVALID_SEQUENCES[name])
                peer.send(frame(OP_TEXT, body, fin=False))
                self.expect_failed(peer, 1007)

    def test_a_code_point_split_across_fragments_and_invalid_there_fails_with_1007(self):
        peer = self.peer()
        body = self.message(1, text="@")
        at = body.index(b"@")
        # A 4-byte lead and two continuations, then a fragment that does not continue it.
        peer.send(frame(OP_TEXT, body[:at] + b"\xf0\x9f\x98", fin=False),
                  frame(OP_CONT, b"A" + body[at + 1:]))
        self.expect_failed(peer, 1007)

    def test_a_text_message_ending_inside_a_code_point_fails_with_1007(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1) + b"\xe2\x82"))
        self.expect_failed(peer, 1007)

    def test_binary_messages_are_not_utf8_checked(self):
        peer = self.peer()
        peer.send(frame(OP_BINARY, self.invalid_body(b"\xff")))
        opcode, reply = peer.recv_message()
        self.assertEqual(opcode, OP_TEXT)
        reply.decode()  # whatever the server answers is itself valid UTF-8
        self.roundtrip(peer, 2)
        self.close_cleanly(peer)


for_both_endpoints(Utf8, globals(), "Utf8")
