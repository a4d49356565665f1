#!/usr/bin/python3
"""The chart against an API server: the project's fake (tests/fakeapi) with
stand-in Prometheus Operator CRDs, driven by the pinned real kubectl and helm.

1. `helm template` output (namespaced mode, demo game, monitoring) applied with
   `kubectl apply`: every object is created, a second apply changes nothing,
   and the CRD serves TreasureHunts (the example applies; printer columns show).
2. `helm install --dry-run=server` against the fake: helm reads the server's
   version and discovery (native sidecar on 1.33; the monitoring objects
   appear only once the server serves monitoring.coreos.com); by default it
   renders no admin-token Secret (the operator makes them), and with
   adminToken.operatorManaged=false it looks the Secret up (an existing token
   is kept and copied to new namespaces). A real `helm install` cannot run here: helm stores its release
   with a protobuf body, which the fake does not decode.

Usage: apply_test.py --helm H --kubectl K --fakeapi BIN --repo ROOT
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

from chart_lib import Checker, Renderer


class Cluster:
    def __init__(self, a, tmp, name):
        self.a = a
        self.kubeconfig = os.path.join(tmp, f"{name}.kubeconfig")
        port_file = os.path.join(tmp, f"{name}.port")
        self.log = open(os.path.join(tmp, f"{name}.log"), "w")
        self.proc = subprocess.Popen([a.fakeapi, "--bind", "127.0.0.1", "--port", "0", "--port-file", port_file,
                                      "--kubeconfig-out", self.kubeconfig], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"fake API server {name} did not start")
            time.sleep(0.05)
        self.env = dict(os.environ, KUBECONFIG=self.kubeconfig, HELM_CACHE_HOME=os.path.join(tmp, "hc"),
                        HELM_CONFIG_HOME=os.path.join(tmp, "hcfg"), HELM_DATA_HOME=os.path.join(tmp, "hd"))

    def run(self, tool, *args, stdin=None):
        p = subprocess.run([tool, *args], input=stdin, capture_output=True, text=True, env=self.env, timeout=120)
        return p.returncode, p.stdout + p.stderr

    def kubectl(self, *args, stdin=None):
        return self.run(self.a.kubectl, *args, stdin=stdin)

    def helm(self, *args):
        return self.run(self.a.helm, *args)

    def get(self, *args):
        code, out = self.kubectl("get", *args, "-o", "json")
        return json.loads(out) if code == 0 else None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


MONITORING_APIS = ["--api-versions", "monitoring.coreos.com/v1/PodMonitor", "--api-versions",
                   "monitoring.coreos.com/v1/ServiceMonitor", "--api-versions",
                   "monitoring.coreos.com/v1/PrometheusRule"]


def kubectl_apply(c, a, tmp, fixtures):
    c.section("kubectl apply of `helm template` output (namespaced mode, demo game, monitoring)")
    r = Renderer(a.helm, a.kubectl, os.path.join(a.repo, "charts", "trove"), tmp)
    rendered = r.render_yaml("apply", ["--set", "demo.enabled=true", "--set", "operator.watch.mode=namespaced",
                                       "--set", "operator.watch.namespaces={games}"] + MONITORING_APIS)
    objs = r.to_json(rendered)
    k = Cluster(a, tmp, "fake-apply")
    try:
        code, out = k.kubectl("apply", "-f", fixtures)
        c.true(code == 0, f"Prometheus Operator stand-in CRDs applied\n{out if code else ''}")
        for ns in ("trove-system", "games"):
            # kubectl create sends protobuf, which the fake does not read; apply sends JSON.
            k.kubectl("apply", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "Namespace",
                                                            "metadata": {"name": ns}}))
        code, out = k.kubectl("apply", "-f", rendered)
        c.true(code == 0, f"kubectl apply of {len(objs)} rendered objects" + ("" if code == 0 else f"\n{out}"))
        created = [line for line in out.splitlines() if line.endswith(" created")]
        c.eq(len(created), len(objs), f"every object created ({len(created)} lines say created)")
        code, out = k.kubectl("apply", "-f", rendered)
        unchanged = [line for line in out.splitlines() if line.endswith(" unchanged")]
        c.true(code == 0 and len(unchanged) == len(objs),
               f"a second apply changes nothing ({len(unchanged)} of {len(objs)} unchanged)"
               + ("" if len(unchanged) == len(objs) else f"\n{out}"))
        for o in objs:
            ns = o["metadata"].get("namespace")
            args = [o["kind"].lower() + "." + o["apiVersion"].split("/")[0] if "/" in o["apiVersion"]
                    else o["kind"].lower(), o["metadata"]["name"]] + (["-n", ns] if ns else [])
            got = k.get(*args)
            same = got is not None and all(got.get(f) == o.get(f) for f in ("spec", "data", "rules", "roleRef")
                                           if f in o)
            c.true(same, f"{o['kind']} {ns + '/' if ns else ''}{o['metadata']['name']} stored as rendered")
        code, out = k.kubectl("apply", "-f", os.path.join(a.repo, "crds", "examples", "treasurehunt.yaml"))
        c.true(code == 0, f"the example TreasureHunt applies against the chart's CRD\n{out if code else ''}")
        code, out = k.kubectl("get", "treasurehunts", "-A")
        c.true(code == 0 and "PODS" in out and "arena-game" in out, f"kubectl get treasurehunts -A:\n{out}")
    finally:
        k.stop()


def helm_against_server(c, a, tmp, fixtures):
    c.section("helm install --dry-run=server against the fake API server (real discovery and lookup)")
    r = Renderer(a.helm, a.kubectl, os.path.join(a.repo, "charts", "trove"), tmp)
    chart = os.path.join(a.repo, "charts", "trove")
    k = Cluster(a, tmp, "fake-helm")
    try:
        def dry_run(name, *values):
            code, out = k.helm("install", "trove", chart, "-n", "trove-system", "--dry-run=server", *values)
            if code != 0 or "MANIFEST:" not in out:
                c.true(False, f"helm install --dry-run=server ({name})\n{out[-2000:]}")
                return [], out
            manifest = out.split("MANIFEST:", 1)[1].split("\nNOTES:", 1)[0]
            path = os.path.join(tmp, f"dry-{name}.yaml")
            with open(path, "w") as f:
                f.write(manifest)
            return r.to_json(path), out

        objs, out = dry_run("bare", "--set", "demo.enabled=true")
        c.eq(r.find(objs, "PodMonitor") + r.find(objs, "ServiceMonitor") + r.find(objs, "PrometheusRule"), [],
             "no monitoring objects while the server lacks monitoring.coreos.com")
        c.true("PodMonitor: NOT installed" in out, "NOTES say why the PodMonitor is missing")
        demo = r.one(objs, "Deployment", "trove-demo-game")["spec"]["template"]["spec"]
        c.eq([x["name"] for x in demo.get("initContainers") or []], ["trove"],
             "native sidecar: helm read Kubernetes 1.33 from the server's /version")
        c.eq(r.find(objs, "Secret"), [], "no admin-token Secret: the operator creates it")
        c.eq([v["secret"].get("optional") for v in demo["volumes"] if v["name"] == "trove-admin-token"], [True],
             "the sidecar's token volume is optional, so the pod does not wait for the operator")
        lookup = ["--set", "adminToken.operatorManaged=false"]
        objs, out = dry_run("lookup", *lookup)
        fresh = r.one(objs, "Secret", "trove-admin-token")["data"]["token"]

        code, out = k.kubectl("apply", "-f", fixtures)
        c.true(code == 0, "Prometheus Operator stand-in CRDs applied" + ("" if code == 0 else f"\n{out}"))
        objs, out = dry_run("monitoring")
        for kind in ("PodMonitor", "ServiceMonitor", "PrometheusRule"):
            c.eq(len(r.find(objs, kind)), 1, f"{kind} rendered once the server serves its API")
        c.true("PodMonitor: installed." in out, "NOTES report the PodMonitor as installed")

        # A Secret a previous release created (helm's ownership metadata on it).
        existing = base64.b64encode(b"token-from-the-first-install-0123456789abcdefgh").decode()
        for ns in ("trove-system", "games"):
            secret = {"apiVersion": "v1", "kind": "Secret",
                      "metadata": {"name": "trove-admin-token", "namespace": ns,
                                   "labels": {"app.kubernetes.io/managed-by": "Helm"},
                                   "annotations": {"meta.helm.sh/release-name": "trove",
                                                   "meta.helm.sh/release-namespace": "trove-system"}},
                      "data": {"token": existing}}
            code, out = k.kubectl("apply", "-f", "-", stdin=json.dumps(secret))
            c.true(code == 0, f"existing admin-token Secret in {ns}" + ("" if code == 0 else f"\n{out}"))
        objs, out = dry_run("upgrade-like", *lookup, "--set", "adminToken.extraNamespaces={games,arena}")
        tokens = {o["metadata"]["namespace"]: o["data"]["token"] for o in r.find(objs, "Secret")}
        c.eq(tokens, {"trove-system": existing, "games": existing, "arena": existing},
             "lookup keeps the cluster's token, and copies it to a new namespace")
        c.true(fresh != existing, "without a Secret in the cluster the token is generated")
    finally:
        k.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helm", required=True)
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--fakeapi", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "monitoring-crds.yaml")
    c = Checker()
    with tempfile.TemporaryDirectory(prefix="trove-apply-") as tmp:
        kubectl_apply(c, a, tmp, fixtures)
        helm_against_server(c, a, tmp, fixtures)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
