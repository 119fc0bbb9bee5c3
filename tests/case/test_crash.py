#!/usr/bin/python3
"""Crash safety of `hopchain ingest`: kill it (SIGKILL) at random moments
while it adds a sample set to a case; after each kill the database must be
valid (integrity check, every file row with exactly the events it says it
added, no event twice), and a re-run must complete it to the same case as
an ingest that was never interrupted: nothing lost, nothing duplicated.

usage: test_crash.py --hopchain H --samples DIR [--runs N] [--seed S]
"""
import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what}", file=sys.stderr)
    return cond


EVENTS = "SELECT computer, channel, record_id, time_ticks, data FROM events ORDER BY 1, 2, 3, 4"
CHAINS = """SELECT c.name, group_concat(ifnull(s.name, '?') || '>' || d.name || ':' ||
                   h.account || ':' || e.record_id, ' ')
            FROM chains c JOIN chain_hops ch ON ch.chain = c.id JOIN hops h ON h.id = ch.hop
            LEFT JOIN hosts s ON s.id = h.src_host JOIN hosts d ON d.id = h.dst_host
            JOIN events e ON e.id = h.event GROUP BY c.id ORDER BY c.id"""


def state(db):
    con = sqlite3.connect(db)
    try:
        return con.execute(EVENTS).fetchall(), con.execute(CHAINS).fetchall()
    finally:
        con.close()


def consistent(db, where):
    con = sqlite3.connect(db)
    try:
        check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"{where}: integrity")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
        if not tables:
            # killed before the schema's transaction committed: an empty
            # database, which the re-run sets up
            check(con.execute("PRAGMA user_version").fetchone()[0] == 0,
                  f"{where}: a version without tables")
            return 0
        per_file = con.execute("""SELECT f.id, f.added, (SELECT count(*) FROM events e
                                  WHERE e.file = f.id) FROM files f""").fetchall()
        for fid, added, have in per_file:
            check(added == have, f"{where}: file {fid} says {added} events added, has {have}")
        dup = con.execute("""SELECT count(*) FROM (SELECT 1 FROM events GROUP BY
                             lower(computer), lower(channel), record_id, time_ticks
                             HAVING count(*) > 1)""").fetchone()[0]
        check(dup == 0, f"{where}: {dup} duplicated events")
        paths = con.execute("SELECT count(*), count(DISTINCT sha256) FROM files").fetchone()
        check(paths[0] == paths[1], f"{where}: a file content twice")
        return len(per_file)
    finally:
        con.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopchain", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rnd = random.Random(seed)
    src = os.path.join(a.samples, "lateral-three-hop")
    with tempfile.TemporaryDirectory() as tmp:
        ref = os.path.join(tmp, "ref.db")
        t0 = time.monotonic()
        p = subprocess.run([a.hopchain, "--threads", "1", "ingest", "--quiet", "--db", ref, src],
                           capture_output=True, text=True)
        full = time.monotonic() - t0
        if not check(p.returncode == 0, f"reference ingest: {p.returncode} {p.stderr}"):
            sys.exit(1)
        want = state(ref)
        killed_mid = 0
        for run in range(a.runs):
            db = os.path.join(tmp, f"crash{run}.db")
            # the first kill comes at once (while the case is being set up)
            delay = 0.003 if run == 0 else rnd.uniform(0, full)
            proc = subprocess.Popen([a.hopchain, "--threads", "1", "ingest", "--quiet",
                                     "--db", db, src],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            where = f"run {run} (seed {seed}, killed after {delay:.3f} s)"
            if os.path.exists(db):
                nfiles = consistent(db, where)
                killed_mid += 0 < nfiles < 29
            p = subprocess.run([a.hopchain, "ingest", "--quiet", "--db", db, src],
                               capture_output=True, text=True)
            check(p.returncode == 0, f"{where}: re-run exit {p.returncode}: {p.stderr}")
            consistent(db, where + " after the re-run")
            check(state(db) == want, f"{where}: the completed case differs from the reference")
        print(f"crash: {a.runs} kills (seed {seed}), {killed_mid} in the middle of the files; "
              f"{'ok' if not failures else f'{failures} failures'}")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
