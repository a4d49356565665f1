#!/usr/bin/python3
"""Dashboards against reality. A real Prometheus (Debian's package) scrapes a
real trove-server every second while trove-loadgen drives polls, WebSocket
subscribers and ingest through it (and, with --operator, a real
trove-operator tuning that server through the fake API server). Then every
PromQL expression of the dashboard and every recording rule of the rule file
is evaluated through Prometheus' HTTP API: each must return at least one
finite value. Each panel's query and the value it returned are printed (and
written as Markdown to --report).

Usage: dashboards_live_test.py --dashboard charts/trove/dashboards/X.json --rules charts/trove/rules/Y.yaml
          --server BIN [--loadgen BIN] [--operator-setup ...] --repo ROOT
"""
import argparse
import os
import sys
import tempfile
import threading
import time
import http.client

import obs_lib as ol


def builtin_load(data_port, ingest_port, stop):
    """Fallback load when trove-loadgen is not built (sanitizer presets):
    HTTP NDJSON ingest and keep-alive polls from one thread."""
    ingest = http.client.HTTPConnection("127.0.0.1", ingest_port, timeout=5)
    poll = http.client.HTTPConnection("127.0.0.1", data_port, timeout=5)
    i = 0
    while not stop.is_set():
        body = "".join(f'{{"box":{b},"hunt":"live","x":1.5,"y":-2.25,"state":"open","ts":{int(time.time() * 1000)},'
                       f'"player":"p-{b}"}}\n' for b in range(1, 65)).encode()
        ingest.request("POST", "/v1/ingest", body, {"Content-Type": "application/x-ndjson"})
        ingest.getresponse().read()
        for b in range(1, 21):
            poll.request("GET", f"/v1/boxes/{(i + b) % 64 + 1}")
            poll.getresponse().read()
        i += 1
        time.sleep(0.01)


def ingest_bursts(ingest_port, stop, period=3.0, messages=80000):
    """A ~7 MB NDJSON batch every `period` seconds, like a game's bursts: the
    arena grows past its recent high-water plus slack, is trimmed a second
    later, and the purge thread runs (the purge-duration panel needs purges)."""
    body = "".join(f'{{"box":{b % 50000 + 1},"hunt":"burst","x":1.5,"y":-2.25,"state":"open","ts":1,'
                   f'"player":"p-{b}"}}\n' for b in range(messages)).encode()
    conn = http.client.HTTPConnection("127.0.0.1", ingest_port, timeout=30)
    while not stop.wait(period):
        conn.request("POST", "/v1/ingest", body, {"Content-Type": "application/x-ndjson"})
        conn.getresponse().read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dashboard", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--loadgen")
    ap.add_argument("--prometheus", default="/usr/bin/prometheus")
    ap.add_argument("--report", help="write the panel/query/value table here (Markdown)")
    ap.add_argument("--operator", help="trove-operator binary: also run it against the fake API server")
    ap.add_argument("--fakeapi")
    ap.add_argument("--kubectl")
    ap.add_argument("--repo", required=True)
    ap.add_argument("--settle", type=float, default=12, help="seconds of scraping before the first evaluation")
    ap.add_argument("--timeout", type=float, default=45, help="seconds to wait for every query to have data")
    a = ap.parse_args()

    queries = ol.dashboard_queries(a.dashboard)
    records = ol.recording_rules(a.rules)
    with tempfile.TemporaryDirectory(prefix="trove-live-") as tmp:
        procs = ol.Processes(tmp)
        stop = threading.Event()
        try:
            # Bodies up to 16 MiB, for the bursts below (the default is 4 MiB).
            data_port, admin_port, token_file, ingest_port = ol.start_trove_server(
                procs, a.server, tmp, extra=["--max-body-bytes", "16777216"])
            threading.Thread(target=ingest_bursts, args=(ingest_port, stop), daemon=True).start()
            targets = [("trove-sidecar", f"127.0.0.1:{admin_port}")]
            if a.loadgen:
                procs.start("loadgen", [a.loadgen, "--port", str(data_port), "--ingest-port", str(ingest_port), "--duration", "120", "--warmup", "0",
                                        "--http-conns", "4", "--http-period-ms", "5", "--poll-boxes", "1-500",
                                        "--ws-subscribers", "2", "--subscribe-boxes", "1-100",
                                        "--ingest-conns", "1", "--ingest-protocol", "ws", "--batch", "64",
                                        "--ingest-rate", "20000", "--ingest-boxes", "1-500"])
                load = "trove-loadgen + 7 MB ingest bursts every 3 s"
            else:
                threading.Thread(target=builtin_load, args=(data_port, ingest_port, stop), daemon=True).start()
                load = "built-in HTTP ingest/poll loop + 7 MB ingest bursts every 3 s"
            if a.operator:
                import operator_rig
                op_port, rig = operator_rig.start(procs, tmp, a, admin_port, token_file)
                threading.Thread(target=rig.stir_until, args=(stop,), daemon=True).start()
                load += "; operator: a hunt change, a 500 on its status write, watches ended every 3 s, 410 every 6 s"
                targets.append(("trove-operator", f"127.0.0.1:{op_port}"))
            prom = ol.Prometheus(procs, a.prometheus, tmp, targets, [os.path.abspath(a.rules)])
            print(f"trove-server admin :{admin_port}, load: {load}, Prometheus {prom.url} scraping every 1 s: "
                  + ", ".join(f"{j}={t}" for j, t in targets), flush=True)
            ol.wait_for("every target up", prom.targets_up, timeout=20, interval=0.5)
            # Let the 10 s rate windows fill with load before reading the values.
            time.sleep(a.settle)

            exprs = [(title, legend, q) for title, legend, q in queries] + [("recording rule", r, r) for r in records]
            deadline = time.time() + a.timeout
            while True:
                for name in [n for n, _, _ in procs.procs if n != "prometheus"]:
                    procs.check_alive(name) if name != "loadgen" else None
                results = []
                for title, legend, q in exprs:
                    try:
                        res = prom.query(q)
                        results.append((title, legend, q, res, ol.has_finite(res), ""))
                    except ValueError as e:
                        results.append((title, legend, q, [], False, str(e)))
                missing = [r for r in results if not r[4]]
                if not missing or time.time() > deadline:
                    break
                time.sleep(2)
        finally:
            stop.set()
            procs.stop_all()
            logs = {n: procs.log(n) for n, _, _ in procs.procs}

    width = max(len(t) for t, _, _, _, _, _ in results)
    print(f"\n{len(results)} expressions ({len(queries)} dashboard queries, {len(records)} recording rules):")
    lines = ["| panel | legend | query | value returned |", "|---|---|---|---|"]
    for title, legend, q, res, ok, err in results:
        value = ol.describe(res) if res else (err or "no data")
        print(f"{'ok  ' if ok else 'FAIL'} {title:<{width}}  {q}\n       -> {value}")
        lines.append(f"| {title} | {legend} | `{q}` | {value} |")
    if a.report:
        with open(a.report, "w") as f:
            f.write("\n".join(lines) + "\n")
    failed = [r for r in results if not r[4]]
    if failed:
        print(f"\n{len(failed)} expressions returned no finite data:")
        for title, _, q, res, _, err in failed:
            print(f"  {title}: {q}: {err or ol.describe(res) or 'empty result'}")
        for name, text in logs.items():
            print(f"--- {name} log (tail) ---\n{text[-2000:]}")
        return 1
    print(f"\nall {len(results)} expressions returned data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
