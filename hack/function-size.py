#!/usr/bin/env python3
"""Lists C++ functions whose body is longer than a limit.

usage: function-size.py [--max N] [--top K] PATH...

A function's size is the number of lines from its opening brace to its
closing brace, both included (clang-tidy's readability-function-size counts
the same lines). Lambdas are part of the function that holds them. Exit
status 1 when any function is over --max (default 80), so `make test` can
keep the bound; --top K also prints the K longest functions.

This is a tokenizer, not a compiler: it strips comments and string literals,
matches braces, and calls a brace a function body when it follows a
parameter list that is not an if/for/while/switch/catch condition or a
lambda. `make lint` checks the same bound with clang-tidy over the real
translation units.
"""
import argparse
import pathlib
import re
import sys

CONTROL = {"if", "for", "while", "switch", "catch", "return", "sizeof", "alignof",
           "decltype", "noexcept", "static_assert", "requires", "co_await"}
# What may stand between a parameter list's ')' and the body's '{'.
TRAILER = re.compile(
    r"^\)\s*(?:(?:const|volatile|noexcept(?:\s*\([^)]*\))?|override|final|mutable|&&|&)\s*)*"
    r"(?:->\s*[\w:<>,\s*&]+?)?\s*$")


def strip_code(text):
    """Blanks comments, string and char literals, keeping newlines."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            k = text.find("(", i)
            delim = ")" + text[i + 2:k] + '"'
            j = text.find(delim, k)
            j = n if j < 0 else j + len(delim)
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():  # digit separator 1'000
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + c)
            i = j + 1
        elif c == "#" and (i == 0 or text[i - 1] == "\n"):
            j = i
            while True:  # a preprocessor line, with its continuations
                j = text.find("\n", j)
                if j < 0 or text[j - 1] != "\\":
                    break
                j += 1
            j = n if j < 0 else j
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def matching_open_paren(code, close_idx):
    depth = 0
    for k in range(close_idx, -1, -1):
        if code[k] == ")":
            depth += 1
        elif code[k] == "(":
            depth -= 1
            if depth == 0:
                return k
    return -1


def function_name(code, brace_idx):
    """The function's name when the brace opens a function body, else None."""
    head = code[max(0, brace_idx - 2000):brace_idx]
    # Constructor initializer lists: skip back over ": a_(x), b_{y}".
    m = re.search(r"\)\s*(?:noexcept\s*)?:\s*(?:[\w:]+\s*(?:\([^()]*(?:\([^()]*\)[^()]*)*\)|\{[^{}]*\})\s*,?\s*)+$", head)
    if m:
        head = head[:m.start() + 1]
    tail = head.rstrip()
    close = tail.rfind(")")
    if close < 0 or not TRAILER.match(tail[close:]):
        return None
    base = brace_idx - 2000 if brace_idx > 2000 else 0
    open_idx = matching_open_paren(code, base + close)
    if open_idx < 0:
        return None
    before = code[max(0, open_idx - 200):open_idx].rstrip()
    if before.endswith("]") or before.endswith(">") and "operator" not in before[-12:]:
        return None  # a lambda, or a template-id call
    name = re.search(r"(operator\s*\S+?|~?[\w:]+)\s*$", before)
    if not name or name.group(1).split("::")[-1] in CONTROL:
        return None
    return name.group(1)


def functions(path):
    code = strip_code(path.read_text(encoding="utf-8", errors="replace"))
    stack = []  # (index, name or None, inside a function)
    for i, c in enumerate(code):
        if c == "{":
            inside = any(s[1] is not None for s in stack)
            name = None if inside else function_name(code, i)
            stack.append((i, name))
        elif c == "}" and stack:
            start, name = stack.pop()
            if name is not None:
                first = code.count("\n", 0, start) + 1
                last = code.count("\n", 0, i) + 1
                yield name, first, last - first + 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max", type=int, default=80)
    ap.add_argument("--top", type=int, default=0)
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    found = []
    for p in args.paths:
        root = pathlib.Path(p)
        files = [root] if root.is_file() else sorted(
            f for f in root.rglob("*") if f.suffix in (".cpp", ".hpp", ".h", ".cc"))
        for f in files:
            found += [(size, f"{f}:{line}", name) for name, line, size in functions(f)]
    found.sort(reverse=True)
    over = [f for f in found if f[0] > args.max]
    for size, where, name in over:
        print(f"{size:5d} lines  {where}  {name}  (over {args.max})")
    for size, where, name in found[:args.top]:
        if size <= args.max:
            print(f"{size:5d} lines  {where}  {name}")
    print(f"function-size: {len(found)} functions, {len(over)} over {args.max} lines"
          + (f", longest {found[0][0]}" if found else ""))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
