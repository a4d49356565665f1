"""Autobahn section 5 (fragmentation): a message in many frames, empty
fragments, control frames between fragments, and the continuation rules."""
from wsraw import (OP_BINARY, OP_CONT, OP_PING, OP_PONG, OP_TEXT, frame,
                   for_both_endpoints)


def fragments(opcode, payload, cuts):
    """`payload` as one message cut at the offsets `cuts`."""
    bounds = [0] + list(cuts) + [len(payload)]
    parts = [payload[a:b] for a, b in zip(bounds, bounds[1:])]
    return [frame(opcode if i == 0 else OP_CONT, part, fin=(i == len(parts) - 1))
            for i, part in enumerate(parts)]


class Fragmentation:
    def test_a_message_in_two_fragments_is_answered_once(self):
        peer = self.peer()
        body = self.message(1)
        peer.send(*fragments(OP_TEXT, body, [5]))
        self.expect_reply(peer, 1)
        self.roundtrip(peer, 2)  # and nothing else was answered in between
        self.close_cleanly(peer)

    def test_a_message_in_one_byte_fragments_each_written_alone_is_answered(self):
        peer = self.peer()
        body = self.message(1)
        for part in fragments(OP_TEXT, body, range(1, len(body))):
            peer.send(part)
        self.expect_reply(peer, 1)
        self.close_cleanly(peer)

    def test_empty_fragments_are_allowed_anywhere(self):
        peer = self.peer()
        body = self.message(1)
        peer.send(frame(OP_TEXT, b"", fin=False), frame(OP_CONT, body[:3], fin=False),
                  frame(OP_CONT, b"", fin=False), frame(OP_CONT, body[3:], fin=False),
                  frame(OP_CONT, b"", fin=True))
        self.expect_reply(peer, 1)
        self.close_cleanly(peer)

    def test_a_binary_message_in_fragments_is_answered(self):
        peer = self.peer()
        peer.send(*fragments(OP_BINARY, self.message(1), [1, 2, 3]))
        self.expect_reply(peer, 1)
        self.close_cleanly(peer)

    def test_pings_and_pongs_between_fragments_are_answered_first(self):
        peer = self.peer()
        body = self.message(1)
        first, middle, last = fragments(OP_TEXT, body, [4, 9])
        peer.send(first, frame(OP_PING, b"a"), middle, frame(OP_PONG, b"b"),
                  frame(OP_PING, b"c"), last)
        self.assertEqual(peer.recv_frame(), (True, OP_PONG, b"a"))
        self.assertEqual(peer.recv_frame(), (True, OP_PONG, b"c"))
        self.expect_reply(peer, 1)
        self.close_cleanly(peer)

    def test_a_ping_between_fragments_written_byte_by_byte_is_answered(self):
        peer = self.peer()
        first, last = fragments(OP_TEXT, self.message(1), [6])
        peer.send(first, frame(OP_PING, b"between"), last, chop=1)
        self.assertEqual(peer.recv_frame(), (True, OP_PONG, b"between"))
        self.expect_reply(peer, 1)
        self.close_cleanly(peer)

    def test_a_fragmented_ping_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_PING, b"fra", fin=False), frame(OP_CONT, b"gment"))
        self.expect_failed(peer, 1002)

    def test_a_fragmented_pong_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_PONG, b"fra", fin=False), frame(OP_CONT, b"gment"))
        self.expect_failed(peer, 1002)

    def test_a_final_continuation_without_a_message_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_CONT, self.message(1)))
        self.expect_failed(peer, 1002)

    def test_a_continuation_without_a_message_fails_with_1002(self):
        peer = self.peer()
        peer.send(frame(OP_CONT, b"{", fin=False), frame(OP_CONT, b"}"))
        self.expect_failed(peer, 1002)

    def test_a_continuation_after_a_whole_message_fails_after_its_reply(self):
        peer = self.peer()
        peer.send(frame(OP_TEXT, self.message(1)), frame(OP_CONT, b"more"))
        self.expect_reply(peer, 1)
        self.expect_failed(peer, 1002)

    def test_a_new_message_inside_a_fragmented_one_fails_with_1002(self):
        peer = self.peer()
        body = self.message(1)
        peer.send(frame(OP_TEXT, body[:4], fin=False), frame(OP_TEXT, body))
        self.expect_failed(peer, 1002)


for_both_endpoints(Fragmentation, globals(), "Fragmentation")
