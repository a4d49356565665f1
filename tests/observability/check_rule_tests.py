#!/usr/bin/python3
"""Every alert in the chart's rule files must have a promtool unit test that
shows it firing and one that shows it silent (an empty exp_alerts).
Usage: check_rule_tests.py RULES_TEST.yaml RULE_FILE..."""
import re
import sys


def main():
    test_file, rule_files = sys.argv[1], sys.argv[2:]
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
    return 1 if failures or not alerts else 0


if __name__ == "__main__":
    sys.exit(main())
