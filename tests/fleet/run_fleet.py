#!/usr/bin/python3
"""Fleet test driver: bench/fleet.py -> hopchain analyze --format json -> check_fleet.py.

usage: run_fleet.py --fleet FLEET.py --evtxgen PATH --hopchain PATH --checker CHECK.py
                    --out DIR [--hosts N] [--events M] [--chains K] [--seed S]
Leaves DIR/*.evtx, DIR/fleet.truth.json and DIR/analyze.json for a look after a
failure. Exit: 0 pass, 1 fail, 2 usage."""
import argparse
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    for k in ("--fleet", "--evtxgen", "--hopchain", "--checker", "--out"):
        ap.add_argument(k, required=True)
    ap.add_argument("--hosts", default="100")
    ap.add_argument("--events", default="20000")
    ap.add_argument("--chains", default="10")
    ap.add_argument("--seed", default="1")
    a = ap.parse_args()
    py = sys.executable or "/usr/bin/python3"
    truth = os.path.join(a.out, "fleet.truth.json")
    r = subprocess.run([py, a.fleet, "-o", a.out, "--evtxgen", a.evtxgen, "--hosts", a.hosts,
                        "--events", a.events, "--chains", a.chains, "--seed", a.seed,
                        "--truth", truth])
    if r.returncode != 0:
        print(f"run_fleet.py: fleet.py failed (exit {r.returncode})", file=sys.stderr)
        return 1
    out = os.path.join(a.out, "analyze.json")
    # the logs by name: DIR also holds this driver's own .json files, which a
    # directory walk would take for JSON event input
    logs = sorted(os.path.join(a.out, f) for f in os.listdir(a.out) if f.endswith(".evtx"))
    with open(out, "wb") as f:
        r = subprocess.run([a.hopchain, "analyze", "--format", "json"] + logs, stdout=f)
    if r.returncode != 0:
        print(f"run_fleet.py: hopchain analyze failed (exit {r.returncode})", file=sys.stderr)
        return 1
    r = subprocess.run([py, a.checker, "--truth", truth, "--analyze-json", out])
    return 0 if r.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
