"""Helpers for the chart tests: render with the pinned helm, convert YAML to
JSON with the pinned kubectl (offline), and collect check results."""
import json
import os
import subprocess


class Checker:
    """Collects named checks; every failure is printed with what was expected."""

    def __init__(self):
        self.failed = 0
        self.passed = 0

    def section(self, title):
        print(f"== {title}", flush=True)

    def true(self, ok, what):
        if ok:
            self.passed += 1
            print(f"  ok    {what}")
        else:
            self.failed += 1
            print(f"  FAIL  {what}")
        return bool(ok)

    def eq(self, got, want, what):
        if got == want:
            return self.true(True, what)
        return self.true(False, f"{what}\n      want: {json.dumps(want, sort_keys=True)[:1500]}"
                                f"\n      got:  {json.dumps(got, sort_keys=True)[:1500]}")

    def finish(self):
        print(f"{self.passed} checks passed, {self.failed} failed")
        return 1 if self.failed else 0


class Renderer:
    def __init__(self, helm, kubectl, chart, tmp, namespace="trove-system", release="trove"):
        self.helm_bin = helm
        self.kubectl = kubectl
        self.chart = chart
        self.tmp = tmp
        self.namespace = namespace
        self.release = release
        self.env = dict(os.environ, KUBECONFIG=os.devnull, HELM_CACHE_HOME=os.path.join(tmp, "cache"),
                        HELM_CONFIG_HOME=os.path.join(tmp, "config"), HELM_DATA_HOME=os.path.join(tmp, "data"))

    def helm(self, args):
        p = subprocess.run([self.helm_bin] + args, capture_output=True, text=True, env=self.env, timeout=120)
        return p.returncode, p.stdout + p.stderr

    def render_yaml(self, name, args):
        """helm template; returns the path of the rendered YAML."""
        code, out = self.helm(["template", self.release, self.chart, "-n", self.namespace] + args)
        if code != 0:
            raise AssertionError(f"helm template {' '.join(args)} failed:\n{out}")
        path = os.path.join(self.tmp, f"{name}.yaml")
        with open(path, "w") as f:
            f.write(out)
        return path

    def render(self, name, args):
        return self.to_json(self.render_yaml(name, args))

    def to_json(self, path):
        """YAML documents -> JSON objects, through `kubectl patch --local` (no server needed)."""
        p = subprocess.run([self.kubectl, "patch", "--local", "-f", path, "-p", "{}", "--type", "merge", "-o", "json"],
                           capture_output=True, text=True, env=self.env, timeout=60)
        if p.returncode != 0:
            raise AssertionError(f"kubectl could not read {path}:\n{p.stderr}")
        objs, decoder, text, i = [], json.JSONDecoder(), p.stdout, 0
        while True:
            while i < len(text) and text[i].isspace():
                i += 1
            if i >= len(text):
                break
            obj, i = decoder.raw_decode(text, i)
            objs.append(obj)
        return objs

    def data_file(self, path):
        """Any single-document YAML file (no kind) -> its data, wrapped in an
        unstructured object so kubectl can read it."""
        with open(path) as f:
            body = "".join("  " + line for line in f)
        wrapped = os.path.join(self.tmp, "wrapped-" + os.path.basename(path))
        with open(wrapped, "w") as f:
            f.write("apiVersion: test.trove.dev/v1\nkind: Wrapper\nmetadata:\n  name: wrapper\npayload:\n" + body)
        return self.to_json(wrapped)[0]["payload"]

    def file(self, rel):
        with open(os.path.join(self.chart, rel)) as f:
            return f.read()

    @staticmethod
    def find(objs, kind):
        return [o for o in objs if o["kind"] == kind]

    def one(self, objs, kind, name, namespace=None):
        hits = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name
                and (namespace is None or o["metadata"].get("namespace") == namespace)]
        if len(hits) != 1:
            have = sorted(f"{o['kind']}/{o['metadata'].get('namespace', '')}/{o['metadata']['name']}" for o in objs)
            raise AssertionError(f"expected one {kind} {namespace or ''}/{name}, found {len(hits)}; rendered: {have}")
        return hits[0]
