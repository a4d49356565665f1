"""Size limits (Autobahn section 9's sizes, against --max-ws-message-bytes on
/v1/ingest and --max-ws-client-message-bytes on /v1/ws):
a message over the limit fails with 1009, whether one frame or many, as soon
as its declared length shows it; a message at the limit is answered."""
from wsraw import OP_CONT, OP_TEXT, frame, for_both_endpoints

LIMIT = 4096


class Limits:
    server_args = ("--max-ws-message-bytes", str(LIMIT),
                   "--max-ws-client-message-bytes", str(LIMIT))

    def test_a_message_at_the_limit_is_answered(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1, LIMIT)))
        self.expect_reply(peer, 1)
        self.close_cleanly(peer)

    def test_a_frame_over_the_limit_fails_with_1009(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1, LIMIT + 1)))
        self.expect_failed(peer, 1009)

    def test_a_fragmented_message_over_the_limit_fails_with_1009(self):
        peer = self.peer()
        body = self.message(1, LIMIT + 1)
        half = len(body) // 2
        peer.send(frame(OP_TEXT, body[:half], fin=False), frame(OP_CONT, body[half:]))
        self.expect_failed(peer, 1009)

    def test_a_declared_huge_length_fails_before_its_payload(self):
        peer = self.peer()
        header = bytes([0x81, 0x80 | 127]) + (2 ** 40).to_bytes(8, "big") + b"\0" * 4
        peer.send(header + b"{")
        self.expect_failed(peer, 1009)

    def test_many_fragments_each_under_the_limit_add_up_to_1009(self):
        peer = self.peer()
        frames = [frame(OP_TEXT, b" " * 1000, fin=False)]
        frames += [frame(OP_CONT, b" " * 1000, fin=False) for _ in range(5)]
        peer.send(*frames)
        self.expect_failed(peer, 1009)


for_both_endpoints(Limits, globals(), "Limits")
