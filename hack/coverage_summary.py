#!/usr/bin/env python3
"""Line and branch coverage per top-level directory from `llvm-cov export
-summary-only` JSON (hack/coverage.sh). Paths in the mapping may be absolute
or relative to the build folder (ccache's CCACHE_BASEDIR rewrites them), so a
file belongs to the first of the given directories that is one of its path
segments."""
import json
import sys


def main():
    summary_path, dirs = sys.argv[1], sys.argv[2:]
    data = json.load(open(summary_path))
    totals = {d: {"lc": 0, "ln": 0, "bc": 0, "bn": 0} for d in dirs}
    for f in data["data"][0]["files"]:
        parts = f["filename"].replace("\\", "/").split("/")
        owner = next((d for d in dirs if d in parts), None)
        if owner is None:
            continue
        s = f["summary"]
        t = totals[owner]
        t["lc"] += s["lines"]["covered"]
        t["ln"] += s["lines"]["count"]
        t["bc"] += s["branches"]["covered"]
        t["bn"] += s["branches"]["count"]
    print("coverage: per directory")
    for d in dirs:
        t = totals[d]
        lp = 100.0 * t["lc"] / t["ln"] if t["ln"] else 0.0
        bp = 100.0 * t["bc"] / t["bn"] if t["bn"] else 0.0
        print(f"  {d:<9} lines {t['lc']:>6}/{t['ln']:<6} {lp:5.1f} %   "
              f"branches {t['bc']:>6}/{t['bn']:<6} {bp:5.1f} %")


if __name__ == "__main__":
    main()
