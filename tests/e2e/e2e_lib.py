"""Harness for trove's end-to-end tests: the fake API server, real kubectl,
real trove-server processes standing in for pods, and the operator binary.

Binaries come from the environment (CMake sets them per preset):
TROVE_OPERATOR_BIN, TROVE_SERVER_BIN, TROVE_FAKEAPI_BIN, TROVE_KUBECTL,
TROVE_LOADGEN_BIN (optional), TROVE_CRD (the CRD file).

Conventions the tests rely on (documented in crds/examples/treasurehunt.yaml):
- sidecar pods carry the label trove.dev/sidecar=true (the operator's pod
  informer selects on it) plus the hunt's own labels;
- each pod has its own loopback address (127.0.0.2, 127.0.0.3, ...: all of
  127/8 is loopback on Linux) as status.podIP, and its sidecar's ephemeral
  admin port in the annotation trove.dev/admin-port.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SIDECAR_TOKEN = "e2e-admin-token"


def env_path(name, required=True):
    value = os.environ.get(name, "")
    if required and (not value or not os.path.exists(value)):
        raise SystemExit(f"e2e: {name} is not set to an existing file (got {value!r})")
    return value


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def wait_until(predicate, timeout=30.0, interval=0.05, what="condition"):
    """Polls predicate() until it returns a truthy value; fails with `what`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # a probe failing is "not yet"
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def http(method, url, body=None, headers=None, timeout=5.0):
    """Returns (status, body text); never raises on HTTP errors."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class Workdir:
    def __init__(self, name):
        self.path = tempfile.mkdtemp(prefix=f"trove-e2e-{name}-")
        self.procs = []

    def file(self, name):
        return os.path.join(self.path, name)

    def cleanup(self, ok):
        for p in reversed(self.procs):
            p.stop()
        if ok:
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            log(f"logs kept in {self.path}")
            for f in sorted(os.listdir(self.path)):
                if f.endswith(".log"):
                    with open(self.file(f), errors="replace") as fh:
                        tail = fh.read()[-3000:]
                    print(f"----- {f} (tail) -----\n{tail}", flush=True)


class Proc:
    def __init__(self, work, name, argv, env=None):
        self.name = name
        self.argv = argv
        self.log_path = work.file(f"{name}.log")
        self.env = dict(os.environ, **(env or {}))
        work.procs.append(self)
        self.popen = None
        self.start()

    def start(self):
        self.log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT,
                                      env=self.env)

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log.close()
        rc = self.popen.returncode
        self.popen = None
        return rc

    def kill(self):
        return self.stop(signal.SIGKILL)

    def log_text(self):
        with open(self.log_path, errors="replace") as fh:
            return fh.read()


class FakeApi:
    def __init__(self, work, extra=()):
        port_file = work.file("fakeapi.port")
        self.kubeconfig = work.file("kubeconfig")
        self.proc = Proc(work, "fakeapi", [env_path("TROVE_FAKEAPI_BIN"), "--port", "0",
                                            "--port-file", port_file,
                                            "--kubeconfig-out", self.kubeconfig,
                                            "--bookmark-interval-ms", "1000", *extra])
        port = wait_until(lambda: open(port_file).read().strip(), 20, what="fake API port file")
        self.url = f"http://127.0.0.1:{port}"

    def request(self, method, path, obj=None, content_type="application/json"):
        body = json.dumps(obj) if obj is not None else None
        status, text = http(method, self.url + path, body, {"Content-Type": content_type})
        return status, (json.loads(text) if text.startswith("{") else text)

    def must(self, method, path, obj=None, content_type="application/json"):
        status, out = self.request(method, path, obj, content_type)
        if status >= 300:
            raise AssertionError(f"{method} {path} -> {status}: {out}")
        return out

    def faults(self, spec):
        self.must("POST", "/_fake/faults", spec)

    def clear_faults(self):
        self.must("DELETE", "/_fake/faults")

    def hunt(self, name, ns="default"):
        return self.must("GET", f"/apis/trove.dev/v1alpha1/namespaces/{ns}/treasurehunts/{name}")

    def condition(self, name, ctype, ns="default"):
        for c in self.hunt(name, ns).get("status", {}).get("conditions", []):
            if c.get("type") == ctype:
                return c
        return {}

    def create_pod(self, name, ip, admin_port, labels, ns="default", ready=True):
        meta = {"name": name, "namespace": ns,
                "labels": dict(labels, **{"trove.dev/sidecar": "true"}),
                "annotations": {"trove.dev/admin-port": str(admin_port)}}
        self.must("POST", f"/api/v1/namespaces/{ns}/pods",
                  {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                   "spec": {"containers": [{"name": "trove", "image": "trove-server",
                                            "ports": [{"name": "trove-admin",
                                                       "containerPort": admin_port}]}]}})
        self.set_pod_status(name, ip, ready, ns)

    def set_pod_status(self, name, ip, ready=True, ns="default"):
        status = {"phase": "Running", "podIP": ip,
                  "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
        self.must("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}/status", {"status": status},
                  "application/merge-patch+json")

    def set_container_status(self, name, container_id, restart_count, container="trove",
                             ns="default"):
        """What the kubelet reports for the pod's (only) container: a restart in
        place shows as a new containerID and a higher restartCount."""
        status = {"containerStatuses": [{"name": container, "containerID": container_id,
                                         "restartCount": restart_count, "ready": True,
                                         "started": True, "state": {"running": {}}}]}
        self.must("PATCH", f"/api/v1/namespaces/{ns}/pods/{name}/status", {"status": status},
                  "application/merge-patch+json")

    def create_token_secret(self, name="trove-admin-token", token=SIDECAR_TOKEN, ns="default"):
        import base64
        obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns},
               "data": {"token": base64.b64encode(token.encode()).decode()}}
        status, _ = self.request("GET", f"/api/v1/namespaces/{ns}/secrets/{name}")
        if status == 200:
            self.must("PUT", f"/api/v1/namespaces/{ns}/secrets/{name}", obj)
        else:
            self.must("POST", f"/api/v1/namespaces/{ns}/secrets", obj)


class Kubectl:
    def __init__(self, api):
        self.bin = env_path("TROVE_KUBECTL")
        self.kubeconfig = api.kubeconfig

    def run(self, *args, stdin=None, check=True, timeout=60):
        cmd = [self.bin, "--kubeconfig", self.kubeconfig, *args]
        r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({r.returncode}): "
                                 f"{r.stderr.strip()}")
        return r.stdout

    def apply(self, manifest):
        return self.run("apply", "-f", "-", stdin=manifest)


class Sidecar:
    """A trove-server standing in for a pod's sidecar, on its own loopback IP."""

    def __init__(self, work, name, ip, token=SIDECAR_TOKEN, admin_port=0):
        self.work, self.name, self.ip = work, name, ip
        self.token_file = work.file(f"{name}.token")
        # The token tuning() reads with (a test that rotates the file sets it).
        self.reader_token = SIDECAR_TOKEN
        with open(self.token_file, "w") as fh:
            fh.write(token + "\n")
        self.port_file = work.file(f"{name}.port")
        self.admin_port = admin_port
        self.proc = None
        self.start()

    def start(self):
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        argv = [env_path("TROVE_SERVER_BIN"), "--bind", self.ip, "--port", "0",
                "--ingest-bind", self.ip, "--ingest-port", "0",
                "--admin-bind", self.ip, "--admin-port", str(self.admin_port),
                "--workers", "1", "--max-boxes", "4096",
                "--admin-token-file", self.token_file, "--port-file", self.port_file]
        if self.proc is None:
            self.proc = Proc(self.work, self.name, argv)
        else:
            self.proc.argv = argv
            self.proc.start()
        ports = wait_until(lambda: json.load(open(self.port_file)), 20,
                           what=f"{self.name} port file")
        self.admin_port = ports["admin"]
        self.data_port = ports["data"]
        self.ingest_port = ports["ingest"]
        self.pid = ports["pid"]

    def tuning(self):
        status, text = http("GET", f"http://{self.ip}:{self.admin_port}/admin/v1/tuning",
                            headers={"Authorization": f"Bearer {self.reader_token}"}, timeout=2)
        if status != 200:
            raise AssertionError(f"{self.name}: GET tuning -> {status} {text}")
        return json.loads(text)

    def stats(self):
        status, text = http("GET", f"http://{self.ip}:{self.admin_port}/admin/v1/stats", timeout=2)
        return json.loads(text) if status == 200 else None


