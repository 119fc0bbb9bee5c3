#!/usr/bin/python3
"""Which tests the last `meson test` run in BUILDDIR skipped, and why: each
skipped test with the reason it printed (its "SKIP: ..." line, on stdout
or stderr), from the last BUILDDIR/meson-logs/testlog*.json written
(testlog-SETUP.json after --setup SETUP). .ci/run calls it after each run,
so the CI log says what was not tested (no corpus, no locale ...).

usage: skipped.py BUILDDIR
"""
import json
import os
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    # testlog.json, or testlog-SETUP.json after `meson test --setup SETUP`:
    # the last one written
    d = os.path.join(sys.argv[1], "meson-logs")
    logs = [os.path.join(d, n) for n in os.listdir(d)
            if n.startswith("testlog") and n.endswith(".json")]
    if not logs:
        sys.exit(f"skipped.py: no testlog*.json in {d}")
    log = max(logs, key=os.path.getmtime)
    skipped = []
    with open(log, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            if t.get("result") != "SKIP":
                continue
            out = (t.get("stdout") or "") + "\n" + (t.get("stderr") or "")
            why = [ln[len("SKIP:"):].strip() for ln in out.splitlines()
                   if ln.startswith("SKIP:")]
            skipped.append((t["name"], why[-1] if why else "(no reason printed)"))
    if not skipped:
        print("skipped: none")
    for name, why in skipped:
        print(f"skipped: {name}: {why}")


if __name__ == "__main__":
    main()
