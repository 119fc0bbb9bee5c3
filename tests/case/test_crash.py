#!/usr/bin/python3
"""Crash safety of `hopchain ingest`: kill it (SIGKILL) while it adds a
sample set to a case; after each kill the database must be valid
(integrity check, every file row with exactly the events it says it added,
no event twice), and a re-run must complete it to the same case as an
ingest that was never interrupted: nothing lost, nothing duplicated.

The kills, in turn (run 0 is always the first):
  start       3 ms after the start, while the case is being set up;
  ingest-tx   inside the transaction that adds a file, after at least one
              file went in: the process is stopped (SIGSTOP) at random
              moments until it holds SQLite's WAL write lock (a byte lock
              in the -shm file, held from BEGIN IMMEDIATE to COMMIT) and
              the case holds 1..N-1 of the N files; then killed while
              stopped, so the kill lands inside that transaction. The file
              it was adding must then be absent, the others all there;
  correlate-tx  the same, inside the correlation's transaction (all files
              in), so the analysis written so far is lost;
  any         after a random delay within an uninterrupted ingest's time.
The random choices come from --seed (printed; random when not given), so
a failing run is repeated with the seed it printed.

usage: test_crash.py --hopchain H --samples DIR [--runs N] [--seed S]
"""
import argparse
import fcntl
import os
import random
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402
from hctest import check  # noqa: E402

KINDS = ("ingest-tx", "any", "correlate-tx")
# struct flock on Linux: l_type, l_whence, l_start, l_len, l_pid
FLOCK = "@hhqqixxxx"
# the WAL write lock: byte 120 of the -shm file (SQLite's WALINDEX_LOCK_OFFSET)
WAL_WRITE_LOCK = 120


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


def write_locked(db):
    """True when another process holds the WAL write lock of `db` (asks
    with F_GETLK: takes no lock, so the writer is not disturbed)."""
    try:
        fd = os.open(db + "-shm", os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        got = fcntl.fcntl(fd, fcntl.F_GETLK,
                          struct.pack(FLOCK, fcntl.F_WRLCK, os.SEEK_SET, WAL_WRITE_LOCK, 1, 0))
        return struct.unpack(FLOCK, got)[0] != fcntl.F_UNLCK
    finally:
        os.close(fd)


def committed_files(db):
    """Files the case holds now (committed), or None when it cannot be read
    at this moment (no schema yet, locked)."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0)
        try:
            return con.execute("SELECT count(*) FROM files").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return None


def kill_in_transaction(hc, db, src, rnd, want, nfiles):
    """Runs an ingest and kills it inside a write transaction: "ingest",
    the first time it is found (stopped) holding the write lock while the
    case holds k..nfiles-1 files (k drawn from 1..nfiles-1); "correlate",
    the skip+1-th time (skip drawn from 0..3) it holds it with all nfiles
    in. Returns the files committed at the kill, or None when the ingest
    ended first."""
    lo = rnd.randrange(1, nfiles)
    skip = 0 if want == "ingest" else rnd.randrange(4)
    proc = subprocess.Popen([hc, "--threads", "1", "ingest", "--quiet", "--db", db, src],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            time.sleep(rnd.uniform(0, 0.002))
            os.kill(proc.pid, signal.SIGSTOP)
            if proc.poll() is not None:
                return None
            n = committed_files(db) if write_locked(db) else None
            if n is not None and (lo <= n < nfiles if want == "ingest" else n == nfiles):
                if skip == 0:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    return n
                skip -= 1
            os.kill(proc.pid, signal.SIGCONT)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


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
        total = consistent(ref, "reference")
        print(f"crash: seed {seed} (repeat with --seed {seed}); {total} files")
        kinds = {}
        for run in range(a.runs):
            db = os.path.join(tmp, f"crash{run}.db")
            kind = "start" if run == 0 else KINDS[(run - 1) % len(KINDS)]
            if kind.endswith("-tx"):
                at = None
                for attempt in range(5):
                    for suffix in ("", "-wal", "-shm"):
                        if os.path.exists(db + suffix):
                            os.unlink(db + suffix)
                    at = kill_in_transaction(a.hopchain, db, src, rnd, kind[:-3], total)
                    if at is not None:
                        break
                if not check(at is not None, f"run {run} ({kind}, seed {seed}): the ingest "
                             "never held the write lock at that stage; no kill landed there"):
                    continue
                where = f"run {run} (seed {seed}, killed inside a transaction with {at} files in)"
                nfiles = consistent(db, where)
                # the transaction in progress is gone, the committed ones stay
                check(nfiles == at, f"{where}: {nfiles} files after the kill, want {at}")
            else:
                delay = 0.003 if kind == "start" else rnd.uniform(0, full)
                proc = subprocess.Popen([a.hopchain, "--threads", "1", "ingest", "--quiet",
                                         "--db", db, src],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(delay)
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                where = f"run {run} (seed {seed}, killed after {delay:.3f} s)"
                nfiles = consistent(db, where) if os.path.exists(db) else 0
            kinds.setdefault(kind, []).append(nfiles)
            p = subprocess.run([a.hopchain, "ingest", "--quiet", "--db", db, src],
                               capture_output=True, text=True)
            check(p.returncode == 0, f"{where}: re-run exit {p.returncode}: {p.stderr}")
            consistent(db, where + " after the re-run")
            check(state(db) == want, f"{where}: the completed case differs from the reference")
        for kind, ns in kinds.items():
            print(f"crash: {len(ns)} kill(s) {kind}, files in at the kill: {ns}")
        # the kills that prove the point: inside a file's transaction while
        # the case was half full, and inside the correlation's
        if a.runs >= 4:
            check(kinds.get("ingest-tx"), f"seed {seed}: no kill inside a file's transaction")
            check(kinds.get("correlate-tx"),
                  f"seed {seed}: no kill inside the correlation's transaction")
        print(f"crash: {a.runs} kills (seed {seed}); "
              f"{'ok' if not hctest.failures else f'{hctest.failures} failures'}")
    if hctest.failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
