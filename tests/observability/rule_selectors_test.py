#!/usr/bin/python3
"""The chart's rules select trove's own series through job/namespace
matchers built from values:
- every raw series in the rendered rules carries the release's matchers
  (defaults and overrides, regex metacharacters escaped for PromQL) and no
  trove_selector placeholder is left;
- the FOREIGN-job cases of rules_test.yaml depend on those matchers: with
  match-all selectors, promtool must report exactly those cases failing.

Usage: rule_selectors_test.py --helm H --kubectl K --repo ROOT
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "chart"))
from chart_lib import Checker  # noqa: E402

RAW_SERIES = re.compile(r"\b((?:trove_(?![a-z_]*:)[a-z0-9_]+|controller_runtime_[a-z_]+|workqueue_[a-z_]+|up))"
                        r"(\{[^}]*\})?")
# The alert cases of rules_test.yaml's foreign-job groups.
FOREIGN_CASES = {
    ("TroveOperatorDown", "40m"), ("TroveOperatorNoLeader", "40m"), ("TroveTuningPushFailures", "40m"),
    ("TroveTuningPushUnauthorized", "40m"), ("TroveOperatorReconcileErrors", "40m"),
    ("TroveOperatorWatchRestarts", "40m"), ("TroveSidecarDown", "40m"), ("TroveArenaOverflows", "40m"),
    ("TrovePollLatencyP99OverSLA", "40m"), ("TroveOperatorNotReconciling", "45m"),
}


def render(a, out, args):
    p = subprocess.run([sys.executable, os.path.join(HERE, "render_rules.py"), "--helm", a.helm, "--kubectl",
                        a.kubectl, "--repo", a.repo, "--out", out] + args, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"render_rules.py {' '.join(args)} failed:\n{p.stdout}{p.stderr}")
    rules = {}
    for name in ("operator.yaml", "sidecar.yaml"):
        with open(os.path.join(out, name)) as f:
            rules[name] = [r for g in json.load(f)["groups"] for r in g["rules"]]
    return rules


def selectors_of(rules):
    """Every raw series selector (name, braces) in the rules' expressions."""
    return [(m.group(1), m.group(2) or "") for r in rules for m in RAW_SERIES.finditer(r["expr"])]


def check_matchers(c, rules, operator, sidecar, title):
    c.section(f"matchers: {title}")
    for name, want in (("operator.yaml", operator), ("sidecar.yaml", sidecar)):
        found = selectors_of(rules[name])
        bad = [f"{n}{b}" for n, b in found if want not in b]
        c.true(found and not bad, f"{name}: all {len(found)} raw series selected with {want}"
               + (f"; not: {bad[:3]}" if bad else ""))
        left = [r.get("alert") or r.get("record") for r in rules[name] if "trove_selector" in r["expr"]]
        c.eq(left, [], f"{name}: no trove_selector placeholder left")


def check_foreign_cases_need_selectors(c, a, tmp):
    c.section("the foreign-job cases fail when the rules select every job")
    render(a, tmp, ["--set", "monitoring.prometheusRule.selectors.operator.job=.*",
                    "--set", "monitoring.prometheusRule.selectors.operator.namespace=.*",
                    "--set", "monitoring.prometheusRule.selectors.sidecar.job=.*"])
    p = subprocess.run(["promtool", "test", "rules", os.path.join(tmp, "rules_test.yaml")],
                       capture_output=True, text=True, timeout=120)
    failed = set(re.findall(r"alertname: (\w+), time: (\w+),", p.stdout + p.stderr))
    c.true(p.returncode != 0, "promtool test rules fails")
    c.eq(sorted(failed), sorted(FOREIGN_CASES), "exactly the foreign-job cases fail")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helm", required=True)
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--repo", required=True)
    a = ap.parse_args()
    c = Checker()
    with tempfile.TemporaryDirectory(prefix="trove-selectors-") as tmp:
        rules = render(a, os.path.join(tmp, "defaults"), [])
        check_matchers(c, rules, 'job=~"trove-operator",namespace=~"trove-system"',
                       'job=~"trove-system/trove-sidecars",namespace=~".*"', "defaults")
        alerts = [r for rs in rules.values() for r in rs if "alert" in r]
        c.eq([r["alert"] for r in alerts if r["annotations"].get("runbook_url") !=
              "https://github.com/trove-dev/trove/blob/main/docs/runbooks.md#" + r["alert"].lower()], [],
             "every alert's runbook_url points at its docs/runbooks.md section")
        rules = render(a, os.path.join(tmp, "namespaced"), [
            "--set", "operator.watch.mode=namespaced", "--set", "operator.watch.namespaces={games,arena}",
            "--set", "fullnameOverride=state.v2", "--set", "monitoring.prometheusRule.selectors.operator.job=ops|ops2"])
        check_matchers(c, rules, 'job=~"ops|ops2",namespace=~"trove-system"',
                       'job=~"trove-system/state\\\\.v2-sidecars",namespace=~"games|arena"',
                       "namespaced mode, a dotted full name, an operator job regex")
        files = [os.path.join(tmp, "namespaced", n) for n in ("operator.yaml", "sidecar.yaml")]
        p = subprocess.run(["promtool", "check", "rules"] + files, capture_output=True, text=True, timeout=60)
        c.true(p.returncode == 0, "promtool check rules accepts the escaped matchers" + ("" if p.returncode == 0
                                                                                           else "\n" + p.stdout + p.stderr))
        rules = render(a, os.path.join(tmp, "runbooks"), [
            "--set", "monitoring.prometheusRule.runbookBaseURL=https://wiki.example.com/trove"])
        urls = {r["annotations"]["runbook_url"] for rs in rules.values() for r in rs if "alert" in r}
        c.true(urls and all(u.startswith("https://wiki.example.com/trove#trove") for u in urls),
               f"runbookBaseURL moves every runbook_url ({sorted(urls)[:2]}...)")
        check_foreign_cases_need_selectors(c, a, os.path.join(tmp, "match-all"))
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
