#!/usr/bin/python3
"""Renders the chart's PrometheusRule with the pinned real helm and writes
its groups back out as plain Prometheus rule files, one per rules/*.yaml
(same file name), so promtool and the live Prometheus tests use exactly
what the chart ships: the trove_selector placeholders replaced by the
release's job/namespace matchers and a runbook_url on every alert. A copy of
rules_test.yaml goes next to them (its rule_files name those files).

Usage: render_rules.py --helm H --kubectl K --repo ROOT --out DIR [helm template args...]
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "chart"))
from chart_lib import Renderer  # noqa: E402

RELEASE, NAMESPACE = "trove", "trove-system"
RULE_API = "monitoring.coreos.com/v1/PrometheusRule"


def group_names(path):
    with open(path) as f:
        return re.findall(r"^  - name:\s*(\S+)\s*$", f.read(), flags=re.M)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helm", required=True)
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--out", required=True)
    a, helm_args = ap.parse_known_args()
    chart = os.path.join(a.repo, "charts", "trove")
    os.makedirs(a.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="trove-rules-") as tmp:
        r = Renderer(a.helm, a.kubectl, chart, tmp, namespace=NAMESPACE, release=RELEASE)
        objs = r.render("rules", ["--api-versions", RULE_API, "--show-only", "templates/prometheusrule.yaml"]
                        + helm_args)
    rule_objects = r.find(objs, "PrometheusRule")
    if len(rule_objects) != 1:
        print(f"render_rules: expected one PrometheusRule, rendered {len(rule_objects)}", file=sys.stderr)
        return 1
    groups = {g["name"]: g for g in rule_objects[0]["spec"]["groups"]}
    rules_dir = os.path.join(chart, "rules")
    for name in sorted(os.listdir(rules_dir)):
        wanted = group_names(os.path.join(rules_dir, name))
        missing = [g for g in wanted if g not in groups]
        if missing:
            print(f"render_rules: the PrometheusRule lacks {missing} from rules/{name}", file=sys.stderr)
            return 1
        with open(os.path.join(a.out, name), "w") as f:
            # JSON is YAML: promtool and Prometheus read it as a rule file.
            json.dump({"groups": [groups[g] for g in wanted]}, f, indent=2)
        print(f"render_rules: {os.path.join(a.out, name)} ({len(wanted)} groups)")
    shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules_test.yaml"), a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
