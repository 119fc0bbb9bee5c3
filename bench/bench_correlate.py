#!/usr/bin/python3
"""Correlation benchmark: time of extraction beside time of correlation on a
generated fleet (bench/fleet.py), with peak memory.

usage: bench/bench_correlate.py [--events N] [--hosts N] [--chains N] [--seed S]
                                [--hopchain PATH] [--evtxgen PATH] [--out DIR]
                                [--reader native|libevtx]

Generates the fleet once into DIR (default build/bench-fleet-N; reused when
present), runs `hopchain analyze --timings --format json DIR/*.evtx` and prints, from
the same run, the time spent reading (extraction), correlating and writing
the (in-memory) store, the ratio (correlate + store) / read (target < 0.25),
and the peak resident memory (target < 1 GiB). It also checks the output
against the fleet's ground truth (every planted chain found, nothing else).
"""
import argparse
import os
import re
import resource
import subprocess
import sys

import fleetdir

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fleetdir.add_args(ap)
    ap.add_argument("--reader", help="EVTX reader (hopchain --reader), default its default")
    a = ap.parse_args()
    out, truth, logs = fleetdir.ensure(a)
    mb = sum(os.path.getsize(f) for f in logs) / 1e6
    result = os.path.join(out, "analyze.json")
    with open(result, "w", encoding="utf-8") as f:
        p = subprocess.run([a.hopchain] + (["--reader", a.reader] if a.reader else []) +
                           ["analyze", "--timings", "--format", "json"] + logs,
                           stdout=f, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 3):
        sys.exit(f"bench: hopchain failed ({p.returncode}): {p.stderr}")
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    m = re.search(r"read ([\d.]+) s \((\d+) events\), correlate ([\d.]+) s \(([^)]*)\), "
                  r"store ([\d.]+) s", p.stderr)
    if not m:
        sys.exit(f"bench: no timings in: {p.stderr}")
    read, nev, corr, counts, store = (float(m.group(1)), int(m.group(2)),
                                      float(m.group(3)), m.group(4), float(m.group(5)))
    print(f"fleet: {a.hosts} hosts, {nev} events, {mb:.0f} MB of .evtx ({counts})")
    print(f"reader: {a.reader or 'default (native)'}")
    print(f"extraction (read)     {read:8.2f} s   {nev / read:9.0f} events/s   "
          f"{mb / read:.0f} MB/s")
    print(f"read share of the three phases: {read / (read + corr + store):.2f}")
    print(f"correlation           {corr:8.2f} s")
    print(f"store (in memory)     {store:8.2f} s")
    ratio = (corr + store) / read
    print(f"ratio (correlation + store) / extraction = {ratio:.3f}  (target < 0.25: "
          f"{'met' if ratio < 0.25 else 'NOT met'})")
    print(f"ratio correlation alone / extraction     = {corr / read:.3f}")
    print(f"peak memory {rss_kb / 1024:.0f} MiB  (target < 1024 MiB: "
          f"{'met' if rss_kb < 1024 * 1024 else 'NOT met'})")
    chk = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "fleet", "check_fleet.py"),
                          "--truth", truth, "--analyze-json", result],
                         capture_output=True, text=True)
    print("ground truth:", (chk.stdout.strip().splitlines() or ["?"])[-1])


if __name__ == "__main__":
    main()
