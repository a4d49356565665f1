#!/usr/bin/env python3
"""Runs two builds' micro-benchmarks in turns and compares them.

usage: micro_compare.py --baseline BIN --current BIN [--reps 3] [--cpu 1]
                        [--filter REGEX] [--tolerance 0.02] [--out FILE.json]

Both binaries run REPS times each, alternating (baseline, current, current,
baseline, ...) so drift of a noisy machine hits both alike, pinned to one CPU.
For every benchmark the median CPU time of each binary is taken, and the
ratio current / baseline printed. Exit status 1 when a benchmark is slower
than baseline by more than --tolerance. Benchmarks present in only one binary
are listed, not compared. `make bench` runs this when BASELINE=<git rev> is
set (hack/bench/run.sh).
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile


def run_once(binary, cpu, bench_filter):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = ["taskset", "-c", str(cpu), binary, "--benchmark_out=" + out.name,
               "--benchmark_out_format=json"]
        if bench_filter:
            cmd.append("--benchmark_filter=" + bench_filter)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out.name) as f:
            data = json.load(f)
    return {b["name"]: b["cpu_time"] for b in data["benchmarks"]
            if b.get("run_type", "iteration") == "iteration"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--current", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=1)
    ap.add_argument("--filter", default="")
    ap.add_argument("--tolerance", type=float, default=0.02)
    ap.add_argument("--out", default="")
    args = ap.parse_args()

    times = {"baseline": {}, "current": {}}
    for rep in range(args.reps):
        order = ["baseline", "current"] if rep % 2 == 0 else ["current", "baseline"]
        for which in order:
            binary = args.baseline if which == "baseline" else args.current
            print(f"micro_compare: rep {rep + 1}/{args.reps} {which}", file=sys.stderr)
            for name, cpu_time in run_once(binary, args.cpu, args.filter).items():
                times[which].setdefault(name, []).append(cpu_time)

    rows, slower = [], []
    for name in sorted(set(times["baseline"]) | set(times["current"])):
        base, cur = times["baseline"].get(name), times["current"].get(name)
        if not base or not cur:
            rows.append({"name": name, "only_in": "baseline" if base else "current"})
            continue
        b, c = statistics.median(base), statistics.median(cur)
        ratio = c / b if b else float("nan")
        rows.append({"name": name, "baseline_cpu": b, "current_cpu": c, "ratio": ratio,
                     "baseline_runs": base, "current_runs": cur})
        if ratio > 1 + args.tolerance:
            slower.append(name)

    print(f"{'benchmark':60s} {'baseline':>12s} {'current':>12s} {'ratio':>7s}")
    for r in rows:
        if "only_in" in r:
            print(f"{r['name']:60s} (only in {r['only_in']})")
        else:
            flag = "  SLOWER" if r["name"] in slower else ""
            print(f"{r['name']:60s} {r['baseline_cpu']:12.4g} {r['current_cpu']:12.4g} "
                  f"{r['ratio']:7.3f}{flag}")
    print(f"micro_compare: {len(rows)} benchmarks, medians of {args.reps}, "
          f"{len(slower)} slower than baseline by more than {args.tolerance:.0%}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"reps": args.reps, "tolerance": args.tolerance, "rows": rows}, f, indent=1)
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
