#!/usr/bin/python3
"""Golden tests of the query commands (chains, hops, sessions, findings,
hosts, summary, timeline, sql) on case stores of the samples.

Each case in cases.json:
  name    unique; the golden file is expected/NAME.out
  db      the sample set the store is built from (tests/query/hcdb.py)
  args    argv after the program; "{db}" is that store's path
  exit    expected exit code (default 0)
Stores are built once per run (hcdb.make_db, cwd = the source root). The
goldens were checked by hand against samples/README.md once; regenerate
only explicitly and review the diff:

  run_query_golden.py --hopchain BIN [--src DIR] [--update [NAME...]] [NAME...]

--update alone rewrites every golden; with names, only those. Exit 0 all
passed, 1 a case failed, 77 nothing ran (no samples)."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hcdb  # noqa: E402


def first_difference(want, got):
    wl, gl = want.splitlines(), got.splitlines()
    for i in range(max(len(wl), len(gl))):
        w = wl[i] if i < len(wl) else b"(end)"
        g = gl[i] if i < len(gl) else b"(end)"
        if w != g:
            return "line %d:\n  want %r\n  got  %r" % (i + 1, w[:300], g[:300])
    return "(same lines, different bytes)"


def main():
    ap = argparse.ArgumentParser(description="golden tests of the query commands")
    ap.add_argument("--hopchain", required=True)
    ap.add_argument("--src", default=os.path.dirname(os.path.dirname(HERE)))
    ap.add_argument("--cases", default=os.path.join(HERE, "cases.json"))
    ap.add_argument("--update", action="store_true",
                    help="rewrite the goldens of the named cases (all when none is named)")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    hopchain, src = os.path.abspath(a.hopchain), os.path.abspath(a.src)
    with open(a.cases, encoding="utf-8") as f:
        cases = json.load(f)
    names = [c["name"] for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        print("duplicate case names: %s" % ", ".join(sorted(dup)))
        return 1
    unknown = set(a.names) - set(names)
    if unknown:
        print("no such case: %s" % ", ".join(sorted(unknown)))
        return 1
    if a.names:
        cases = [c for c in cases if c["name"] in a.names]
    counts = {"pass": 0, "fail": 0, "skip": 0}
    tmp = tempfile.mkdtemp(prefix="hc-query-golden-")
    stores = hcdb.Stores(hopchain, src, tmp)
    env = dict(os.environ, NO_COLOR="1", TERM="dumb")
    try:
        for c in cases:
            msgs = []
            if not os.path.isdir(os.path.join(src, "samples", c["db"])):
                counts["skip"] += 1
                print("SKIP  %s (no samples/%s)" % (c["name"], c["db"]))
                continue
            db = stores.get(c["db"])
            argv = [hopchain] + [x.replace("{db}", db) for x in c["args"]]
            p = subprocess.run(argv, cwd=src, env=env, capture_output=True, timeout=120)
            gold = os.path.join(HERE, "expected", c["name"] + ".out")
            out = p.stdout.replace(db.encode(), b"{db}")
            if p.returncode != c.get("exit", 0):
                msgs.append("exit %d, want %d; stderr: %s" % (
                    p.returncode, c.get("exit", 0), p.stderr.decode("utf-8", "replace")[:400]))
            if a.update:
                with open(gold, "wb") as f:
                    f.write(out)
                msgs.append("updated %s (%d bytes)" % (os.path.relpath(gold, src), len(out)))
            elif not os.path.exists(gold):
                msgs.append("golden %s missing (run with --update %s)" % (gold, c["name"]))
            else:
                with open(gold, "rb") as f:
                    want = f.read()
                if out != want:
                    msgs.append("stdout differs from %s at %s"
                                % (os.path.relpath(gold, src), first_difference(want, out)))
            for marker in (b"AddressSanitizer", b"runtime error:", b"LeakSanitizer"):
                if marker in p.stderr:
                    msgs.append("sanitizer report:\n" + p.stderr.decode("utf-8", "replace"))
            failed = bool(msgs) and not (a.update and p.returncode == c.get("exit", 0))
            counts["fail" if failed else "pass"] += 1
            print("%-5s %s" % ("FAIL" if failed else "PASS", c["name"]))
            for m in msgs:
                print("      " + m.replace("\n", "\n      "))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed, %d skipped" % (counts["pass"], counts["fail"], counts["skip"]))
    if counts["fail"]:
        return 1
    return 0 if counts["pass"] else 77


if __name__ == "__main__":
    sys.exit(main())
