#!/usr/bin/env python3
"""Repository lint run by `make test` (STYLE.md).

1. Include direction: a file under src/<layer>/ may include "…" headers only from the layers
   it is allowed to see (DESIGN.md "Layout": cli -> adapters -> gate -> {policy, flow, dlp,
   inspect, audit} -> core). An arrow pointing up fails.
2. Banned APIs: std::regex, sprintf, strcpy, strcat, system(), popen, raw new/delete outside the
   listed edge files; getenv and system_clock::now() outside src/core/env.cpp.
Exits 1 and prints file:line: message for every finding.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
SRC = os.path.join(ROOT, "src")

BELOW_GATE = {"core", "policy", "flow", "dlp", "inspect", "audit"}
ALLOWED = {
    "core": {"core"},
    "policy": {"core", "policy"},
    "flow": {"core", "flow"},
    "dlp": {"core", "dlp"},
    "inspect": {"core", "inspect"},
    "audit": {"core", "audit"},
    "gate": BELOW_GATE | {"gate"},
    "cli": BELOW_GATE | {"gate", "adapters", "cli"},
}
# An adapter sees the gate and below, and itself; never another adapter.
ADAPTER_ALLOWED = BELOW_GATE | {"gate"}

BANNED = [
    (re.compile(r"std::regex|#include\s*<regex>"), "std::regex is banned: use RE2 or Hyperscan"),
    (re.compile(r"\bsprintf\s*\("), "sprintf is banned: use fmt::format"),
    (re.compile(r"\bstrcpy\s*\("), "strcpy is banned"),
    (re.compile(r"\bstrcat\s*\("), "strcat is banned"),
    (re.compile(r"(?<![\w:.])system\s*\("), "system() is banned: spawn with posix_spawn/execve"),
    (re.compile(r"\bpopen\s*\("), "popen is banned: spawn with posix_spawn/execve"),
]
RAW_NEW = re.compile(r"(?<![\w_])new\s+[A-Za-z_:<>]+\s*[\(\[{;]|(?<![\w_])delete(\s*\[\])?\s+[A-Za-z_]")
GETENV = re.compile(r"\bgetenv\s*\(|system_clock::now\s*\(")
ENV_FILES = {"src/core/env.cpp"}
RAW_NEW_EDGE = set()  # files allowed raw new/delete (none yet)
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def layer_of(rel):
    parts = rel.split("/")
    if parts[0] != "src" or len(parts) < 3:
        return None, None
    if parts[1] == "adapters":
        return "adapters", parts[2] if len(parts) > 3 else None
    return parts[1], None


def strip_comments(line, in_block):
    out = []
    i = 0
    while i < len(line):
        if in_block:
            j = line.find("*/", i)
            if j < 0:
                return "".join(out), True
            i = j + 2
            in_block = False
        else:
            if line.startswith("//", i):
                break
            if line.startswith("/*", i):
                in_block = True
                i += 2
                continue
            out.append(line[i])
            i += 1
    return "".join(out), in_block


def strip_strings(code):
    return re.sub(r'"(\\.|[^"\\])*"', '""', code)


def main():
    findings = []
    for dirpath, _, files in os.walk(SRC):
        for f in sorted(files):
            if not f.endswith((".h", ".cpp")):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, ROOT).replace(os.sep, "/")
            layer, adapter = layer_of(rel)
            with open(path, encoding="utf-8", errors="replace") as fh:
                lines = fh.readlines()
            in_block = False
            for n, raw in enumerate(lines, 1):
                m = INCLUDE.match(raw)
                if m:
                    target = m.group(1)
                    tparts = target.split("/")
                    tlayer = tparts[0]
                    if layer == "adapters":
                        if tlayer == "adapters":
                            if len(tparts) < 2 or tparts[1] != adapter:
                                findings.append(f"{rel}:{n}: adapter '{adapter}' includes another adapter's header '{target}'")
                        elif tlayer not in ADAPTER_ALLOWED:
                            findings.append(f"{rel}:{n}: layer 'adapters' may not include '{target}' (arrow points up)")
                    elif layer in ALLOWED and tlayer not in ALLOWED[layer] and tlayer in ALLOWED.keys() | {"adapters"}:
                        findings.append(f"{rel}:{n}: layer '{layer}' may not include '{target}' (arrow points up)")
                    continue
                code, in_block = strip_comments(raw, in_block)
                code = strip_strings(code)
                for pat, msg in BANNED:
                    if pat.search(code):
                        findings.append(f"{rel}:{n}: {msg}")
                if rel not in RAW_NEW_EDGE and RAW_NEW.search(code) and "= delete" not in code:
                    findings.append(f"{rel}:{n}: raw new/delete outside an edge file: use std::make_unique")
                if rel not in ENV_FILES and GETENV.search(code):
                    findings.append(f"{rel}:{n}: getenv/system_clock::now only in src/core/env.cpp: inject Environment/Clock")
    for f in findings:
        print(f)
    if findings:
        print(f"lint: {len(findings)} finding(s)")
        return 1
    print("lint: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
