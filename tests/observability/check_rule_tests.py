#!/usr/bin/python3
"""Every alert in the chart's rule files must have a promtool unit test that
shows it firing and one that shows it silent (an empty exp_alerts), and,
with --runbooks, a section of its own in docs/runbooks.md (a "## <alert>"
heading: the anchor its runbook_url points at).
Usage: check_rule_tests.py [--runbooks RUNBOOKS.md] RULES_TEST.yaml RULE_FILE..."""
import re
import sys


def missing_runbooks(path, alerts):
    with open(path) as f:
        headings = set(re.findall(r"^## (\S+)\s*$", f.read(), flags=re.M))
    missing = [a for a in alerts if a not in headings]
    for alert in alerts:
        print(f"{'FAIL' if alert in missing else 'ok  '} {alert}: runbook section in {path}")
    return len(missing)


def main():
    args = sys.argv[1:]
    runbooks = None
    if args[:1] == ["--runbooks"]:
        runbooks, args = args[1], args[2:]
    test_file, rule_files = args[0], args[1:]
    alerts = []
    for path in rule_files:
        with open(path) as f:
            alerts += re.findall(r"^\s*- alert:\s*(\S+)\s*$", f.read(), flags=re.M)
    with open(test_file) as f:
        tests = f.read()
    # Each alert_rule_test item: "- alertname: X" then "eval_time: ..." then "exp_alerts:" (+ " []" when silent).
    cases = re.findall(r"- alertname:\s*(\S+)\s*\n\s*eval_time:[^\n]*\n\s*exp_alerts:([^\n]*)", tests)
    failures = 0
    for alert in alerts:
        silent = sum(1 for name, tail in cases if name == alert and tail.strip().startswith("[]"))
        firing = sum(1 for name, tail in cases if name == alert and not tail.strip().startswith("[]"))
        ok = silent >= 1 and firing >= 1
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {alert}: {firing} firing case(s), {silent} silent case(s)")
    unknown = sorted({name for name, _ in cases} - set(alerts))
    if unknown:
        failures += 1
        print(f"FAIL tests name alerts that do not exist: {unknown}")
    print(f"{len(alerts)} alerts, {failures} without both a firing and a silent test")
    if runbooks:
        failures += missing_runbooks(runbooks, alerts)
    return 1 if failures or not alerts else 0


if __name__ == "__main__":
    sys.exit(main())
