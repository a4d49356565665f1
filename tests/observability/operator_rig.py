"""A real trove-operator at work without a cluster: the fake API server
(tests/fakeapi) holds the TreasureHunt CRD, a hunt, the admin-token Secret and
a Pod object standing for the running trove-server (podIP 127.0.0.1, its
admin port in the trove.dev/admin-port annotation, Running and Ready), so the
operator reads that server's stats and pushes tuning to it for real."""
import base64
import json
import os
import re
import subprocess
import urllib.request

import obs_lib as ol

NAMESPACE = "games"


def kubectl(a, kubeconfig, *args, stdin=None):
    p = subprocess.run([a.kubectl, "--kubeconfig", kubeconfig, *args], input=stdin, capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"kubectl {' '.join(args)} failed:\n{p.stdout}{p.stderr}")
    return p.stdout


def start(procs, tmp, a, admin_port, token_file, autotune_interval="1s"):
    """Starts the fake API server and trove-operator; returns (the operator's metrics port, a Rig)."""
    kubeconfig = os.path.join(tmp, "kubeconfig")
    port_file = os.path.join(tmp, "fakeapi.port")
    procs.start("fakeapi", [a.fakeapi, "--bind", "127.0.0.1", "--port", "0", "--port-file", port_file,
                            "--kubeconfig-out", kubeconfig])
    ol.wait_for("the fake API server's port file",
                lambda: (procs.check_alive("fakeapi"), os.path.exists(port_file))[1], timeout=20)
    crd = os.path.join(a.repo, "crds", "treasurehunts.trove.dev.yaml")
    kubectl(a, kubeconfig, "apply", "-f", crd)
    # `kubectl apply` with JSON throughout: `kubectl create` sends protobuf, which the fake does not read.
    for ns in (NAMESPACE, "trove-system"):
        kubectl(a, kubeconfig, "apply", "-f", "-",
                stdin=json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}))
    with open(token_file, "rb") as f:
        token = base64.b64encode(f.read()).decode()
    kubectl(a, kubeconfig, "apply", "-f", "-", stdin=json.dumps(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "trove-admin-token", "namespace": NAMESPACE},
         "data": {"token": token}}))
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "arena-0", "namespace": NAMESPACE,
                     "labels": {"app": "arena", "trove.dev/sidecar": "true"},
                     "annotations": {"trove.dev/admin-port": str(admin_port)}},
        "spec": {"containers": [{"name": "trove", "image": "trove-server:0.1.0"}]},
    }
    kubectl(a, kubeconfig, "apply", "-f", "-", stdin=json.dumps(pod))
    status = {"status": {"phase": "Running", "podIP": "127.0.0.1",
                         "conditions": [{"type": "Ready", "status": "True"}]}}
    kubectl(a, kubeconfig, "-n", NAMESPACE, "patch", "pod", "arena-0", "--subresource=status", "--type=merge",
            "-p", json.dumps(status))
    hunt = {
        "apiVersion": "trove.dev/v1alpha1", "kind": "TreasureHunt",
        "metadata": {"name": "arena", "namespace": NAMESPACE},
        "spec": {"selector": {"matchLabels": {"app": "arena", "trove.dev/sidecar": "true"}},
                 "arena": {"sizeMiB": 32, "epochMillis": 16},
                 "tokenSecretRef": {"name": "trove-admin-token", "key": "token"}},
    }
    kubectl(a, kubeconfig, "apply", "-f", "-", stdin=json.dumps(hunt))
    op_port = ol.free_port()
    procs.start("trove-operator", [a.operator, "--kubeconfig", kubeconfig, "--metrics-bind", f"127.0.0.1:{op_port}",
                                   "--leader-elect", "--lease-namespace", "trove-system", "--lease-name",
                                   "trove-operator", "--identity", "rig-0", "--autotune-interval", autotune_interval])
    ol.wait_for("trove-operator /readyz", lambda: (procs.check_alive("trove-operator"),
                                                    ol.http_get(f"http://127.0.0.1:{op_port}/readyz")[0] == 200)[1],
                timeout=30, interval=0.2)
    # The operator has pushed the hunt's tuning once the sidecar reports a generation.
    with open(token_file) as f:
        auth = {"Authorization": "Bearer " + f.read().strip()}
    ol.wait_for("the operator's first tuning push",
                lambda: (procs.check_alive("trove-operator"),
                         json.loads(ol.http_get(f"http://127.0.0.1:{admin_port}/admin/v1/tuning", headers=auth)[1])
                         .get("generation", 0) > 0)[1], timeout=30, interval=0.2)
    return op_port, Rig(a, kubeconfig)


class Rig:
    """Makes the day-to-day trouble of a real cluster happen, through the fake's
    fault injection (/_fake): a spec change the operator must push, its status
    write answered 500 once (a reconcile error and a rate-limited retry), every
    watch ended (watch restarts) and, every other round, history compacted so
    the watches get 410 Gone (relists)."""

    def __init__(self, a, kubeconfig):
        self.a = a
        self.kubeconfig = kubeconfig
        with open(kubeconfig) as f:
            self.server = re.search(r"server:\s*(\S+)", f.read()).group(1)
        self.rounds = 0

    def _post(self, path, body):
        req = urllib.request.Request(self.server + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as r:
            r.read()

    def stir(self):
        self.rounds += 1
        # The spec change goes in as a PUT (kubectl replace), so the injected
        # fault, which matches PATCH, is left for the operator's status write.
        hunt = json.loads(kubectl(self.a, self.kubeconfig, "-n", NAMESPACE, "get", "treasurehunt", "arena",
                                  "-o", "json"))
        hunt["spec"]["arena"]["sizeMiB"] = 48 if self.rounds % 2 else 32
        kubectl(self.a, self.kubeconfig, "replace", "-f", "-", stdin=json.dumps(hunt))
        self._post("/_fake/faults", {"requests": [{"verb": "patch", "resource": "treasurehunts", "status": 500,
                                                   "count": 1}]})
        self._post("/_fake/close-watches", {})
        if self.rounds % 2 == 0:
            self._post("/_fake/expire", {"closeWatches": True})

    def stir_until(self, stop, period=3.0):
        while not stop.is_set():
            try:
                self.stir()
            except (RuntimeError, OSError):
                if stop.is_set():
                    return  # the test is shutting the fake down
                raise
            stop.wait(period)
