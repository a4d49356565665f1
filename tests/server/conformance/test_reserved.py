"""Autobahn sections 3 (reserved bits) and 4 (opcodes): with no extension
negotiated, any reserved bit or opcode fails the connection with 1002, also
right after a valid message (which is answered first)."""
from wsraw import OP_BINARY, OP_CLOSE, OP_PING, OP_TEXT, close_payload, frame, for_both_endpoints


class ReservedBits:
    def test_each_reserved_bit_on_a_text_frame_fails_with_1002(self):
        for rsv in range(1, 8):
            with self.subTest(rsv=rsv):
                peer = self.peer()
                peer.send(frame(OP_TEXT, self.message(1), rsv=rsv))
                self.expect_failed(peer, 1002)

    def test_a_reserved_bit_after_a_valid_message_fails_after_its_reply(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1)), frame(OP_TEXT, self.message(2), rsv=2),
                  frame(OP_PING, b"never answered"))
        self.expect_reply(peer, 1)
        self.expect_failed(peer, 1002)

    def test_a_reserved_bit_on_control_frames_fails_with_1002(self):
        for opcode, payload in ((OP_PING, b"p"), (OP_CLOSE, close_payload(1000))):
            with self.subTest(opcode=opcode):
                peer = self.peer()
                peer.send(frame(opcode, payload, rsv=4))
                self.expect_failed(peer, 1002)

    def test_a_reserved_bit_on_a_binary_frame_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_BINARY, b"\0\xff", rsv=7))
        self.expect_failed(peer, 1002)


class Opcodes:
    def test_each_reserved_data_opcode_fails_with_1002(self):
        for opcode in range(3, 8):
            with self.subTest(opcode=opcode):
                peer = self.peer()
                peer.send(frame(opcode, b"reserved"))
                self.expect_failed(peer, 1002)

    def test_each_reserved_control_opcode_fails_with_1002(self):
        for opcode in range(11, 16):
            with self.subTest(opcode=opcode):
                peer = self.peer()
                peer.send(frame(opcode))
                self.expect_failed(peer, 1002)

    def test_a_reserved_opcode_after_a_valid_message_fails_after_its_reply(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1)), frame(5, b""), frame(OP_PING))
        self.expect_reply(peer, 1)
        self.expect_failed(peer, 1002)


for_both_endpoints(ReservedBits, globals(), "ReservedBits")
for_both_endpoints(Opcodes, globals(), "Opcodes")
