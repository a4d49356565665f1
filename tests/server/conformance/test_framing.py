"""Autobahn section 1 (framing) and 10 (misc): data messages of every length
encoding, split over many reads or batched into one, and the length rules
(minimal encoding, 64-bit top bit clear)."""
from wsraw import OP_BINARY, OP_TEXT, frame, for_both_endpoints


class Framing:
    def test_text_messages_of_every_length_encoding_are_answered(self):
        peer = self.peer()
        # 7-bit, 16-bit and 64-bit lengths and their edges.
        sizes = sorted({30, 125, 126, 127, 65535, 65536, self.endpoint.largest_message})
        for n, size in enumerate(sizes, start=1):
            peer.send(frame(OP_TEXT, self.message(n, size)))
            self.expect_reply(peer, n)
        self.close_cleanly(peer)

    def test_an_empty_text_message_is_answered_and_the_connection_stays_open(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, b""))
        opcode, _ = peer.recv_message()
        self.assertEqual(opcode, OP_TEXT)
        self.roundtrip(peer, 2)
        self.close_cleanly(peer)

    def test_a_binary_message_is_answered_like_a_text_one(self):
        peer = self.peer()
        peer.send(frame(OP_BINARY, self.message(1)))
        self.expect_reply(peer, 1)
        self.close_cleanly(peer)

    def test_a_frame_written_one_byte_at_a_time_is_answered(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1, 300)), chop=1)
        self.expect_reply(peer, 1)
        self.close_cleanly(peer)

    def test_many_frames_in_one_write_are_all_answered_in_order(self):
        peer = self.peer()
        peer.send(*[frame(OP_TEXT, self.message(n)) for n in range(1, 201)])
        for n in range(1, 201):
            self.expect_reply(peer, n)
        self.close_cleanly(peer)

    def test_frames_cut_at_every_header_byte_are_answered(self):
        peer = self.peer()
        data = frame(OP_TEXT, self.message(1, self.endpoint.largest_message)) + frame(OP_TEXT, self.message(2, 200))
        for cut in range(1, 15):
            peer.send(data[:cut])
            peer.send(data[cut:])
            self.expect_reply(peer, 1)
            self.expect_reply(peer, 2)
        self.close_cleanly(peer)

    def test_an_all_zero_mask_key_is_a_valid_mask(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1), mask_key=b"\0\0\0\0"))
        self.expect_reply(peer, 1)
        self.close_cleanly(peer)

    def test_a_non_minimal_16_bit_length_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1), length_bytes=2))
        self.expect_failed(peer, 1002)

    def test_a_non_minimal_64_bit_length_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1, 200), length_bytes=8))
        self.expect_failed(peer, 1002)

    def test_a_64_bit_length_with_the_top_bit_set_fails(self):
        peer = self.peer()
        header = bytes([0x81, 0x80 | 127]) + (2 ** 63 + 5).to_bytes(8, "big") + b"\0" * 4
        peer.send(header + b"x" * 5)
        self.expect_failed(peer, (1002, 1009))


for_both_endpoints(Framing, globals(), "Framing")
