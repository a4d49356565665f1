"""Masking (RFC 6455 section 5.1): every client frame is masked; an unmasked
one fails the connection with 1002, data and control frames alike."""
from wsraw import OP_CLOSE, OP_PING, OP_TEXT, close_payload, frame, for_both_endpoints


class Masking:
    def test_an_unmasked_text_frame_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1), mask=False))
        self.expect_failed(peer, 1002)

    def test_an_unmasked_frame_after_a_valid_message_fails_after_its_reply(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1)), frame(OP_TEXT, self.message(2), mask=False))
        self.expect_reply(peer, 1)
        self.expect_failed(peer, 1002)

    def test_an_unmasked_ping_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_PING, b"p", mask=False))
        self.expect_failed(peer, 1002)

    def test_an_unmasked_close_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_CLOSE, close_payload(1000), mask=False))
        self.expect_failed(peer, 1002)


for_both_endpoints(Masking, globals(), "Masking")
