"""A stand-in for trove's WebSocket endpoints, written with Python's
`websockets` (Debian's python3-websockets), so that trove-loadgen's RFC 6455
client is exercised against an implementation the project did not write.

/v1/ws:     {"op":"get","box":N} -> {"box":N,"payload":{...,"ts":µs}}
            {"op":"subscribe","boxes":[...]} -> {"subscribed":n}, then a push
            every 10 ms per subscribed box carrying the current µs timestamp
/v1/ingest: each NDJSON text frame -> {"seq":k,"accepted":lines,"rejected":[]}
usage: fake_trove_ws.py PORT_FILE
"""
import asyncio
import json
import os
import sys
import time

import websockets


def now_us():
    return time.time_ns() // 1000


async def ws_api(ws):
    pushers = []
    try:
        async for text in ws:
            msg = json.loads(text)
            if msg.get("op") == "get":
                await ws.send(json.dumps({"box": msg["box"], "payload": {"state": "open", "ts": now_us()}}))
            elif msg.get("op") == "subscribe":
                boxes = msg.get("boxes", [])
                await ws.send(json.dumps({"subscribed": len(boxes)}))

                async def push(box):
                    while True:
                        await asyncio.sleep(0.01)
                        await ws.send(json.dumps({"box": box, "payload": {"ts": now_us()}}))

                pushers += [asyncio.ensure_future(push(b)) for b in boxes]
            else:
                await ws.send(json.dumps({"error": "unknown op"}))
    except websockets.ConnectionClosed:
        pass
    finally:
        for p in pushers:
            p.cancel()


async def ingest(ws):
    seq = 0
    try:
        async for text in ws:
            seq += 1
            lines = [l for l in text.split("\n") if l]
            for l in lines:
                json.loads(l)
            await ws.send(json.dumps({"seq": seq, "accepted": len(lines), "rejected": []}))
    except websockets.ConnectionClosed:
        pass


async def handler(ws, path=None):
    if path is None:  # websockets >= 10.1 passes only the connection
        path = ws.request.path if hasattr(ws, "request") else ws.path
    if path == "/v1/ws":
        await ws_api(ws)
    elif path == "/v1/ingest":
        await ingest(ws)
    else:
        await ws.close(1008, "unknown path")


async def main(port_file):
    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        with open(port_file + ".tmp", "w") as f:
            json.dump({"data": port, "admin": 0, "pid": os.getpid()}, f)
        os.rename(port_file + ".tmp", port_file)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
