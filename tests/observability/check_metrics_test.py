#!/usr/bin/python3
"""`promtool check metrics` on what the binaries really serve: trove-server's
admin /metrics after some traffic, and trove-operator's /metrics (when
built). Also asserts that every metric name docs/contracts.md lists for the
binary appears in its exposition with HELP and TYPE.

Usage: check_metrics_test.py --server BIN [--operator BIN --fakeapi BIN] --repo ROOT
"""
import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time

import obs_lib as ol


def contract_metrics(repo, section):
    """Metric names of one '## Metrics: <section>' table in docs/contracts.md."""
    with open(os.path.join(repo, "docs", "contracts.md")) as f:
        text = f.read()
    body = text.split(f"## Metrics: {section}", 1)[1].split("\n## ", 1)[0]
    names = []
    for row in re.findall(r"^\| (`[^|]+`) \|", body, flags=re.M):
        names += re.findall(r"`([a-z_:]+)`", row)
    return names


def exposition_families(text):
    helps = set(re.findall(r"^# HELP (\S+)", text, flags=re.M))
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)", text, flags=re.M))
    return helps, types


def check(name, text, expected, promtool):
    failures = []
    p = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    print(f"promtool check metrics ({name}): exit {p.returncode}\n{(p.stdout + p.stderr).strip() or '(no findings)'}")
    if p.returncode != 0:
        failures.append(f"{name}: promtool check metrics failed")
    helps, types = exposition_families(text)
    for metric in expected:
        if metric not in types or metric not in helps:
            failures.append(f"{name}: {metric} (docs/contracts.md) has no HELP/TYPE in /metrics")
    print(f"{name}: {len(types)} metric families; {len(expected)} from the contract checked")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--operator")
    ap.add_argument("--fakeapi")
    ap.add_argument("--kubectl")
    ap.add_argument("--promtool", default="/usr/bin/promtool")
    ap.add_argument("--repo", required=True)
    ap.add_argument("--without-jemalloc", action="store_true",
                    help="the server is built without jemalloc (sanitizer presets): no trove_jemalloc_bytes")
    a = ap.parse_args()
    failures = []
    with tempfile.TemporaryDirectory(prefix="trove-metrics-") as tmp:
        procs = ol.Processes(tmp)
        try:
            data_port, admin_port, token_file, ingest_port = ol.start_trove_server(procs, a.server, tmp)
            # The ingest listener serves reads too: one keep-alive connection for both.
            conn = http.client.HTTPConnection("127.0.0.1", ingest_port, timeout=5)
            for i in range(20):
                conn.request("POST", "/v1/ingest", f'{{"box":{i + 1},"hunt":"m","state":"open"}}\n{{"box":"bad"}}\n',
                             {"Content-Type": "application/x-ndjson"})
                conn.getresponse().read()
                conn.request("GET", f"/v1/boxes/{i + 1}")
                conn.getresponse().read()
            time.sleep(0.2)
            status, text = ol.http_get(f"http://127.0.0.1:{admin_port}/metrics")
            if status != 200:
                failures.append(f"trove-server /metrics answered {status}")
            expected = contract_metrics(a.repo, "trove-server")
            if a.without_jemalloc:
                expected.remove("trove_jemalloc_bytes")
            failures += check("trove-server", text, expected, a.promtool)
            if a.operator:
                import operator_rig
                op_port, rig = operator_rig.start(procs, tmp, a, admin_port, token_file)
                # prometheus-cpp prints a labelled family with its first series:
                # make a watch restart, a relist and a retry happen once.
                rig.stir()
                rig.stir()
                time.sleep(3)
                status, text = ol.http_get(f"http://127.0.0.1:{op_port}/metrics")
                if status != 200:
                    failures.append(f"trove-operator /metrics answered {status}")
                failures += check("trove-operator", text, contract_metrics(a.repo, "trove-operator"), a.promtool)
        finally:
            procs.stop_all()
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
