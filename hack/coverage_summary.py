#!/usr/bin/env python3
"""Line and branch coverage per top-level directory from `llvm-cov export
-summary-only` JSON (hack/coverage.sh). Paths in the mapping are the build
folder joined with the compiler's (relative, under ccache's CCACHE_BASEDIR)
source path; normalised and taken relative to the checkout, a file belongs
to its first path segment."""
import json
import os
import sys


def main():
    summary_path, root, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
    data = json.load(open(summary_path))
    totals = {d: {"lc": 0, "ln": 0, "bc": 0, "bn": 0} for d in dirs}
    for f in data["data"][0]["files"]:
        relative = os.path.relpath(os.path.normpath(f["filename"]), root)
        owner = relative.split(os.sep)[0]
        if owner not in dirs:
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
