#!/usr/bin/python3
"""Case benchmark: `hopchain ingest` beside `hopchain analyze` on the same
generated fleet (bench/fleet.py), run one after the other in the same run,
then the query commands on the resulting case.

usage: bench/bench_case.py [--events N] [--hosts N] [--chains N] [--seed S]
                           [--hopchain PATH] [--evtxgen PATH] [--out DIR]
                           [--repeat N]

Prints the wall time of `analyze --format json DIR` and of `ingest --db
CASE DIR` into a new case, their ratio (target: ingest <= 1.5 x analyze),
the peak memory of each, and the median time of `chains --through HOST`
(HOST: an intermediate host of a planted chain) and `summary` on the case
(target: well under a second). Absolute times depend on the machine; the
ratio is what to compare.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import fleetdir



def timed(cmd, out=subprocess.DEVNULL):
    """Wall time, exit code, peak RSS (KiB) and stderr of one child."""
    with tempfile.TemporaryFile(mode="w+") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        dt = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return dt, p.returncode, ru.ru_maxrss, err.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fleetdir.add_args(ap)
    ap.add_argument("--repeat", type=int, default=5, help="runs of each query")
    a = ap.parse_args()
    out, truth, logs = fleetdir.ensure(a)
    with open(truth, encoding="utf-8") as f:
        planted = json.load(f)["chains"]
    through = next((c["hosts"][1] for c in planted if len(c["hosts"]) >= 3), None)
    hc = a.hopchain
    with tempfile.TemporaryDirectory() as tmp:
        case = os.path.join(tmp, "case.db")
        t_an, rc, rss_an, err = timed([hc, "analyze", "--format", "json"] + logs)
        if rc not in (0, 3):
            sys.exit(f"bench: analyze failed ({rc}): {err}")
        t_in, rc, rss_in, err = timed([hc, "ingest", "--quiet", "--db", case] + logs)
        if rc not in (0, 3):
            sys.exit(f"bench: ingest failed ({rc}): {err}")
        size = os.path.getsize(case) / 1e6
        print(f"fleet: {out}")
        print(f"analyze            {t_an:8.2f} s")
        print(f"ingest (new case)  {t_in:8.2f} s   case file {size:.0f} MB")
        ratio = t_in / t_an
        print(f"ratio ingest / analyze = {ratio:.2f}  (target <= 1.5: "
              f"{'met' if ratio <= 1.5 else 'NOT met'})")
        print(f"peak memory: analyze {rss_an / 1024:.0f} MiB, ingest {rss_in / 1024:.0f} MiB")
        queries = [("chains --through " + str(through),
                    [hc, "chains", "--db", case, "--through", str(through), "--format", "json"]),
                   ("summary", [hc, "summary", "--db", case, "--format", "json"])]
        for name, cmd in queries:
            times = []
            for _ in range(a.repeat):
                dt, rc, _, err = timed(cmd)
                if rc != 0:
                    print(f"{name:28s} failed ({rc}): {err.strip()[:200]}")
                    break
                times.append(dt)
            if times:
                med = statistics.median(times)
                print(f"{name:28s} {med * 1000:8.0f} ms median of {len(times)}  (target < 1 s: "
                      f"{'met' if med < 1 else 'NOT met'})")


if __name__ == "__main__":
    main()
