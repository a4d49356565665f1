"""Process and HTTP helpers for the observability tests: a real trove-server,
a real Prometheus (Debian's /usr/bin/prometheus) on a free loopback port with
its own data dir, and the PromQL found in the chart's dashboards and rules."""
import json
import math
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request


def free_port():
    """A loopback port nobody listens on: bind port 0, read it back, release it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http_get(url, timeout=5, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_for(what, predicate, timeout=30, interval=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


class Processes:
    """Starts processes with their output in files; stops them all in reverse order."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []

    def start(self, name, argv, env=None):
        log = open(os.path.join(self.tmp, f"{name}.log"), "w")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        self.procs.append((name, p, log))
        return p

    def log(self, name):
        with open(os.path.join(self.tmp, f"{name}.log")) as f:
            return f.read()

    def check_alive(self, name):
        for n, p, _ in self.procs:
            if n == name and p.poll() is not None:
                raise RuntimeError(f"{name} exited with {p.returncode}:\n{self.log(name)[-3000:]}")

    def stop_all(self):
        for name, p, log in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            log.close()


def start_trove_server(procs, binary, tmp, name="trove-server", extra=()):
    port_file = os.path.join(tmp, f"{name}.ports.json")
    token_file = os.path.join(tmp, f"{name}.token")
    with open(token_file, "w") as f:
        f.write("observability-test-token")  # no newline: the same bytes go into the Secret
    procs.start(name, [binary, "--bind", "127.0.0.1", "--port", "0", "--ingest-port", "0",
                       "--admin-bind", "127.0.0.1", "--admin-port", "0",
                       "--workers", "2", "--arena-mib", "16", "--max-boxes", "65536", "--admin-token-file", token_file,
                       "--port-file", port_file, *extra])

    def ports():
        procs.check_alive(name)
        with open(port_file) as f:
            return json.load(f)
    p = wait_for(f"{name}'s port file", ports, timeout=20)
    return p["data"], p["admin"], token_file, p["ingest"]


class Prometheus:
    def __init__(self, procs, binary, tmp, targets, rule_files, scrape_interval="1s"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = os.path.join(tmp, "prometheus.yml")
        scrape = "\n".join(
            f"  - job_name: {job}\n    static_configs:\n      - targets: ['{addr}']" for job, addr in targets)
        rules = "\n".join(f"  - {path}" for path in rule_files)
        with open(config, "w") as f:
            f.write(f"global:\n  scrape_interval: {scrape_interval}\n  evaluation_interval: {scrape_interval}\n"
                    f"rule_files:\n{rules}\nscrape_configs:\n{scrape}\n")
        data = os.path.join(tmp, "prometheus-data")
        os.makedirs(data, exist_ok=True)
        procs.start("prometheus", [binary, f"--config.file={config}", f"--storage.tsdb.path={data}",
                                   f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn",
                                   "--storage.tsdb.retention.time=1h"])
        self.procs = procs
        wait_for("Prometheus /-/ready", lambda: (procs.check_alive("prometheus"),
                                                  http_get(self.url + "/-/ready")[0] == 200)[1], timeout=30)

    def query(self, expr):
        url = self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        status, body = http_get(url, timeout=10)
        doc = json.loads(body)
        if status != 200 or doc.get("status") != "success":
            raise ValueError(f"query failed ({status}): {doc.get('error', body[:300])}")
        return doc["data"]["result"]

    def targets_up(self):
        result = self.query("up")
        return result and all(r["value"][1] == "1" for r in result)


# Grafana's variables, as a dashboard user with "All" selected sees them.
GRAFANA_VARIABLES = {"$__rate_interval": "10s", "$namespace": ".*", "$pod": ".*", "$hunt": ".*"}


def dashboard_queries(path):
    """(panel title, legend, PromQL with Grafana variables expanded) for every target of every panel."""
    with open(path) as f:
        dash = json.load(f)
    panels = []
    for p in dash["panels"]:
        panels.append(p)
        panels.extend(p.get("panels", []))
    out = []
    for p in panels:
        for t in p.get("targets", []):
            expr = t["expr"]
            for var, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(var, value)
            if "$" in expr:
                raise ValueError(f"panel {p['title']!r}: unexpanded variable in {t['expr']}")
            out.append((p["title"], t.get("legendFormat", ""), expr))
    return out


def recording_rules(path):
    """The `record:` names of a Prometheus rule file (plain text scan: the files are flat YAML)."""
    with open(path) as f:
        return re.findall(r"^\s*- record:\s*(\S+)\s*$", f.read(), flags=re.M)


def describe(result, limit=4):
    """A short text of an instant-query result: labels and values."""
    parts = []
    for r in result[:limit]:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(r["metric"].items()) if k not in ("job", "instance"))
        parts.append(f"{{{labels}}} {format_value(r['value'][1])}")
    if len(result) > limit:
        parts.append(f"... {len(result) - limit} more")
    return "; ".join(parts)


def format_value(v):
    f = float(v)
    if math.isnan(f) or math.isinf(f):
        return v
    if f != 0 and (abs(f) < 0.01 or abs(f) >= 1e6):
        return f"{f:.4g}"
    return f"{f:.6g}"


def has_finite(result):
    return any(not math.isnan(float(r["value"][1])) and not math.isinf(float(r["value"][1])) for r in result)
