"""Turns one wrk run (its text output plus /proc/stat samples taken around it
by run.sh) into a JSON line shaped like trove-loadgen's, so the report treats
both clients alike.
usage: wrk_to_json.py LABEL WRK_OUT T0 T1 "S0busy S0total" "S1busy S1total"
                      "WRK_USER WRK_SYS" P0 P1 CLK_TCK DURATION
  S*: server core jiffies from /proc/stat; WRK_*: wrk's own CPU seconds
  (bash `time`); P*: utime+stime jiffies of the server processes.
"""
import json
import re
import sys


def main():
    label, path, t0, t1, s0, s1, wrk_cpu, p0, p1, hz, duration = sys.argv[1:12]
    text = open(path).read()
    hz = float(hz)
    m = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    rate = float(m.group(1)) if m else 0.0
    m = re.search(r"\s(\d+) requests in", text)
    requests = int(m.group(1)) if m else 0
    units = {"us": 1.0, "ms": 1e3, "s": 1e6}
    lat = {}
    for q, name in (("50", "p50"), ("90", "p90"), ("99", "p99")):
        m = re.search(r"^\s+" + q + r"%\s+([0-9.]+)(us|ms|s)\s*$", text, re.M)
        if m:
            lat[name] = float(m.group(1)) * units[m.group(2)]
    errors = {}
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        for k, v in zip(("connect", "read", "write", "timeout"), m.groups()):
            if int(v):
                errors["socket_" + k] = int(v)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors["non_2xx_3xx"] = int(m.group(1))
    sb0, st0 = map(float, s0.split())
    sb1, st1 = map(float, s1.split())
    server_busy = (sb1 - sb0) / hz
    window = (st1 - st0) / hz
    process_busy = (float(p1) - float(p0)) / hz
    client_busy = sum(float(x) for x in wrk_cpu.split())
    elapsed = float(t1) - float(t0)
    out = {
        "label": label,
        "tool": "wrk",
        "duration_s": float(duration),
        "roles": {"poll": {"mode": "closed", "completed": requests, "rate_per_s": rate,
                           "latency_us": lat, "errors": errors,
                           "error_total": sum(errors.values())}},
        "server_cpu": {"busy_s": server_busy,
                       "utilization": server_busy / window if window else 0,
                       "us_per_request": server_busy * 1e6 / requests if requests else 0,
                       "process_busy_s": process_busy,
                       "process_us_per_request": process_busy * 1e6 / requests if requests else 0},
        "client_cpu": {"busy_s": client_busy,
                       "utilization": client_busy / elapsed if elapsed > 0 else 0},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