class Operator:
    def __init__(self, work, api, name="operator", extra=(), autotune_interval="1s"):
        self.work = work
        self.name = name
        argv = [env_path("TROVE_OPERATOR_BIN"), "--kubeconfig", api.kubeconfig,
                "--metrics-bind", "127.0.0.1:0", "--identity", name,
                "--autotune-interval", autotune_interval, "--error-retry", "300ms",
                "--push-timeout", "1s", *extra]
        self.proc = Proc(work, name, argv)
        text = wait_until(lambda: re.search(r"serving /metrics on [\d.]+:(\d+)",
                                            self.proc.log_text()), 20,
                          what=f"{name} metrics listener")
        self.metrics_url = f"http://127.0.0.1:{text.group(1)}"

    def ready(self):
        return http("GET", self.metrics_url + "/readyz")[0] == 200

    def metric(self, metric_name, **labels):
        """Sum of a metric's samples whose labels include `labels`."""
        name = metric_name
        status, text = http("GET", self.metrics_url + "/metrics")
        if status != 200:
            raise AssertionError(f"{self.name}: /metrics -> {status}")
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name):
                continue
            m = re.match(r"^(\w+)(\{([^}]*)\})?\s+(\S+)$", line)
            if not m or m.group(1) != name:
                continue
            got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
            if all(got.get(k) == v for k, v in labels.items()):
                total += float(m.group(4))
        return total


