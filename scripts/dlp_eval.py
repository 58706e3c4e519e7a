#!/usr/bin/env python3
"""Precision and recall of DLP findings against the shared corpus's ground truth.

Usage: scripts/dlp_eval.py CORPUS_DIR FINDINGS [--min 0.99] [--secretlint] [--name NAME]

CORPUS_DIR is a ../shared/bench/dlp/gen_corpus.py directory (part-*.txt, truth.jsonl,
manifest.json). FINDINGS is `airlock scan --json` output: one object per line with at least
path and offset/length (byte span in the file; line/col, 1-based, are used when offset is
missing) and detector. With --secretlint, FINDINGS is secretlint's `--format json` output
(ruleId/messageId as the detector, `range` as the span) so the peer is scored the same way.

Matching: a truth value's span is located by searching its text from the start of its 1-based
line (values may cover several lines: private keys). A finding is a true positive when its span
overlaps a truth span, a false positive otherwise. Decoys (decoy_* kinds in manifest.json) are
not in truth.jsonl: a finding on a decoy is a false positive, and the FP list says which decoy
template the line matches. Recall of a kind: truth values of that kind overlapped by at least
one finding (any detector). Precision of a kind: findings that overlap a value of that kind,
over those plus the false positives of the detectors that map to the kind (DETECTOR_KIND).

--min X exits 1 when the recall or the precision of any kind present in the corpus is below X.
Findings in files other than part-*.txt (truth.jsonl, manifest.json) are ignored and counted.
"""
import argparse
import bisect
import json
import os
import re
import sys
from collections import defaultdict

# airlock detector id -> corpus kind. Detectors not listed fall back to KIND_HINTS by name
# (that is how secretlint's rule ids are mapped), else "(other)".
DETECTOR_KIND = {
    "email": "email",
    "phone_nanp": "phone", "phone_e164": "phone", "phone_national": "phone",
    "credit_card": "credit_card",
    "us_ssn": "us_ssn", "us_ssn_bare": "us_ssn",
    "iban": "iban",
    "ipv4": "ipv4", "ipv6": "ipv6",
    "aws_access_key_id": "aws_access_key",
    "aws_secret_access_key": "aws_secret_key",
    "gcp_api_key": "google_api_key",
    "openai_api_key": "openai_key",
    "anthropic_api_key": "anthropic_key", "anthropic_admin_key": "anthropic_key",
    "jwt": "jwt",
    "pem_private_key": "private_key", "openssh_private_key": "private_key",
    "pgp_private_key": "private_key", "putty_private_key": "private_key",
    "database_connection_string": "password", "basic_auth_url": "password",
    "generic_password_assignment": "password",
}
KIND_HINTS = [  # (substring of the lower-cased, alphanumeric-only name, kind), first match wins
    ("secretaccesskey", "aws_secret_key"), ("awssecret", "aws_secret_key"),
    ("accesskeyid", "aws_access_key"), ("awsaccesskey", "aws_access_key"),
    ("github", "github_pat"), ("slack", "slack_token"), ("stripe", "stripe_key"),
    ("gcpapikey", "google_api_key"), ("googleapikey", "google_api_key"), ("gcp", "google_api_key"),
    ("openai", "openai_key"), ("anthropic", "anthropic_key"), ("jwt", "jwt"),
    ("privatekey", "private_key"), ("password", "password"), ("basicauth", "password"),
    ("postgresql", "password"), ("connectionstring", "password"),
    ("email", "email"), ("phone", "phone"), ("creditcard", "credit_card"), ("ssn", "us_ssn"),
    ("iban", "iban"), ("ipv4", "ipv4"), ("ipv6", "ipv6"),
]
OTHER = "(other)"

