#!/usr/bin/env python3
"""Hunt recovery, measured (docs/api.md, Recovery): a subscriber of a
10,000-box hunt disconnects, 10 of the hunt's boxes change, and it
resubscribes, once with the position it held and once without. Counts the
pushes each resubscribe receives before its `synced`.

  python3 hack/bench/recovery.py --server build/release/server/app/trove-server \
      [--boxes 10000] [--missed 10] [--out docs/bench-results/recovery.json]

Starts its own trove-server on free ports (port 0, --port-file) and stops it
by its pid. Prints one JSON object (also written to --out).
"""
import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets

# Each step waits for the server at most this long: a loaded 2-core machine
# still answers a 10,000-box snapshot within seconds.
STEP_TIMEOUT_S = 60


def start_server(binary, boxes, workdir):
    port_file = os.path.join(workdir, "ports.json")
    proc = subprocess.Popen(
        [binary, "--port", "0", "--ingest-port", "0", "--admin-port", "0", "--port-file", port_file,
         "--workers", "2", "--max-boxes", str(max(65536, boxes * 2))],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "server.log"), "w"))
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            sys.exit("trove-server did not start; see %s/server.log" % workdir)
        time.sleep(0.02)
    with open(port_file) as f:
        return proc, json.load(f)


def ingest(port, lines):
    body = ("\n".join(lines) + "\n").encode()
    req = urllib.request.Request("http://127.0.0.1:%d/v1/ingest" % port, data=body, method="POST")
    with urllib.request.urlopen(req, timeout=STEP_TIMEOUT_S) as r:
        ack = json.loads(r.read())
    if ack["accepted"] != len(lines):
        sys.exit("ingest refused lines: %s" % ack)


def hunt_lines(ids, state):
    return ['{"box":%d,"hunt":"bench","state":"%s","x":1,"y":2}' % (b, state) for b in ids]


async def recv(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), STEP_TIMEOUT_S))


async def subscribe(url, position=None):
    """(connection, pushes before synced, synced, seconds to synced)."""
    ws = await websockets.connect(url, max_size=None)
    op = {"op": "subscribe", "hunt": "bench"}
    if position:
        op.update(since=position["hpos"], boot=position["boot"])
    started = time.monotonic()
    await ws.send(json.dumps(op))
    pushes = 0
    while True:
        m = await recv(ws)
        if m["op"] == "synced":
            return ws, pushes, m, time.monotonic() - started
        pushes += m["op"] == "push"


async def measure(args, ports):
    url = "ws://127.0.0.1:%d/v1/ws" % ports["data"]
    ids = range(1, args.boxes + 1)
    ingest(ports["ingest"], hunt_lines(ids, "open"))
    ws, first_pushes, synced, _ = await subscribe(url)
    position = {"boot": synced["boot"], "hpos": synced["hpos"]}
    # One live update: the position moves with the pushes after synced.
    ingest(ports["ingest"], hunt_lines([1], "claimed"))
    while True:
        m = await recv(ws)
        if m["op"] == "push" and m.get("hpos"):
            position["hpos"] = max(position["hpos"], m["hpos"])
            break
    await ws.close()
    missed = list(range(2, 2 + args.missed))
    ingest(ports["ingest"], hunt_lines(missed, "empty"))
    ws, recovered_pushes, recovered, recovered_s = await subscribe(url, position)
    await ws.close()
    ws, full_pushes, full, full_s = await subscribe(url)
    await ws.close()
    return {
        "hunt_boxes": args.boxes, "missed_updates": args.missed,
        "first_subscribe_pushes": first_pushes,
        "with_position": {"pushes": recovered_pushes, "sync": recovered["sync"],
                          "seconds": round(recovered_s, 4)},
        "without_position": {"pushes": full_pushes, "sync": full["sync"], "seconds": round(full_s, 4)},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="build/release/server/app/trove-server")
    parser.add_argument("--boxes", type=int, default=10000)
    parser.add_argument("--missed", type=int, default=10)
    parser.add_argument("--out")
    args = parser.parse_args()
    if not 1 <= args.missed < args.boxes:
        parser.error("--missed must be 1 .. boxes-1")
    with tempfile.TemporaryDirectory(prefix="trove-recovery-bench-") as workdir:
        proc, ports = start_server(args.server, args.boxes, workdir)
        try:
            result = asyncio.run(measure(args, ports))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=STEP_TIMEOUT_S)
    text = json.dumps(result)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    ok = result["with_position"]["sync"] == "recovered" and result["without_position"]["sync"] == "full"
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
