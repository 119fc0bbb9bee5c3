#!/usr/bin/python3
"""The case database end to end (`hopchain ingest` / `correlate`):

- ingest twice = ingest once (files skipped by content, nothing duplicated,
  the same analysis), and a copy of a file under another name is skipped;
- `ingest` of a sample set gives the same hops and chains as `analyze --db`
  of the same set (compared row by row through SQL), for every sample set;
- ingesting host by host gives the same case as ingesting all at once;
- `correlate --db` with other options replaces the analysis and remembers
  the options; a later ingest keeps them;
- usage and failure exits (no --db, not a case, a missing case).
"""
import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402
from hctest import check  # noqa: E402


def run(hc, *args, want=0, timeout=120):
    try:
        p = subprocess.run([hc, *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        check(False, f"{' '.join(args)}: still running after {timeout} s (hangs)")
        return subprocess.CompletedProcess(args, -1, "", "")
    check(p.returncode == want, f"{' '.join(args)}: exit {p.returncode}, want {want}: {p.stderr}")
    return p


def statuses(csv_text):
    """The status column of an ingest --format csv summary."""
    return [r["status"] for r in hctest.csv_rows(csv_text)]


def q(db, sql, *a):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, a).fetchall()
    finally:
        con.close()


# Hops and chains as names and events, independent of row ids.
HOPS = """SELECT h.time_text, s.name, d.name, h.account, h.package, h.logon_type,
                 h.anonymous, h.failed, e.computer, e.record_id, f.path
          FROM hops h LEFT JOIN hosts s ON s.id = h.src_host JOIN hosts d ON d.id = h.dst_host
          JOIN events e ON e.id = h.event JOIN files f ON f.id = e.file
          ORDER BY h.time_ticks, e.computer, e.record_id"""
CHAINS = """SELECT c.name, c.nhops, group_concat(ifnull(s.name, '?') || '>' || d.name || ':' ||
                   h.account || ':' || e.record_id, ' ')
            FROM chains c JOIN chain_hops ch ON ch.chain = c.id JOIN hops h ON h.id = ch.hop
            LEFT JOIN hosts s ON s.id = h.src_host JOIN hosts d ON d.id = h.dst_host
            JOIN events e ON e.id = h.event
            GROUP BY c.id ORDER BY c.id"""
FINDINGS = """SELECT c.name, f.hop_position, f.code, f.severity FROM findings f
              JOIN chains c ON c.id = f.chain ORDER BY c.id, f.hop_position, f.code"""
EVENTS = "SELECT computer, channel, record_id, time_ticks, data FROM events ORDER BY 1, 2, 3, 4"


def analysis(db):
    return q(db, HOPS), q(db, CHAINS), q(db, FINDINGS)


def test_idempotent(hc, samples, tmp):
    db = os.path.join(tmp, "idem.db")
    src = os.path.join(samples, "seed-no-credssp")
    p1 = run(hc, "ingest", "--db", db, "--format", "csv", src)
    check(statuses(p1.stdout) == ["added"] * 4, f"first ingest adds 4 files: {p1.stdout}")
    ev1, an1 = q(db, EVENTS), analysis(db)
    files1 = q(db, "SELECT count(*) FROM files")[0][0]
    check(len(ev1) == 151, f"151 events in the case, got {len(ev1)}")
    p2 = run(hc, "ingest", "--db", db, "--format", "csv", src)
    check(statuses(p2.stdout) == ["already in the case"] * 4, f"second ingest skips all: {p2.stdout}")
    check("correlated" not in p2.stderr, "nothing new: no correlation")
    check(q(db, EVENTS) == ev1, "events unchanged by the second ingest")
    check(analysis(db) == an1, "analysis unchanged by the second ingest")
    check(q(db, "SELECT count(*) FROM files")[0][0] == files1, "no new file rows")
    # the same content under another name
    copy = os.path.join(tmp, "renamed.evtx")
    shutil.copy(os.path.join(src, "server1.evtx"), copy)
    p3 = run(hc, "ingest", "--db", db, "--format", "csv", copy)
    check("already in the case" in p3.stdout, f"a renamed copy is skipped: {p3.stdout}")
    check(q(db, EVENTS) == ev1, "events unchanged by the renamed copy")
    # a file given twice in one run goes in once
    db2 = os.path.join(tmp, "twice.db")
    p4 = run(hc, "ingest", "--db", db2, "--format", "csv", os.path.join(src, "dc1.evtx"), copy,
             os.path.join(src, "dc1.evtx"))
    check(statuses(p4.stdout) == ["added", "added", "same content as an earlier input"],
          f"a file given twice goes in once: {p4.stdout}")


def test_analyze_dedup(hc, samples, tmp):
    """analyze drops the events of a log given twice (also under another
    name): the chains are those of the log given once."""
    import json
    src = os.path.join(samples, "seed-no-credssp")
    copy = os.path.join(tmp, "server1-again.evtx")
    shutil.copy(os.path.join(src, "server1.evtx"), copy)
    once = json.loads(run(hc, "analyze", "--format", "json", "--min-hops", "1", src).stdout)
    twice = json.loads(run(hc, "analyze", "--format", "json", "--min-hops", "1", src,
                           copy).stdout)
    key = lambda out: [[(h["src_host"], h["dst_host"], h["time"], h["account"])
                        for h in c["hops"]] for c in out["chains"]]
    check(key(once) == key(twice), "a log given twice gives the chains of the log once")
    check(len(once["chains"]) > 0, "some chain")


def test_cross_format(hc, samples, tmp):
    """The same records as .evtx and as JSON exports (other time precision)
    are one event each: ingest adds nothing for the JSON copies, and
    analyze of both gives the chains of the .evtx alone. The same record
    number far apart in time (a cleared log numbers from 1 again) is kept."""
    import json
    evtx = os.path.join(samples, "seed-no-credssp")
    jdir = os.path.join(samples, "json", "seed-no-credssp")
    if not os.path.isdir(jdir):
        check(False, f"{jdir} missing")
        return
    db = os.path.join(tmp, "x.db")
    run(hc, "ingest", "--quiet", "--db", db, evtx)
    # the Security records; the Mordor export also carries a Sysmon record
    # the .evtx samples do not have, which ingest keeps as a witness
    count = "SELECT count(*) FROM events WHERE channel = 'Security'"
    n = q(db, count)[0][0]
    for layout in sorted(os.listdir(jdir)):
        p = run(hc, "ingest", "--db", db, "--format", "csv", os.path.join(jdir, layout))
        check(q(db, count)[0][0] == n,
              f"{layout}: the JSON copy adds no event: {p.stdout}")
    one = json.loads(run(hc, "analyze", "--format", "json", evtx).stdout)
    both = json.loads(run(hc, "analyze", "--format", "json", evtx,
                          os.path.join(jdir, "winlogbeat")).stdout)
    key = lambda out: [[(h["src_host"], h["dst_host"], h["account"]) for h in c["hops"]]
                       for c in out["chains"]]
    check(key(one) == key(both), "analyze of .evtx + its JSON copy = .evtx alone")
    # a log cleared and refilled: the same record numbers a day later
    with open(os.path.join(jdir, "winlogbeat", os.listdir(os.path.join(jdir, "winlogbeat"))[0]),
              encoding="utf-8") as f:
        lines = [json.loads(l) for l in f if l.strip()]
    later = os.path.join(tmp, "later.jsonl")
    with open(later, "w", encoding="utf-8") as f:
        for r in lines:
            r["@timestamp"] = "2026-03-09" + r["@timestamp"][10:]
            f.write(json.dumps(r) + "\n")
    p = run(hc, "ingest", "--db", db, "--format", "csv", later)
    check(statuses(p.stdout) == ["added"], f"a day later the same numbers are new: {p.stdout}")
    check(q(db, "SELECT count(*) FROM events")[0][0] > n, "the refilled log's events are in")


def test_agreement(hc, samples, tmp):
    """ingest and analyze --db agree on every sample set."""
    for name in sorted(os.listdir(samples)):
        d = os.path.join(samples, name)
        if not os.path.isdir(d) or not any(f.endswith(".evtx") for f in os.listdir(d)):
            continue
        a, b = os.path.join(tmp, f"{name}.a.db"), os.path.join(tmp, f"{name}.i.db")
        run(hc, "analyze", "--db", a, "--format", "json", d)
        run(hc, "ingest", "--db", b, "--quiet", d)
        ha, ca, fa = analysis(a)
        hb, cb, fb = analysis(b)
        check(ha == hb, f"{name}: hops differ between analyze --db and ingest")
        check(ca == cb, f"{name}: chains differ between analyze --db and ingest")
        check(fa == fb, f"{name}: findings differ between analyze --db and ingest")
        check(q(a, EVENTS) == q(b, EVENTS), f"{name}: events differ")
        check(len(ca) > 0, f"{name}: some chain")


def test_host_by_host(hc, samples, tmp):
    d = os.path.join(samples, "lateral-three-hop")
    files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".evtx"))
    one, many = os.path.join(tmp, "all.db"), os.path.join(tmp, "each.db")
    run(hc, "ingest", "--db", one, "--quiet", d)
    for f in reversed(files):  # a different order, one file per run
        run(hc, "ingest", "--db", many, "--quiet", f)
    check(analysis(one) == analysis(many), "host by host = all at once (hops, chains, findings)")
    check(q(one, EVENTS) == q(many, EVENTS), "host by host = all at once (events)")


