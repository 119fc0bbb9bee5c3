#!/usr/bin/python3
"""Regenerate the seed samples (--update) or check that regenerating them
gives byte-identical files to the committed ones (default).

usage: samples.py --evtxgen PATH --src SAMPLES_DIR [--out DIR] [--update]
Exit: 0 ok, 1 mismatch or failure, 2 usage error."""
import argparse
import filecmp
import os
import subprocess
import sys
import tempfile

SEEDS = ["seed-no-credssp", "seed-credssp"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--evtxgen", required=True)
    ap.add_argument("--src", required=True, help="the samples/ source directory")
    ap.add_argument("--out", help="scratch directory for the check (default: a temp dir)")
    ap.add_argument("--update", action="store_true", help="write into the source tree")
    a = ap.parse_args()
    bad = 0
    with tempfile.TemporaryDirectory(dir=a.out) as tmp:
        for seed in SEEDS:
            scen = os.path.join(a.src, "scenarios", seed + ".json")
            dest = os.path.join(a.src, seed) if a.update else os.path.join(tmp, seed)
            os.makedirs(dest, exist_ok=True)
            r = subprocess.run([a.evtxgen, "-o", dest, scen])
            if r.returncode != 0:
                print(f"hc-evtxgen failed on {scen} (exit {r.returncode})", file=sys.stderr)
                return 1
            if a.update:
                print(f"wrote {dest}")
                continue
            committed = os.path.join(a.src, seed)
            made = sorted(f for f in os.listdir(dest) if f.endswith(".evtx"))
            have = sorted(f for f in os.listdir(committed) if f.endswith(".evtx")) \
                if os.path.isdir(committed) else []
            if made != have:
                print(f"{seed}: files differ: generated {made}, committed {have}", file=sys.stderr)
                bad = 1
                continue
            for f in made:
                if not filecmp.cmp(os.path.join(dest, f), os.path.join(committed, f), shallow=False):
                    print(f"{seed}/{f}: regenerated file differs from the committed one "
                          f"(run: meson compile -C BUILD samples)", file=sys.stderr)
                    bad = 1
                else:
                    print(f"ok {seed}/{f}")
    return bad


if __name__ == "__main__":
    sys.exit(main())
