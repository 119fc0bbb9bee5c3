#!/usr/bin/python3
"""Regenerate the sample logs (--update) or check that regenerating them
gives byte-identical files to the committed ones (default).

Every scenarios/NAME.json makes samples/NAME/ (one .evtx per host). A
scenario may leave some generated logs out of the sample set, to model a
host whose log is missing from the inputs:
    "_samples": {"omit": ["server1.evtx"]}
(hc-evtxgen ignores keys starting with "_").

usage: samples.py --evtxgen PATH --src SAMPLES_DIR [--out DIR] [--update] [NAME...]
Exit: 0 ok, 1 mismatch or failure, 2 usage error."""
import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile


def scenario_names(src):
    d = os.path.join(src, "scenarios")
    return sorted(f[:-5] for f in os.listdir(d) if f.endswith(".json"))


def omitted(scen):
    with open(scen, encoding="utf-8") as f:
        meta = json.load(f).get("_samples", {})
    omit = meta.get("omit", [])
    if not isinstance(omit, list) or not all(isinstance(x, str) for x in omit):
        raise ValueError(f"{scen}: _samples.omit must be a list of file names")
    return omit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--evtxgen", required=True)
    ap.add_argument("--src", required=True, help="the samples/ source directory")
    ap.add_argument("--out", help="scratch directory for the check (default: a temp dir)")
    ap.add_argument("--update", action="store_true", help="write into the source tree")
    ap.add_argument("names", nargs="*", help="scenario names (default: all of scenarios/*.json)")
    a = ap.parse_args()
    names = a.names or scenario_names(a.src)
    bad = 0
    with tempfile.TemporaryDirectory(dir=a.out) as tmp:
        for name in names:
            scen = os.path.join(a.src, "scenarios", name + ".json")
            if not os.path.isfile(scen):
                print(f"no scenario {scen}", file=sys.stderr)
                return 2
            try:
                omit = omitted(scen)
            except (ValueError, OSError) as e:
                print(e, file=sys.stderr)
                return 1
            # generate into a scratch directory first, so --update never leaves
            # a stale or omitted file behind in the source tree
            gen = os.path.join(tmp, name)
            os.makedirs(gen, exist_ok=True)
            r = subprocess.run([a.evtxgen, "-o", gen, scen])
            if r.returncode != 0:
                print(f"hc-evtxgen failed on {scen} (exit {r.returncode})", file=sys.stderr)
                return 1
            for f in omit:
                p = os.path.join(gen, f)
                if not os.path.isfile(p):
                    print(f"{name}: _samples.omit names {f}, which was not generated",
                          file=sys.stderr)
                    return 1
                os.remove(p)
            made = sorted(f for f in os.listdir(gen) if f.endswith(".evtx"))
            committed = os.path.join(a.src, name)
            if a.update:
                os.makedirs(committed, exist_ok=True)
                for f in os.listdir(committed):
                    if f.endswith(".evtx") and f not in made:
                        os.remove(os.path.join(committed, f))
                for f in made:
                    shutil.copyfile(os.path.join(gen, f), os.path.join(committed, f))
                print(f"wrote {committed} ({len(made)} files)")
                continue
            have = sorted(f for f in os.listdir(committed) if f.endswith(".evtx")) \
                if os.path.isdir(committed) else []
            if made != have:
                print(f"{name}: files differ: generated {made}, committed {have}", file=sys.stderr)
                bad = 1
                continue
            for f in made:
                if not filecmp.cmp(os.path.join(gen, f), os.path.join(committed, f), shallow=False):
                    print(f"{name}/{f}: regenerated file differs from the committed one "
                          f"(run: meson compile -C BUILD samples)", file=sys.stderr)
                    bad = 1
                else:
                    print(f"ok {name}/{f}")
    return bad


if __name__ == "__main__":
    sys.exit(main())