def test_concurrent(hc, samples, tmp):
    """Two ingests into one case at the same time take turns file by file:
    both succeed, and the case equals one made by ingesting one after the
    other."""
    a, b = os.path.join(samples, "lateral-three-hop"), os.path.join(samples, "two-users-server1")
    both, seq = os.path.join(tmp, "both.db"), os.path.join(tmp, "seq.db")
    run(hc, "ingest", "--quiet", "--db", both, os.path.join(samples, "ntlm-v1"))
    run(hc, "ingest", "--quiet", "--db", seq, os.path.join(samples, "ntlm-v1"))
    procs = [subprocess.Popen([hc, "ingest", "--quiet", "--db", both, d],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for d in (a, b)]
    for p in procs:
        _, err = p.communicate()
        check(p.returncode == 0, f"concurrent ingest: exit {p.returncode}: {err}")
    run(hc, "ingest", "--quiet", "--db", seq, a)
    run(hc, "ingest", "--quiet", "--db", seq, b)
    check(q(both, EVENTS) == q(seq, EVENTS), "concurrent ingests: the same events")
    # the later correlation saw every event (an analysis made while the
    # other ingest still added events is made again, or left stale)
    stale = dict(q(both, "SELECT key, value FROM meta")).get("analysis_stale")
    check(stale == "0", f"concurrent ingests: analysis fresh, not {stale}")
    check(analysis(both) == analysis(seq), "concurrent ingests: the same analysis")


def test_correlate(hc, samples, tmp):
    db = os.path.join(tmp, "corr.db")
    d = os.path.join(samples, "clock-skew")
    run(hc, "ingest", "--db", db, "--quiet", d)
    before = analysis(db)
    run(hc, "correlate", "--db", db, "--quiet", "--skew", "1s")
    meta = dict(q(db, "SELECT key, value FROM meta"))
    check(meta.get("skew") == "1s", f"skew remembered: {meta}")
    check(meta.get("analysis_stale") == "0", "analysis fresh")
    after = analysis(db)
    check(before[1] != after[1], "a 1 s skew changes the chains of the clock-skew sample")
    # a later ingest (of a new file) keeps the case's options
    other = os.path.join(tmp, "extra.evtx")
    shutil.copy(os.path.join(samples, "ntlm-v1", sorted(
        f for f in os.listdir(os.path.join(samples, "ntlm-v1")) if f.endswith(".evtx"))[0]), other)
    run(hc, "ingest", "--db", db, "--quiet", other)
    check(dict(q(db, "SELECT key, value FROM meta")).get("skew") == "1s", "skew kept by ingest")
    # back to the default
    run(hc, "correlate", "--db", db, "--quiet", "--skew", "5m")
    check(dict(q(db, "SELECT key, value FROM meta")).get("skew") == "300s", "skew reset")


def test_terminal(hc, samples, tmp):
    """A progress bar on stderr only when it is a terminal (and not with
    --quiet); a hostile file name is printed escaped in the summary."""
    import pty
    src = os.path.join(samples, "seed-credssp")
    evil = os.path.join(tmp, "evil\x1b[31mred\x07.evtx")
    shutil.copy(os.path.join(src, "server1.evtx"), evil)
    for quiet in (False, True):
        db = os.path.join(tmp, f"tty{int(quiet)}.db")
        master, slave = pty.openpty()
        args = [hc, "ingest", "--db", db] + (["--quiet"] if quiet else []) + [src, evil]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
        out = p.stdout.read()
        p.wait()
        os.close(master)
        check(p.returncode == 0, f"ingest on a terminal: exit {p.returncode}")
        bar = b"files]" in err and b"events/s" in err
        check(bar != quiet, f"progress bar {'hidden' if quiet else 'shown'}: {err[:200]!r}")
        check(b"\x1b" not in out and b"\\x1b[31mred\\x07.evtx" in out,
              f"file name escaped in the summary: {out[-300:]!r}")
    # not a terminal: no bar
    p = run(hc, "ingest", "--db", os.path.join(tmp, "pipe.db"), src)
    check("files]" not in p.stderr, "no progress bar into a pipe")


def test_errors(hc, samples, tmp):
    d = os.path.join(samples, "seed-credssp")
    run(hc, "ingest", d, want=2)
    run(hc, "ingest", "--db", os.path.join(tmp, "x.db"), want=2)
    run(hc, "correlate", want=2)
    p = run(hc, "correlate", "--db", os.path.join(tmp, "missing.db"), want=1)
    check("no such case" in p.stderr, f"missing case named: {p.stderr}")
    check(not os.path.exists(os.path.join(tmp, "missing.db")), "correlate creates nothing")
    other = os.path.join(tmp, "other.db")
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    p = run(hc, "ingest", "--db", other, d, want=1)
    check("not a hopchain store" in p.stderr, f"someone else's database refused: {p.stderr}")
    # an unreadable input among good ones: the good ones go in, exit 3
    bad = os.path.join(tmp, "bad.evtx")
    with open(bad, "wb") as f:
        f.write(b"not an evtx file at all" * 10)
    db = os.path.join(tmp, "partial.db")
    p = run(hc, "ingest", "--db", db, "--format", "csv", d, bad, want=3)
    check("bad.evtx,unreadable" in p.stdout, f"bad file reported: {p.stdout}")
    check(q(db, "SELECT count(*) FROM files")[0][0] == 4, "the 4 good files are in")
    # an edited case (a file row gone, an event's data broken): correlate
    # goes on with what it can read and says what it skipped
    con = sqlite3.connect(db)
    con.execute("DELETE FROM files WHERE id = 2")
    con.execute("UPDATE events SET data = '{\"broken' WHERE id = 5")
    con.commit()
    con.close()
    p = run(hc, "correlate", "--db", db)
    check("1 events of the case have unreadable data" in p.stderr, f"bad data named: {p.stderr}")


def test_special_files(hc, samples, tmp):
    """Inputs that are no regular file (a FIFO named *.evtx, a *.evtx
    symlink to a FIFO inside a folder, /dev/zero) are refused at once as
    "not a regular file", never read or hashed (which would hang)."""
    good = os.path.join(samples, "seed-credssp", "dc1.evtx")
    d = os.path.join(tmp, "folder")
    os.mkdir(d)
    fifo = os.path.join(tmp, "x.evtx")
    os.mkfifo(fifo)
    os.mkfifo(os.path.join(tmp, "hidden-fifo"))
    os.symlink(os.path.join(tmp, "hidden-fifo"), os.path.join(d, "link.evtx"))
    shutil.copy(good, os.path.join(d, "dc1.evtx"))
    db = os.path.join(tmp, "c.db")
    for bad in (fifo, d, "/dev/zero"):
        p = run(hc, "ingest", "--db", db, "--format", "csv", good, bad, want=3, timeout=30)
        check("not a regular file" in p.stderr, f"{bad}: named as no regular file: {p.stderr}")
        got = [r["status"] for r in hctest.csv_rows(p.stdout) if r["file"] != good and
               not r["file"].endswith("dc1.evtx")]
        check(got == ["unreadable"], f"{bad}: the input is unreadable: {p.stdout}")
    # events and analyze say the same (and do not hang either)
    for cmd in ("events", "analyze"):
        p = run(hc, cmd, good, fifo, "/dev/zero", want=3, timeout=30)
        check(p.stderr.count("not a regular file") == 2, f"{cmd}: {p.stderr}")


def test_unreadable_exit(hc, samples, tmp):
    """ingest exits 3 when some input could not be read (a missing file, a
    directory it may not list, a symlink loop), and 1 as events/analyze do
    when no input could be read at all; the summary lists each input."""
    good = os.path.join(samples, "seed-credssp", "dc1.evtx")
    missing = os.path.join(tmp, "missing.evtx")
    loop = os.path.join(tmp, "loop.evtx")
    os.symlink(loop, loop)
    db = os.path.join(tmp, "c.db")
    for bad in (missing, loop):
        p = run(hc, "ingest", "--db", db, "--quiet", good, bad, want=3)
        check(os.path.basename(bad) in p.stderr, f"{bad} named on stderr: {p.stderr}")
    # nothing readable: exit 1 and the message of events/analyze
    for args in ([missing], [missing, loop]):
        p = run(hc, "ingest", "--db", db, "--quiet", *args, want=1)
        check("no input" in p.stderr, f"{args}: {p.stderr}")
        e = run(hc, "events", *args, want=1)
        check(p.stderr.splitlines()[-1] == e.stderr.splitlines()[-1],
              f"ingest and events end alike: {p.stderr!r} / {e.stderr!r}")
    text = os.path.join(tmp, "notes.evtx")
    with open(text, "w") as f:
        f.write("not a log\n")
    p = run(hc, "ingest", "--db", db, "--quiet", text, want=1)
    check("no input could be read" in p.stderr, f"only a non-log: {p.stderr}")
    # an input the case holds already is readable: exit 0
    run(hc, "ingest", "--db", db, "--quiet", good, want=0)
    run(hc, "ingest", "--db", db, "--quiet", good, missing, want=3)


def test_store_refuses(hc, samples, tmp):
    """A file the case cannot take (here a trigger of the case refuses
    server2's events after its third): exit 1, the row says so and shows
    nothing added (the file's transaction was rolled back)."""
    d = os.path.join(samples, "seed-no-credssp")
    db = os.path.join(tmp, "c.db")
    run(hc, "ingest", "--db", db, "--quiet", os.path.join(d, "client1.evtx"))
    con = sqlite3.connect(db)
    con.execute("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.computer LIKE 'server2%' "
                "AND (SELECT count(*) FROM events WHERE computer LIKE 'server2%') >= 3 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
    con.commit()
    con.close()
    p = run(hc, "ingest", "--db", db, "--format", "csv", d, want=1)
    r = {os.path.basename(x["file"]): x for x in hctest.csv_rows(p.stdout)}
    bad = r.get("server2.evtx", {})
    check(bad.get("status") == "not added (the case could not take it)", f"status: {p.stdout}")
    check(bad.get("added") == "0" and bad.get("duplicates") == "0",
          f"nothing added for the refused file: {p.stdout}")
    check(q(db, "SELECT count(*) FROM events WHERE computer LIKE 'server2%'")[0][0] == 0,
          "no event of it in the case")


def test_meta_absent(hc, samples, tmp, valgrind):
    """A case whose meta table lacks analysis_stale (an edited or older
    case): ingest decides from what it added alone; under valgrind (when
    there is one and the build is not sanitized) with no uninitialised
    read."""
    d = os.path.join(samples, "seed-no-credssp")
    db = os.path.join(tmp, "c.db")
    run(hc, "ingest", "--db", db, "--quiet", os.path.join(d, "client1.evtx"))
    con = sqlite3.connect(db)
    con.execute("DELETE FROM meta WHERE key = 'analysis_stale'")
    con.commit()
    con.close()
    pre = [valgrind, "--error-exitcode=99", "--quiet"] if valgrind else []
    p = subprocess.run(pre + [hc, "ingest", "--db", db, "--quiet", os.path.join(d, "client1.evtx")],
                       capture_output=True, text=True)
    check(p.returncode == 0, f"ingest without analysis_stale: exit {p.returncode}: {p.stderr}")
    check("correlated" not in p.stderr, "nothing new, nothing stale: no correlation")
    check("uninitialised" not in p.stderr, f"no uninitialised read: {p.stderr}")


def test_schema_upgrade(hc, samples, tmp):
    """A case of schema version 2 (an earlier hopchain; only the analysis
    tables differ) is refused by the query commands with what to do, and
    brought to version 3 by `correlate`, with its events and the same
    chains as a new case."""
    import sqlite3
    db = os.path.join(tmp, "old.db")
    src = os.path.join(samples, "seed-no-credssp")
    run(hc, "ingest", "--quiet", "--db", db, src)
    want = run(hc, "chains", "--db", db, "--format", "json").stdout
    nevents = q(db, "SELECT count(*) FROM events")[0][0]
    con = sqlite3.connect(db)
    # version 2's analysis: no class, proof or clock columns
    con.execute("ALTER TABLE hops DROP COLUMN class")
    con.execute("DROP TABLE finding_evidence")
    con.execute("PRAGMA user_version = 2")
    con.commit()
    con.close()
    p = run(hc, "chains", "--db", db, want=1)
    check("schema version 2" in p.stderr and "correlate --db" in p.stderr,
          f"a version-2 case is refused with what to do: {p.stderr}")
    run(hc, "correlate", "--quiet", "--db", db)
    check(q(db, "PRAGMA user_version")[0][0] == 3, "correlate brings the case to version 3")
    check(q(db, "SELECT count(*) FROM events")[0][0] == nevents, "the events stay")
    check(run(hc, "chains", "--db", db, "--format", "json").stdout == want,
          "the same chains as before")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopchain", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--valgrind", help="run one ingest under this valgrind")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for t in (test_idempotent, test_analyze_dedup, test_cross_format, test_agreement, test_host_by_host, test_concurrent, test_correlate,
                  test_terminal, test_errors, test_special_files, test_unreadable_exit,
                  test_store_refuses, test_schema_upgrade):
            sub = os.path.join(tmp, t.__name__)
            os.mkdir(sub)
            t(a.hopchain, a.samples, sub)
        sub = os.path.join(tmp, "test_meta_absent")
        os.mkdir(sub)
        test_meta_absent(a.hopchain, a.samples, sub, a.valgrind)
    if hctest.failures:
        sys.exit(f"{hctest.failures} checks failed")
    print("case: all checks passed")


if __name__ == "__main__":
    main()