# The decoy templates of gen_corpus.py, whole line: used only to say where a false positive is.
DECOY_LINES = [
    ("decoy_bad_luhn", re.compile(r"order id \d{16} shipped")),
    ("decoy_uuid", re.compile(r'(request_id=|"id": ")[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"?')),
    ("decoy_sha", re.compile(r"(commit |sha256: )[0-9a-f]{40}")),
    ("decoy_version", re.compile(r"(version \d+\.\d+\.\d+\.\d+ released|build \d+\.\d+\.\d+\.\d+)")),
    ("decoy_b64", re.compile(r"data: [A-Za-z0-9+/]+=*")),
]


def kind_of(detector):
    if detector in DETECTOR_KIND:
        return DETECTOR_KIND[detector]
    norm = re.sub(r"[^a-z0-9]", "", detector.lower())
    for hint, kind in KIND_HINTS:
        if hint in norm:
            return kind
    return OTHER


class File:
    """One corpus file's bytes with a line-start index (byte offsets of each line's first byte)."""

    def __init__(self, path):
        with open(path, "rb") as fh:
            self.data = fh.read()
        self.starts = [0] + [m.end() for m in re.finditer(b"\n", self.data)]

    def line_start(self, line):  # 1-based
        return self.starts[line - 1] if 1 <= line <= len(self.starts) else None

    def line_at(self, offset):  # 1-based line holding byte `offset`
        return bisect.bisect_right(self.starts, offset)

    def line_text(self, line):
        s = self.starts[line - 1]
        e = self.data.find(b"\n", s)
        return self.data[s:] if e < 0 else self.data[s:e]


