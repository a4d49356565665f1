#!/usr/bin/python3
"""charts/trove/README.md's parameter tables and values.schema.json come from
the `## @param` comments in values.yaml, through Bitnami's
readme-generator-for-helm (hack/npm-tools.sh installs it). This regenerates
both into a scratch folder and fails when they differ from the committed
files; --write updates the committed files instead.

The generator writes types, descriptions and defaults only. The limits it
cannot express (unknown keys rejected, enums, patterns, ranges) live in
values.schema.constraints.json, which is merged over the generated schema:
its keywords win, and where it types a value ($ref, enum, anyOf, const,
type) the generated type is dropped.

Usage: chart_docs.py --generator BIN --repo ROOT [--write]
"""
import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

TYPING_KEYWORDS = ("$ref", "enum", "anyOf", "oneOf", "const", "type")
# Annotations a $ref node keeps from the generated schema.
ANNOTATIONS = ("description", "default")


def merge_schema(generated, constraints):
    """The generated node with the constraints node laid over it."""
    if "$ref" in constraints:
        merged = {k: generated[k] for k in ANNOTATIONS if k in generated}
        merged.update(copy.deepcopy(constraints))
        return merged
    merged = copy.deepcopy(generated)
    if any(k in constraints for k in TYPING_KEYWORDS):
        merged.pop("type", None)
    for key, value in constraints.items():
        if key == "properties":
            props = merged.setdefault("properties", {})
            for name, sub in value.items():
                props[name] = merge_schema(props[name], sub) if name in props else copy.deepcopy(sub)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def generate(generator, chart, out_dir):
    """Runs the generator on a copy of the committed README; returns (README text, schema text)."""
    readme = os.path.join(out_dir, "README.md")
    schema = os.path.join(out_dir, "generated.schema.json")
    shutil.copy(os.path.join(chart, "README.md"), readme)
    p = subprocess.run([generator, "--values", os.path.join(chart, "values.yaml"), "--readme", readme,
                        "--schema", schema], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"readme-generator failed (exit {p.returncode}):\n{p.stdout}{p.stderr}")
    with open(schema) as f:
        generated = json.load(f)
    with open(os.path.join(chart, "values.schema.constraints.json")) as f:
        constraints = json.load(f)
    with open(readme) as f:
        readme_text = f.read()
    return readme_text, json.dumps(merge_schema(generated, constraints), indent=2) + "\n"


def first_difference(want, got):
    for i, (a, b) in enumerate(zip(want.splitlines(), got.splitlines())):
        if a != b:
            return f"line {i + 1}:\n  committed: {a}\n  generated: {b}"
    return f"lengths differ ({len(want)} vs {len(got)} characters)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--generator", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--write", action="store_true", help="update the committed README.md and values.schema.json")
    a = ap.parse_args()
    chart = os.path.join(a.repo, "charts", "trove")
    with tempfile.TemporaryDirectory(prefix="trove-chart-docs-") as tmp:
        outputs = dict(zip(("README.md", "values.schema.json"), generate(a.generator, chart, tmp)))
    failures = 0
    for name, text in outputs.items():
        path = os.path.join(chart, name)
        if a.write:
            with open(path, "w") as f:
                f.write(text)
            print(f"wrote {path}")
            continue
        with open(path) as f:
            committed = f.read()
        if committed == text:
            print(f"ok    charts/trove/{name} matches the generator's output")
        else:
            failures += 1
            print(f"FAIL  charts/trove/{name} differs from the generator's output "
                  f"(run tests/chart/chart_docs.py --write): {first_difference(committed, text)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
