#!/usr/bin/python3
"""A game's chart that depends on trove (tests/chart/parent-chart) adds the
sidecar to its own Deployment with `include "trove.sidecar"`. Real helm
resolves the dependency (`helm dependency update`) and renders the parent;
the sidecar must come out with trove's values, files and image, not the
parent's: on a native-sidecar cluster, on an older one, and with the
dependency under an alias.

Usage: parent_chart_test.py --helm H --kubectl K --repo ROOT
"""
import argparse
import os
import shutil
import sys
import tempfile

from chart_lib import Checker, Renderer

FIXTURE_DEPENDENCY = "file://../../../charts/trove"
ALIAS = "state"


def copy_parent(repo, tmp, name, alias=None, name_alias=True):
    """The fixture in a scratch folder, its dependency pointing at this
    repository's chart (and aliased when `alias` is given; the includes name
    the alias unless name_alias is false)."""
    dest = os.path.join(tmp, name)
    shutil.copytree(os.path.join(repo, "tests", "chart", "parent-chart"), dest)
    chart_yaml = os.path.join(dest, "Chart.yaml")
    with open(chart_yaml) as f:
        text = f.read()
    text = text.replace(FIXTURE_DEPENDENCY, "file://" + os.path.join(repo, "charts", "trove"))
    if alias:
        text = text.replace("    repository:", f"    alias: {alias}\n    repository:")
        for rel in ("values.yaml", os.path.join("templates", "game.yaml")):
            path = os.path.join(dest, rel)
            with open(path) as f:
                body = f.read()
            body = body.replace("trove:\n", f"{alias}:\n")
            if name_alias:
                body = body.replace('"context" $', f'"context" $ "chart" "{alias}"')
            with open(path, "w") as f:
                f.write(body)
    with open(chart_yaml, "w") as f:
        f.write(text)
    return dest


def sidecar_of(c, pod, native):
    inits = pod.get("initContainers") or []
    where = inits if native else pod["containers"]
    other = pod["containers"] if native else inits
    found = [x for x in where if x["name"] == "trove"]
    c.eq(len(found), 1, f"one sidecar among the {'init' if native else 'app'} containers")
    c.eq([x for x in other if x["name"] == "trove"], [], "no sidecar in the other section")
    return found[0] if found else None


def check_render(c, r, repo, title, flags, native):
    c.section(f"parent chart: {title}")
    try:
        objs = r.render(title.replace(" ", "-"), flags)
    except AssertionError as e:
        c.true(False, f"helm template renders the parent chart\n{e}")
        return
    tmpl = r.one(objs, "Deployment", "game-game")["spec"]["template"]
    pod = tmpl["spec"]
    c.eq(tmpl["metadata"]["labels"], {"app": "game-game", "trove.dev/sidecar": "true"}, "pod labels")
    c.eq([x["name"] for x in pod["containers"] if x["name"] != "trove"], ["game"], "the game container stays")
    s = sidecar_of(c, pod, native)
    if s is None:
        return
    c.eq(s["image"], "trove-server:0.1.0", "sidecar image carries trove's appVersion, not the parent's")
    c.eq(s["args"], ["--bind=0.0.0.0", "--port=8080", "--ingest-bind=127.0.0.1", "--ingest-port=8081", "--admin-bind=0.0.0.0", "--admin-port=9090",
                     "--admin-token-file=/var/run/trove/admin-token/token", "--arena-mib=256", "--epoch-ms=16",
                     "--max-boxes=1048576", "--store-huge-pages=on", "--store-spill-mib=1024",
                     "--max-data-bytes=1024",
                     "--state-dir=/var/lib/trove/state", "--ack=memory"],
         "sidecar args from the trove values the parent set (arenaMiB 256)")
    with open(os.path.join(repo, "charts", "trove", "files", "drain.sh")) as f:
        c.eq(s["lifecycle"]["preStop"]["exec"]["command"][2], f.read(), "preStop runs trove's files/drain.sh")
    env = {e["name"]: e.get("value") for e in s["env"]}
    c.eq(env.get("DRAIN_SECONDS"), "7", "drainSeconds from the parent's trove values")
    c.eq(s["volumeMounts"], [{"name": "trove-admin-token", "mountPath": "/var/run/trove/admin-token",
                              "readOnly": True},
                             {"name": "trove-state", "mountPath": "/var/lib/trove/state"}],
         "admin token and state directory mounted")
    c.eq([v["name"] for v in pod["volumes"]], ["scratch", "trove-admin-token", "trove-state"],
         "volumes: the game's, the token and the state (emptyDir by default)")
    c.eq(pod["volumes"][2], {"name": "trove-state", "emptyDir": {}}, "state in an emptyDir by default")
    c.eq(pod["volumes"][1]["secret"]["secretName"], "trove-admin-token", "token volume from trove's Secret")
    c.eq(pod["volumes"][1]["secret"].get("optional"), True, "token volume optional (the operator creates it later)")
    c.eq(len(r.find(objs, "CustomResourceDefinition")), 1, "the trove dependency's own objects render too")


def dependency_update(c, r, chart):
    code, out = r.helm(["dependency", "update", chart])
    c.true(code == 0, "helm dependency update" + ("" if code == 0 else "\n" + out))
    c.true(os.path.exists(os.path.join(chart, "charts", "trove-0.1.0.tgz")), "the trove chart is packaged in charts/")
    return code == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helm", required=True)
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    repo = os.path.abspath(a.repo)
    c = Checker()
    with tempfile.TemporaryDirectory(prefix="trove-parent-") as tmp:
        for name, alias in (("parent", None), ("parent-alias", ALIAS)):
            chart = copy_parent(repo, tmp, name, alias)
            r = Renderer(a.helm, a.kubectl, chart, tmp, namespace="games", release="game")
            c.section(f"{name}: dependencies")
            if not dependency_update(c, r, chart):
                continue
            suffix = f" (alias {alias})" if alias else ""
            check_render(c, r, repo, "native sidecar on 1.30" + suffix, ["--kube-version", "1.30.0"], True)
            check_render(c, r, repo, "plain container on 1.28" + suffix, ["--kube-version", "1.28.4"], False)
        check_unnamed_alias(c, a, repo, tmp)
    return c.finish()


def check_unnamed_alias(c, a, repo, tmp):
    c.section("an aliased dependency the includes do not name")
    chart = copy_parent(repo, tmp, "parent-unnamed-alias", ALIAS, name_alias=False)
    r = Renderer(a.helm, a.kubectl, chart, tmp, namespace="games", release="game")
    if dependency_update(c, r, chart):
        code, out = r.helm(["template", "game", chart])
        message = 'trove.sidecar: "context" is neither the trove chart nor a chart depending on it'
        c.true(code != 0 and message in out, f"helm template fails naming the calling convention"
               + ("" if code != 0 and message in out else f"\n      helm said (exit {code}): {out.strip()[:400]}"))


if __name__ == "__main__":
    sys.exit(main())
