"""Reading and summarising hack/bench/run.sh's raw results: JSON lines,
medians with ranges, the machine description, admin-stats RSS series.
Used by report.py."""
import json
import os
import platform
import re
import statistics
import subprocess


def load_jsonl(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return rows


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError):
        return None


def group(runs):
    """{(scenario, subject): [run, …]} from labels SCENARIO/SUBJECT/REP."""
    out = {}
    for r in runs:
        parts = r.get("label", "").split("/")
        if len(parts) != 3:
            continue
        out.setdefault((parts[0], parts[1]), []).append(r)
    return out


def stat(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return (statistics.median(values), min(values), max(values))


def fmt(s, digits=1, unit=""):
    if s is None:
        return "–"
    med, lo, hi = s
    f = "{:,.%df}" % digits
    if lo == hi:
        return f.format(med) + unit
    return f.format(med) + unit + " [" + f.format(lo) + "–" + f.format(hi) + "]"


def ratio(a, b, digits=2):
    if a is None or b is None or b[0] == 0:
        return "–"
    return ("{:.%df}×" % digits).format(a[0] / b[0])


def role(run, name):
    return run.get("roles", {}).get(name, {})


def metric(runs, rolename, *path):
    vals = []
    for r in runs:
        v = role(r, rolename) if rolename else r
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
        if isinstance(v, (int, float)):
            vals.append(float(v))
    return stat(vals)


def errors_of(runs, rolename):
    total = {}
    for r in runs:
        for k, v in role(r, rolename).get("errors", {}).items():
            total[k] = total.get(k, 0) + v
    if not total:
        return "0"
    return ", ".join("%s %d" % kv for kv in sorted(total.items()))


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip() or \
            subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stderr.strip()
    except Exception:  # noqa: BLE001 - a description line is never worth failing the report
        return "?"


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    return [
        ("CPU", model),
        ("cores (nproc)", sh("nproc")),
        ("memory", mem),
        ("kernel", platform.release()),
        ("compiler", sh("c++ --version | head -1")),
        ("nginx", sh("nginx -v 2>&1")),
        ("wrk", sh("wrk -v 2>&1 | head -1")),
    ]


def normalise_commands(path):
    """The exact commands, once each: ports and repetition numbers vary."""
    seen, out = set(), []
    if not os.path.exists(path):
        return out
    for line in open(path):
        line = line.strip()
        norm = re.sub(r"--port \d+", "--port $PORT", line)
        norm = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:$PORT", norm)
        norm = re.sub(r"(--label \S+/\S+/)\d+", r"\1$REP", norm)
        norm = re.sub(r"/tmp/trove-bench\.\w+", "$WORK", norm)
        if norm not in seen:
            seen.add(norm)
            out.append(norm)
    return out


def rss_series(path):
    """[(seconds since first sample, rss bytes, jemalloc resident bytes)]"""
    rows = load_jsonl(path)
    if not rows:
        return []
    t0 = rows[0]["t"]
    out = []
    for r in rows:
        s = r.get("stats", {})
        rss = s.get("rssBytes")
        if rss is None:
            continue
        out.append((r["t"] - t0, rss, (s.get("jemalloc") or {}).get("resident")))
    return out


def slope_per_hour(points):
    """Least-squares slope of (seconds, bytes), in MiB per hour."""
    if len(points) < 3:
        return None
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var
    return slope * 3600 / (1 << 20)
