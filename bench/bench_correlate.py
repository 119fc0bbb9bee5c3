#!/usr/bin/python3
"""Correlation benchmark: time of extraction beside time of correlation on a
generated fleet (bench/fleet.py), with peak memory.

usage: bench/bench_correlate.py [--events N] [--hosts N] [--chains N] [--seed S]
                                [--witnesses R] [--hopchain PATH] [--evtxgen PATH]
                                [--out DIR] [--reader native|libevtx]
       bench/bench_correlate.py --compare-witnesses R [--runs N] [the fleet options]

Generates the fleet once into DIR (default build/bench-fleet-N, with -wR for
--witnesses R; reused when present), runs `hopchain analyze --timings --format
json DIR/*.evtx` and prints, from the same run, the time spent reading
(extraction), correlating and writing the (in-memory) store, the ratio
(correlate + store) / read (target < 0.25), and the peak resident memory
(target < 1 GiB). It also checks the output against the fleet's ground truth
(every planted chain found, nothing else).

--compare-witnesses R measures what the records of who connected where cost
(issue 9): the same fleet (same seed and ordinary events) without and with
--witnesses R, `analyze` run on each in turn, N times (default 3), and the
medians and paired ratios (with / without) of every phase, the wall time and
the peak memory side by side, the machine's load before and after; also the
logon extraction alone (`events --ids 4624,4625 --format jsonl`, output
discarded), which skips the witness records.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import fleetdir

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TIMINGS = re.compile(r"read ([\d.]+) s \((\d+) events\), correlate ([\d.]+) s \(([^)]*)\), "
                     r"store ([\d.]+) s")


def analyze(a, logs, result):
    """One `analyze --timings` run: its phases, wall time and peak memory."""
    with open(result, "w", encoding="utf-8") as f, \
            open(result + ".stderr", "w+", encoding="utf-8") as err:
        t = time.monotonic()
        p = subprocess.Popen([a.hopchain] + (["--reader", a.reader] if a.reader else []) +
                             ["analyze", "--timings", "--format", "json"] + logs,
                             stdout=f, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - t
        err.seek(0)
        stderr = err.read()
    if p.returncode not in (0, 3):
        sys.exit(f"bench: hopchain failed ({p.returncode}): {stderr}")
    m = TIMINGS.search(stderr)
    if not m:
        sys.exit(f"bench: no timings in: {stderr}")
    return {"read": float(m.group(1)), "events": int(m.group(2)), "correlate": float(m.group(3)),
            "counts": m.group(4), "store": float(m.group(5)), "wall": wall,
            "cpu": ru.ru_utime + ru.ru_stime, "rss_mib": ru.ru_maxrss / 1024}


def extract(a, logs):
    """`events --ids 4624,4625 --format jsonl` to /dev/null: wall and CPU time."""
    t = time.monotonic()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen([a.hopchain] + (["--reader", a.reader] if a.reader else []) +
                             ["events", "--ids", "4624,4625", "--format", "jsonl"] + logs,
                             stdout=null, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        sys.exit("bench: hopchain events failed")
    return time.monotonic() - t, ru.ru_utime + ru.ru_stime


def truth_check(truth, result):
    chk = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "fleet", "check_fleet.py"),
                          "--truth", truth, "--analyze-json", result],
                         capture_output=True, text=True)
    return (chk.stdout.strip().splitlines() or ["?"])[-1]


def load():
    with open("/proc/loadavg", encoding="ascii") as f:
        return f.read().split()[:3]


def single(a):
    out, truth, logs = fleetdir.ensure(a)
    mb = sum(os.path.getsize(f) for f in logs) / 1e6
    result = os.path.join(out, "analyze.json")
    r = analyze(a, logs, result)
    read, nev, corr, store = r["read"], r["events"], r["correlate"], r["store"]
    print(f"fleet: {a.hosts} hosts, {nev} events, {mb:.0f} MB of .evtx ({r['counts']})")
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
    print(f"peak memory {r['rss_mib']:.0f} MiB  (target < 1024 MiB: "
          f"{'met' if r['rss_mib'] < 1024 else 'NOT met'})")
    print("ground truth:", truth_check(truth, result))


def compare(a):
    a.witnesses = 0.0
    out0, truth0, logs0 = fleetdir.ensure(a)
    a.witnesses = a.compare_witnesses
    out1, truth1, logs1 = fleetdir.ensure(a)
    fleets = [("without", out0, truth0, logs0), ("with", out1, truth1, logs1)]
    print(f"load before: {' '.join(load())}")
    runs = {"without": [], "with": []}
    for k in range(a.runs):
        for name, out, truth, logs in (fleets if k % 2 == 0 else fleets[::-1]):
            r = analyze(a, logs, os.path.join(out, "analyze.json"))
            r["logons_wall"], r["logons_cpu"] = extract(a, logs)
            runs[name].append(r)
            print(f"  run {k + 1} {name:7s}: read {r['read']:.2f} s, correlate {r['correlate']:.2f} s,"
                  f" store {r['store']:.2f} s, wall {r['wall']:.2f} s, cpu {r['cpu']:.2f} s,"
                  f" peak {r['rss_mib']:.0f} MiB; events --ids 4624,4625 {r['logons_wall']:.2f} s",
                  flush=True)
    print(f"load after: {' '.join(load())}")
    for name, out, truth, logs in fleets:
        mb = sum(os.path.getsize(f) for f in logs) / 1e6
        r = runs[name][-1]
        print(f"fleet {name} witnesses: {r['events']} events, {mb:.0f} MB of .evtx "
              f"({r['counts']}); ground truth: {truth_check(truth, os.path.join(out, 'analyze.json'))}")
    print(f"\nmedians of {a.runs} runs each (alternating), and the paired ratios with / without:")
    print(f"{'phase':<12}{'without':>12}{'with':>12}{'ratio':>10}   paired ratios")
    for key, unit in (("read", "s"), ("correlate", "s"), ("store", "s"), ("wall", "s"),
                      ("cpu", "s"), ("rss_mib", "MiB"), ("logons_wall", "s"), ("logons_cpu", "s")):
        w0 = [r[key] for r in runs["without"]]
        w1 = [r[key] for r in runs["with"]]
        pr = sorted(y / x for x, y in zip(w0, w1) if x > 0)
        m0, m1 = statistics.median(w0), statistics.median(w1)
        print(f"{key:<12}{m0:>10.2f} {unit:<3}{m1:>8.2f} {unit:<3}"
              f"{(m1 / m0 if m0 else float('nan')):>7.2f}   {', '.join(f'{x:.2f}' for x in pr)}")
    e0, e1 = runs["without"][0]["events"], runs["with"][0]["events"]
    r0 = statistics.median(r["read"] for r in runs["without"])
    r1 = statistics.median(r["read"] for r in runs["with"])
    print(f"events: {e0} without, {e1} with ({e1 / e0:.2f} x); read rate "
          f"{e0 / r0:.0f} vs {e1 / r1:.0f} events/s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fleetdir.add_args(ap)
    ap.add_argument("--reader", help="EVTX reader (hopchain --reader), default its default")
    ap.add_argument("--compare-witnesses", type=float, metavar="R",
                    help="paired runs of the fleet without and with --witnesses R")
    ap.add_argument("--runs", type=int, default=3, help="runs of each with --compare-witnesses")
    a = ap.parse_args()
    if a.compare_witnesses:
        if a.out:
            ap.error("--out names one fleet; --compare-witnesses makes two")
        compare(a)
    else:
        single(a)


if __name__ == "__main__":
    main()
