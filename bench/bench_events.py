#!/usr/bin/python3
"""Extraction throughput: `hopchain events --ids 4624,4625 --format jsonl` beside
libevtx's own `evtxexport -f xml`, run alternately on the same files in the
same run, so the ratio means something on a noisy machine.

usage: bench/bench_events.py [--hopchain PATH] [--runs N] [--corpus DIR] [FILE...]

Without FILEs it takes the largest Security logs of ../shared/corpus that
Debian's libevtx reads (per manifest.tsv). Prints MB/s of input per tool
(median of N runs) and the ratio hopchain / evtxexport (> 1: hopchain
faster). Needs evtxexport (Debian libevtx-utils).
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def largest_security_logs(corpus, n=4):
    rows = []
    with open(os.path.join(corpus, "manifest.tsv"), encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(head)}
        for line in f:
            r = line.rstrip("\n").split("\t")
            if not r[0].lower().endswith(".evtx") or r[col["libevtx_2018_rc"]] != "0":
                continue
            logons = sum(int(r[col[k]] or 0) for k in ("n4624", "n4625", "n4648", "n4769"))
            if logons == 0:
                continue
            rows.append((int(r[col["size"]]), os.path.join(corpus, r[0])))
    rows.sort(reverse=True)
    return [p for _, p in rows[:n]]


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    if p.returncode not in (0, 3):  # 3: hopchain read the file but reported damage
        sys.exit(f"bench: {cmd[0]} failed with exit code {p.returncode}")
    return dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hopchain", default=os.path.join(HERE, "..", "build", "cli", "hopchain"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--corpus", default=os.path.join(HERE, "..", "..", "shared", "corpus"))
    ap.add_argument("--threads", default=None, help="pass --threads N to hopchain")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    files = a.files or largest_security_logs(a.corpus)
    if not files:
        sys.exit("bench: no input files (is ../shared/corpus there?)")
    hc = [a.hopchain] + (["--threads", a.threads] if a.threads else [])
    print(f"{'file':<60} {'MB':>7} {'hopchain MB/s':>14} {'evtxexport MB/s':>16} {'ratio':>6}")
    tot_mb = tot_h = tot_e = 0.0
    for f in files:
        mb = os.path.getsize(f) / 1e6
        th, te = [], []
        for _ in range(a.runs):  # alternate so both see the same noise
            th.append(run(hc + ["events", "--ids", "4624,4625", "--format", "jsonl", f]))
            te.append(run(["evtxexport", "-f", "xml", f]))
        h, e = statistics.median(th), statistics.median(te)
        tot_mb += mb
        tot_h += h
        tot_e += e
        print(f"{os.path.basename(f)[:60]:<60} {mb:7.1f} {mb / h:14.1f} {mb / e:16.1f} {e / h:6.2f}")
    print(f"{'all':<60} {tot_mb:7.1f} {tot_mb / tot_h:14.1f} {tot_mb / tot_e:16.1f} {tot_e / tot_h:6.2f}")
    print("ratio = evtxexport time / hopchain time on the same input (target >= 1)")


if __name__ == "__main__":
    main()
