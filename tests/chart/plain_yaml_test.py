#!/usr/bin/python3
"""The plain YAML for `kubectl apply` users (charts/plain/trove.yaml):
1. it is what hack/plain-yaml.sh renders from the chart with the pinned helm
   now (so a chart change without regenerating fails here);
2. the pinned kubectl applies it to the fake API server: every object is
   created and stored, a second apply changes nothing;
3. the MutatingWebhookConfiguration it installs is live in that server:
   with no operator answering, an unlabelled pod is created (the
   objectSelector keeps it away from the webhook) and a labelled one is
   refused (failurePolicy Fail).

Usage: plain_yaml_test.py --helm H --kubectl K --fakeapi BIN --repo ROOT
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from apply_test import Cluster
from chart_lib import Checker


def pod(name, labelled):
    labels = {"app": "game"}
    if labelled:
        labels["trove.dev/inject"] = "true"
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
                       "spec": {"containers": [{"name": "game", "image": "game:1"}]}})


def check_apply(c, k, plain):
    code, out = k.kubectl("apply", "-f", plain)
    created = [line for line in out.splitlines() if line.endswith(" created")]
    c.true(code == 0, f"kubectl apply -f charts/plain/trove.yaml ({len(created)} created)"
           + ("" if code == 0 else f"\n{out}"))
    code, out = k.kubectl("apply", "-f", plain)
    lines = out.strip().splitlines()
    unchanged = [line for line in lines if line.endswith(" unchanged")]
    c.true(code == 0 and lines and len(unchanged) == len(lines) == len(created),
           f"a second apply changes nothing ({len(unchanged)} of {len(lines)} unchanged)")
    mwc = k.get("mutatingwebhookconfigurations")
    c.true(mwc is not None and len(mwc["items"]) == 1, "one MutatingWebhookConfiguration stored")
    cm = k.get("configmap", "-n", "trove-system", "trove-operator-sidecar-template")
    c.true(cm is not None and "sidecar.json" in cm.get("data", {}), "the sidecar template ConfigMap stored")


def check_webhook_scope(c, k):
    code, out = k.kubectl("apply", "-n", "games", "-f", "-", stdin=pod("lobby-0", False))
    c.true(code == 0, f"unlabelled pod created with no operator running\n{out if code else ''}")
    code, out = k.kubectl("apply", "-n", "games", "-f", "-", stdin=pod("game-0", True))
    c.true(code != 0 and 'failed calling webhook "inject.trove.dev"' in out,
           f"labelled pod refused while no operator answers (failurePolicy Fail)\n{out.strip()[:300]}")


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--helm", "--kubectl", "--fakeapi", "--repo"):
        ap.add_argument(flag, required=True)
    a = ap.parse_args()
    c = Checker()
    c.section("charts/plain/trove.yaml is current")
    r = subprocess.run(["bash", os.path.join(a.repo, "hack", "plain-yaml.sh"), "--check", "--helm", a.helm],
                       capture_output=True, text=True, timeout=120)
    c.true(r.returncode == 0, f"hack/plain-yaml.sh --check\n{(r.stdout + r.stderr).strip()[-2000:]}")
    plain = os.path.join(a.repo, "charts", "plain", "trove.yaml")
    with tempfile.TemporaryDirectory(prefix="trove-plain-") as tmp:
        k = Cluster(a, tmp, "fake-plain")
        try:
            c.section("kubectl apply against the fake API server")
            check_apply(c, k, plain)
            c.section("the webhook configuration it installs")
            check_webhook_scope(c, k)
        finally:
            k.stop()
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
