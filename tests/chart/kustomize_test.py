#!/usr/bin/python3
"""The trove-inject Kustomize component (charts/kustomize/trove-inject),
rendered with the pinned real `kubectl kustomize` over an overlay of a
Deployment, a StatefulSet and a Service: both pod templates get
trove.dev/inject: "true" (the injection webhook's objectSelector), their own
labels and annotations stay, and the Service is untouched.

Usage: kustomize_test.py --kubectl K --repo ROOT
"""
import argparse
import json
import os
import subprocess
import sys

from chart_lib import Checker


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    overlay = os.path.join(a.repo, "tests", "chart", "kustomize-overlay")
    env = dict(os.environ, KUBECONFIG=os.devnull)
    rendered = subprocess.run([a.kubectl, "kustomize", overlay], capture_output=True, text=True,
                              env=env, timeout=60)
    c = Checker()
    c.section("kubectl kustomize with the trove-inject component")
    c.true(rendered.returncode == 0, f"kubectl kustomize renders ({rendered.stderr.strip()[:200]})")
    if rendered.returncode != 0:
        return c.finish()
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"trove-kustomize-{os.getpid()}.yaml")
    with open(path, "w") as f:
        f.write(rendered.stdout)
    try:
        out = subprocess.run([a.kubectl, "patch", "--local", "-f", path, "-p", "{}", "--type", "merge",
                              "-o", "json"], capture_output=True, text=True, env=env, timeout=60, check=True)
    finally:
        os.remove(path)
    objs, decoder, text, i = [], json.JSONDecoder(), out.stdout, 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        obj, i = decoder.raw_decode(text, i)
        objs.append(obj)
    by_name = {o["metadata"]["name"] + "/" + o["kind"]: o for o in objs}
    for key, own in (("game/Deployment", "game"), ("lobby/StatefulSet", "lobby")):
        meta = by_name[key]["spec"]["template"]["metadata"]
        c.eq(meta["labels"], {"app": own, "trove.dev/inject": "true"}, f"{key}: pod template labels")
    c.eq(by_name["lobby/StatefulSet"]["spec"]["template"]["metadata"]["annotations"],
         {"trove.dev/arena-mib": "256"}, "annotations kept")
    c.true("labels" not in by_name["lobby/Service"]["metadata"], "Service untouched")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
