#!/usr/bin/python3
"""Server CPU per HTTP poll without and with a client token (docs/client-auth.md).

Starts trove-server (one worker) four ways: no auth; a Bearer header sent but
auth off (the header's parse cost alone); RS256 and HS256 tokens with
--client-auth-keys. One keep-alive connection sends pipelined batches of
GET /v1/boxes/1; the figure is the server's utime+stime over the requests.
The token is verified once per connection (the cache), so the difference
between the second and the third column is the cost of the auth path.

Usage: client_auth_poll_cpu.py --server BIN [--requests N] [--reps N]
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "auth"))
from jwt_fixtures import KeyRing, write_jwks  # noqa: E402

BATCH = 100


def cpu_seconds(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def poll(sock, request, count):
    for _ in range(count // BATCH):
        sock.sendall(request)
        buf = b""
        while buf.count(b"HTTP/1.1 ") < BATCH:
            buf += sock.recv(1 << 20)


def cpu_per_request_us(server, keys, token, auth, requests, tmp):
    port_file = os.path.join(tmp, "ports-%d.json" % time.time_ns())
    args = [server, "--port", "0", "--ingest-port", "0", "--admin-port", "0", "--port-file", port_file, "--workers", "1",
            "--arena-mib", "4", "--max-boxes", "1024"]
    if auth:
        args += ["--client-auth-keys", keys]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not os.path.exists(port_file):
            if proc.poll() is not None:
                raise RuntimeError("trove-server exited: %s" % args)
            time.sleep(0.02)
        ports = json.load(open(port_file))
        port = ports["data"]
        urllib.request.urlopen(urllib.request.Request(
            "http://127.0.0.1:%d/v1/ingest" % ports["ingest"], method="POST",
            data=b'{"box":1,"hunt":"spring","state":"open"}\n')).read()
        header = "Authorization: Bearer %s\r\n" % token if token else ""
        request = ("GET /v1/boxes/1 HTTP/1.1\r\nHost: x\r\n%s\r\n" % header).encode() * BATCH
        sock = socket.create_connection(("127.0.0.1", port))
        poll(sock, request, 10 * BATCH)
        before = cpu_seconds(proc.pid)
        poll(sock, request, requests)
        return (cpu_seconds(proc.pid) - before) / requests * 1e6
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    ring = KeyRing()
    with tempfile.TemporaryDirectory() as tmp:
        keys = os.path.join(tmp, "jwks.json")
        write_jwks(keys, ring.jwks_keys())
        rs256, hs256 = ring.token("RS256", lifetime=3600), ring.token("HS256", lifetime=3600)
        print("server CPU per poll, us: no token | Bearer header, auth off | RS256 | HS256")
        for rep in range(a.reps):
            row = [cpu_per_request_us(a.server, keys, None, False, a.requests, tmp),
                   cpu_per_request_us(a.server, keys, rs256, False, a.requests, tmp),
                   cpu_per_request_us(a.server, keys, rs256, True, a.requests, tmp),
                   cpu_per_request_us(a.server, keys, hs256, True, a.requests, tmp)]
            print("rep %d: %s" % (rep, " | ".join("%.2f" % x for x in row)), flush=True)


if __name__ == "__main__":
    main()
