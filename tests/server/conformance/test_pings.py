"""Autobahn section 2 (pings and pongs)."""
from wsraw import OP_PING, OP_PONG, OP_TEXT, frame, for_both_endpoints


class Pings:
    def expect_pong(self, peer, payload):
        fin, opcode, got = peer.recv_frame()
        self.assertEqual((fin, opcode, got), (True, OP_PONG, payload))

    def test_a_ping_without_payload_gets_an_empty_pong(self):
        peer = self.peer()
        peer.send(frame(OP_PING))
        self.expect_pong(peer, b"")
        self.close_cleanly(peer)

    def test_a_ping_of_125_bytes_gets_its_payload_back(self):
        peer = self.peer()
        payload = bytes(range(125))  # binary, not UTF-8
        peer.send(frame(OP_PING, payload))
        self.expect_pong(peer, payload)
        self.close_cleanly(peer)

    def test_a_ping_written_one_byte_at_a_time_gets_its_pong(self):
        peer = self.peer()
        peer.send(frame(OP_PING, b"chopped ping"), chop=1)
        self.expect_pong(peer, b"chopped ping")
        self.close_cleanly(peer)

    def test_ten_pings_in_one_write_get_ten_pongs_in_order(self):
        peer = self.peer()
        peer.send(*[frame(OP_PING, b"ping %d" % i) for i in range(10)])
        for i in range(10):
            self.expect_pong(peer, b"ping %d" % i)
        self.close_cleanly(peer)

    def test_a_ping_between_messages_is_answered_and_the_replies_keep_their_order(self):
        # RFC 6455 asks for the pong "as soon as practical", not at a place
        # among the data replies.
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1)), frame(OP_PING, b"p"),
                  frame(OP_TEXT, self.message(2)))
        replies, pongs = [], []
        while len(replies) < 2 or not pongs:
            fin, opcode, payload = peer.recv_frame()
            self.assertTrue(fin)
            (pongs if opcode == OP_PONG else replies).append(payload)
        self.assertEqual(pongs, [b"p"])
        self.endpoint.check_reply(self, replies[0], 1)
        self.endpoint.check_reply(self, replies[1], 2)
        self.close_cleanly(peer)

    def test_unsolicited_pongs_are_ignored(self):
        peer = self.peer()
        peer.send(frame(OP_PONG), frame(OP_PONG, b"unsolicited"))
        self.roundtrip(peer, 1)
        self.close_cleanly(peer)

    def test_a_ping_of_126_bytes_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_PING, b"x" * 126))
        self.expect_failed(peer, 1002)

    def test_a_pong_of_126_bytes_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_PONG, b"x" * 126))
        self.expect_failed(peer, 1002)


for_both_endpoints(Pings, globals(), "Pings")
