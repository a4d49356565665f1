"""Interoperability with Debian's python3-websockets, an independent client
that checks every server frame itself: messages of every size, text and
binary, fragmented sends, pings, the close handshake, and the
permessage-deflate it offers by default (refused: no extension agreed)."""
import asyncio

import websockets

from wsraw import ClientEndpoint, ConformanceCase, IngestEndpoint, SLOW


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 30 * SLOW))


class Interop:
    def url(self):
        return "ws://127.0.0.1:%d%s" % (self.endpoint.port(self.server), self.endpoint.path)

    def check(self, reply, n, text=""):
        self.assertIsInstance(reply, str)
        self.endpoint.check_reply(self, reply.encode(), n, text)

    def test_messages_of_every_size_text_and_binary_are_answered(self):
        async def go():
            async with websockets.connect(self.url(), max_size=None) as ws:
                self.assertEqual(ws.extensions, [], "permessage-deflate was agreed")
                sizes = (40, 125, 126, 65535, 65536, self.endpoint.largest_message)
                for n, size in enumerate(sizes, start=1):
                    message = self.endpoint.message(n, size)
                    await ws.send(message if n % 2 else message.decode())
                    self.check(await ws.recv(), n)
        run(go())

    def test_a_fragmented_message_and_utf8_text_are_answered(self):
        text = "κόσμε \U0001f600"
        async def go():
            async with websockets.connect(self.url()) as ws:
                body = self.endpoint.message(1, text=text).decode()
                await ws.send([body[:3], body[3:10], body[10:]])
                self.check(await ws.recv(), 1, text)
        run(go())

    def test_pings_get_their_pongs_and_pipelined_messages_all_replies(self):
        async def go():
            async with websockets.connect(self.url()) as ws:
                pongs = [await ws.ping(b"interop %d" % i) for i in range(5)]
                await asyncio.gather(*pongs)
                for n in range(1, 101):
                    await ws.send(self.endpoint.message(n).decode())
                for n in range(1, 101):
                    self.check(await ws.recv(), n)
        run(go())

    def test_the_close_handshake_echoes_the_code(self):
        async def go():
            ws = await websockets.connect(self.url())
            await ws.close(4000, "done κόσμε")
            return ws.close_code
        self.assertIn(run(go()), (4000, 1000))


class InteropWs(Interop, ConformanceCase):
    endpoint = ClientEndpoint()


class InteropIngest(Interop, ConformanceCase):
    endpoint = IngestEndpoint()