def load_truth(corpus, files):
    """Truth items as dicts with file, kind, value, start, end (byte span). Exits if a value is
    not where truth.jsonl says: a scorer that silently drops truth would inflate recall."""
    truth, missing, skipped = [], [], 0
    with open(os.path.join(corpus, "truth.jsonl"), encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            t = json.loads(raw)
            f = files.get(t["file"])
            if f is None:  # a corpus cut to fewer files: score the files present
                skipped += 1
                continue
            v = t["value"].encode()
            s = f.line_start(t["line"])
            at = f.data.find(v, s) if s is not None else -1
            # the value must start on its line (a later occurrence would be another line's)
            if at < 0 or f.line_at(at) != t["line"]:
                missing.append(f"truth.jsonl:{n}: {t['kind']} not found at {t['file']}:{t['line']}")
                continue
            truth.append({"file": t["file"], "kind": t["kind"], "start": at, "end": at + len(v), "line": t["line"]})
    if missing:
        sys.exit("dlp_eval: %d truth values not located, e.g. %s" % (len(missing), missing[0]))
    if skipped:
        print("(%d truth values in files not present skipped)\n" % skipped)
    return truth


def load_findings(path, secretlint, files):
    """Findings as (file, start, end, detector); plus how many were outside the corpus files."""
    out, ignored, bad = [], 0, 0

    def add(p, start, end, det):
        nonlocal ignored
        name = os.path.basename(p or "")
        if name not in files:
            ignored += 1
            return
        out.append((name, start, end, det))

    if secretlint:
        with open(path, encoding="utf-8") as fh:
            text = fh.read().strip()
        for entry in (json.loads(text) if text else []):
            for m in entry.get("messages", []):
                det = m.get("messageId") or m.get("ruleId") or "?"
                start, end = m["range"]  # JS string indices: bytes on this ASCII corpus
                add(entry.get("filePath"), start, end, det)
        return out, ignored, bad
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            raw = raw.strip()
            if not raw:
                continue
            f = json.loads(raw)
            name = os.path.basename(f.get("path") or "")
            length = int(f.get("length", 0))
            if "offset" in f and f["offset"] is not None:
                start = int(f["offset"])
            elif name in files and "line" in f:
                start = files[name].line_start(int(f["line"])) + int(f.get("col", 1)) - 1
            else:
                bad += 1
                continue
            add(f.get("path"), start, start + max(length, 1), f.get("detector", "?"))
    return out, ignored, bad


def mask(b):
    s = b.decode("utf-8", "replace")
    if len(s) <= 6:
        return "*" * len(s)
    return s[:3] + "*" * min(len(s) - 5, 12) + s[-2:]


def excerpt(f, start, end):
    """The finding's line, the finding masked and bracketed, cut to about 100 characters."""
    line = f.line_at(start)
    ls = f.starts[line - 1]
    text = f.line_text(line)
    a, b = start - ls, min(end - ls, len(text))
    before = text[max(0, a - 40):a].decode("utf-8", "replace")
    after = text[b:b + 40].decode("utf-8", "replace")
    return line, "%s[%s]%s" % (before, mask(text[a:b]), after), text.decode("utf-8", "replace")


def where(text, truth_line):
    if truth_line:
        return "line with a truth value"
    for kind, rx in DECOY_LINES:
        if rx.fullmatch(text):
            return kind
    return "filler"


def pct(num, den):
    return "%.2f %%" % (100.0 * num / den) if den else "–"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("findings")
    ap.add_argument("--min", type=float, default=None, help="fail when a kind's recall or precision is below")
    ap.add_argument("--secretlint", action="store_true", help="FINDINGS is secretlint --format json output")
    ap.add_argument("--name", default=None, help="what is scored, for the heading")
    ap.add_argument("--fp-examples", type=int, default=5)
    a = ap.parse_args()

    names = sorted(n for n in os.listdir(a.corpus) if n.startswith("part-") and n.endswith(".txt"))
    files = {n: File(os.path.join(a.corpus, n)) for n in names}
    truth = load_truth(a.corpus, files)
    try:
        with open(os.path.join(a.corpus, "manifest.json"), encoding="utf-8") as fh:
            counts = json.load(fh).get("counts", {})
    except OSError:
        counts = {}
    findings, ignored, bad = load_findings(a.findings, a.secretlint, files)

    by_file = defaultdict(list)  # file -> sorted truth spans, for overlap lookups
    for i, t in enumerate(truth):
        by_file[t["file"]].append((t["start"], t["end"], i))
    for spans in by_file.values():
        spans.sort()
    starts = {k: [s for s, _, _ in v] for k, v in by_file.items()}
    truth_lines = {(t["file"], ln) for t in truth
                   for ln in range(t["line"], files[t["file"]].line_at(t["end"] - 1) + 1)}
    maxlen = max((t["end"] - t["start"] for t in truth), default=0)

    covered = defaultdict(set)        # truth index -> detectors that overlapped it
    tp_kind = defaultdict(int)        # kind -> findings overlapping a value of that kind
    fp_kind = defaultdict(int)        # kind (by detector map) -> false positives
    det = defaultdict(lambda: {"n": 0, "tp": 0, "fp": 0, "cross": 0, "covered": set(), "fps": []})
    fp_where = defaultdict(lambda: defaultdict(int))
    for name, start, end, d in findings:
        st = det[d]
        st["n"] += 1
        spans = by_file.get(name, [])
        # candidates: truth spans starting before `end` and no earlier than start - maxlen
        hi = bisect.bisect_left(starts.get(name, []), end)
        lo = bisect.bisect_left(starts.get(name, []), start - maxlen)
        hit = [i for s, e, i in spans[lo:hi] if s < end and start < e]
        if hit:
            # the truth item with the largest overlap decides the kind
            i = max(hit, key=lambda j: min(end, truth[j]["end"]) - max(start, truth[j]["start"]))
            for j in hit:
                covered[j].add(d)
                st["covered"].add(j)
            st["tp"] += 1
            tp_kind[truth[i]["kind"]] += 1
            if kind_of(d) != truth[i]["kind"]:
                st["cross"] += 1
        else:
            st["fp"] += 1
            fp_kind[kind_of(d)] += 1
            line, ex, text = excerpt(files[name], start, end)
            w = where(text, (name, line) in truth_lines)
            fp_where[d][w] += 1
            if len(st["fps"]) < a.fp_examples:
                st["fps"].append("%s:%d (%s): %s" % (name, line, w, ex))

    kinds = sorted({t["kind"] for t in truth} | {k for k in counts if not k.startswith("decoy_")})
    title = a.name or os.path.basename(a.findings)
    print("### %s: %d findings on %d truth values (%d files)\n" % (title, len(findings), len(truth), len(files)))
    if ignored or bad:
        print("(%d findings outside part-*.txt ignored; %d without a usable span)\n" % (ignored, bad))
    print("| kind | truth | found | recall | TP findings | FP findings | precision |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    failed = []
    tot_truth = tot_found = 0
    for k in kinds:
        items = [i for i, t in enumerate(truth) if t["kind"] == k]
        found = sum(1 for i in items if covered.get(i))
        tp, fp = tp_kind[k], fp_kind[k]
        tot_truth += len(items)
        tot_found += found
        print("| %s | %d | %d | %s | %d | %d | %s |" % (k, len(items), found, pct(found, len(items)), tp, fp, pct(tp, tp + fp)))
        if a.min is not None:
            if not items or found / len(items) < a.min:
                failed.append("%s recall %s" % (k, pct(found, len(items))))
            if tp + fp and tp / (tp + fp) < a.min:
                failed.append("%s precision %s" % (k, pct(tp, tp + fp)))
    other_fp = sum(v for k, v in fp_kind.items() if k not in kinds)
    if other_fp:
        print("| (detectors of no corpus kind) | | | | 0 | %d | |" % other_fp)
    all_tp = sum(s["tp"] for s in det.values())
    all_fp = sum(s["fp"] for s in det.values())
    print("| **all** | %d | %d | **%s** | %d | %d | **%s** |" % (
        tot_truth, tot_found, pct(tot_found, tot_truth), all_tp, all_fp, pct(all_tp, all_tp + all_fp)))
    decoys = {k: v for k, v in counts.items() if k.startswith("decoy_")}
    if decoys:
        print("\nDecoys in the corpus (not truth): " + ", ".join("%s %d" % kv for kv in sorted(decoys.items())))

    print("\n| detector | kind | findings | TP | FP | precision | recall of its kind | TP of another kind |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    kind_total = defaultdict(int)
    for t in truth:
        kind_total[t["kind"]] += 1
    for d in sorted(det, key=lambda x: (-det[x]["fp"], x)):
        s = det[d]
        k = kind_of(d)
        mine = sum(1 for j in s["covered"] if truth[j]["kind"] == k)
        print("| %s | %s | %d | %d | %d | %s | %s | %d |" % (
            d, k, s["n"], s["tp"], s["fp"], pct(s["tp"], s["n"]), pct(mine, kind_total[k]) if kind_total[k] else "–", s["cross"]))

    fps = [(d, s) for d, s in det.items() if s["fp"]]
    if fps:
        print("\nFalse positives (where: decoy template / line with a truth value / filler text; first %d each, value masked):" % a.fp_examples)
        for d, s in sorted(fps, key=lambda x: -x[1]["fp"]):
            print("\n- **%s** %d: %s" % (d, s["fp"], ", ".join("%s %d" % kv for kv in sorted(fp_where[d].items(), key=lambda x: -x[1]))))
            for e in s["fps"]:
                print("  - `%s`" % e.replace("`", "'"))
    missed = defaultdict(list)
    for i, t in enumerate(truth):
        if not covered.get(i):
            missed[t["kind"]].append(t)
    if missed:
        print("\nMissed truth values (first 3 per kind, value masked):")
        for k in sorted(missed):
            print("\n- **%s** %d missed" % (k, len(missed[k])))
            for t in missed[k][:3]:
                line, ex, _ = excerpt(files[t["file"]], t["start"], t["end"])
                print("  - `%s:%d: %s`" % (t["file"], line, ex.replace("`", "'")))
    if failed:
        print("\nbelow --min %g: %s" % (a.min, "; ".join(failed)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