def hunt_manifest(name, size_mib, epoch_ms, selector=None, overrides=None, autotune=None,
                  token_secret="trove-admin-token", ns="default"):
    spec = {"selector": {"matchLabels": selector or {"app": "game"}},
            "arena": {"sizeMiB": size_mib, "epochMillis": epoch_ms}}
    if overrides:
        spec["overrides"] = overrides
    if autotune:
        spec["autotune"] = autotune
    if token_secret:
        spec["tokenSecretRef"] = {"name": token_secret}
    return json.dumps({"apiVersion": "trove.dev/v1alpha1", "kind": "TreasureHunt",
                       "metadata": {"name": name, "namespace": ns}, "spec": spec})


def all_tuned(sidecars, size_mib, epoch_ms, generation=None):
    for s in sidecars:
        t = s.tuning()
        if t["arenaBytes"] != size_mib << 20 or t["epochMillis"] != epoch_ms:
            return False
        if generation is not None and t["generation"] != generation:
            return False
    return True


def setup_cluster(work, pods=3, labels=None, first_ip=2, operator=True, token=SIDECAR_TOKEN):
    """Fake API + CRD + token Secret + `pods` sidecars with Pod objects."""
    api = FakeApi(work)
    kubectl = Kubectl(api)
    kubectl.run("apply", "-f", env_path("TROVE_CRD"))
    wait_until(lambda: "treasurehunts" in kubectl.run("api-resources", "--api-group=trove.dev"),
               20, what="CRD served")
    api.create_token_secret()
    sidecars = []
    for i in range(pods):
        s = Sidecar(work, f"game-{i}", f"127.0.0.{first_ip + i}", token=token)
        api.create_pod(s.name, s.ip, s.admin_port, labels or {"app": "game"})
        sidecars.append(s)
    op = Operator(work, api) if operator else None
    if op:
        wait_until(op.ready, 20, what="operator /readyz")
    return api, kubectl, sidecars, op


def run(name, body):
    """Runs one scenario; prints PASS/FAIL and exits with the right code."""
    work = Workdir(name)
    ok = False
    t0 = time.monotonic()
    try:
        body(work)
        ok = True
    except AssertionError as e:
        log(f"FAIL: {e}")
    except Exception as e:  # a harness error is a failure too, with its trace
        import traceback
        traceback.print_exc()
        log(f"FAIL: {e!r}")
    finally:
        work.cleanup(ok)
    log(f"{'PASS' if ok else 'FAIL'} {name} in {time.monotonic() - t0:.1f}s")
    sys.exit(0 if ok else 1)
