#!/usr/bin/python3
"""Behaviour of the query commands on case stores of the samples (stores
made by tests/lib/hcdb.py, the one place that knows how):

  contract  `chains` agrees with `analyze` on every sample set: the JSON
            chain objects (default and --min-hops 1, json and jsonl), the
            story (table) and dot views; `hosts --format json` has
            analyze's hosts.
  filters   each filter of chains, hops, sessions, findings, hosts,
            summary and timeline changes the result as the ground truth of
            samples/README.md says; --through goes through indexes
            (EXPLAIN QUERY PLAN).
  hostile   an account name with terminal escapes, quotes and SQL planted
            in a store (Python's sqlite3) is printed escaped and matched as
            data, never as SQL.
  sql       writes are refused (exit 2, store unchanged, no file made),
            regexp() works, a bad pattern is exit 2 with its offset.
  stores    an absent file, a text file, someone else's database, an empty
            one and another schema version are exit 1 and left untouched.
  readonly  a case at rest is one file (no -wal, -shm; rollback journal
            mode) after ingest, correlate and analyze --db; every query
            command reads it where nothing may be written (a directory
            made read-only: as another user when root; a read-only tmpfs
            and an immutable directory when root can make them), also a
            case left in WAL mode, and creates no file beside it.
  usage     bad options are exit 2 with one line and a hint.

usage: test_query.py --hopchain BIN [--src DIR] [SECTION...]"""
import argparse
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hcdb  # noqa: E402
import hctest  # noqa: E402
from hctest import check  # noqa: E402


class Env:
    def __init__(self, hopchain, src, tmp):
        self.hopchain, self.src, self.tmp = hopchain, src, tmp
        self.sanitized = False
        self.stores = hcdb.Stores(hopchain, src, tmp)

    def run(self, *args, ok=(0,)):
        env = dict(os.environ, NO_COLOR="1", TERM="dumb")
        p = subprocess.run([self.hopchain] + list(args), cwd=self.src, env=env,
                           capture_output=True, timeout=120)
        if ok is not None and p.returncode not in ok:
            check(False, "%s: exit %d: %s" % (" ".join(args)[:200], p.returncode,
                                              p.stderr.decode("utf-8", "replace")[:400]))
        return p

    def json(self, *args):
        p = self.run(*args)
        try:
            return json.loads(p.stdout)
        except ValueError:
            check(False, "%s: not JSON: %r" % (" ".join(args), p.stdout[:200]))
            return {}

    def db(self, sample):
        return self.stores.get(sample)


def path_of(chain):
    """A chain by its hops, independent of its id: ((src, dst, account), ...)."""
    return tuple((h["src_host"], h["dst_host"], h["account"]) for h in chain["hops"])


def chain_paths(e, sample, *args):
    out = e.json("chains", "--db", e.db(sample), "--format", "json", *args)
    return {path_of(c) for c in out.get("chains", [])}


# --- contract ---------------------------------------------------------------

def test_contract(e):
    """`chains` prints analyze's chain view: the same bytes in every format,
    with the default filters and with every chain (--min-hops 1 --all);
    `hosts` the same hosts as analyze's JSON."""
    sets = hcdb.sample_sets(e.src)
    check(len(sets) >= 10, "sample sets found: %s" % sets)
    for s in sets:
        rel = os.path.join("samples", s)
        db = e.db(s)
        for fmt in ("table", "json", "jsonl", "csv", "dot"):
            for extra in ([], ["--min-hops", "1", "--all"], ["--csv-raw"] if fmt == "csv" else []):
                a = e.run("analyze", "--format", fmt, *extra, rel).stdout
                c = e.run("chains", "--db", db, "--format", fmt, *extra).stdout
                check(a == c and (len(a) > 10 or fmt == "jsonl"),
                      "%s %s %s: chains differs from analyze:\n%s\n%s"
                      % (s, fmt, extra, a[:300], c[:300]))
        ah = e.json("analyze", "--format", "json", rel).get("hosts", [])
        ch = e.json("hosts", "--db", db, "--format", "json").get("hosts", [])
        keys = ("name", "fqdn", "has_log", "learned_from", "addresses")
        check([{k: h[k] for k in keys} for h in ah] == [{k: h[k] for k in keys} for h in ch],
              "%s: hosts --format json differs from analyze's hosts" % s)
        check([(h["clock"] or {}).get("offset_seconds") for h in ah] ==
              [h["clock_offset_seconds"] for h in ch],
              "%s: hosts' clock offsets differ from analyze's" % s)


# --- filters ---------------------------------------------------------------

TU_ANON = (("client1", "server1", "CONTOSO\\TestUser"), ("server1", "server2", "ANONYMOUS LOGON"))
AL_ANON = (("client2", "server1", "CONTOSO\\alice"), ("server1", "server2", "ANONYMOUS LOGON"))
AL_S3 = (("client2", "server1", "CONTOSO\\alice"), ("server1", "server3", "CONTOSO\\alice"))
JSMITH = (("ws17", "srv-file", "CONTOSO\\jsmith"), ("srv-file", "srv-app", "CONTOSO\\jsmith"),
          ("srv-app", "dc2", "CONTOSO\\jsmith"))


def test_filters(e):
    T = "two-users-server1"
    every = chain_paths(e, T)
    check(every == {TU_ANON, AL_ANON, AL_S3}, "two-users-server1: three chains: %s" % every)
    cases = [
        (["--account", "alice"], {AL_ANON, AL_S3}),
        (["--account", "^ALICE$"], {AL_ANON, AL_S3}),         # case-insensitive, user part
        (["--account", "^testuser$"], {TU_ANON}),
        (["--account", "contoso"], set()),                    # the domain is not searched
        (["--account", "anonymous"], {TU_ANON, AL_ANON}),
        (["--host", "server3"], {AL_S3}),
        (["--host", "^client1\\.contoso\\.local$"], {TU_ANON}),  # FQDN
        (["--host", "nosuchhost"], set()),
        (["--through", "server1"], {TU_ANON, AL_ANON, AL_S3}),
        (["--through", "SERVER1"], {TU_ANON, AL_ANON, AL_S3}),
        (["--through", "server1.contoso.local"], {TU_ANON, AL_ANON, AL_S3}),
        (["--through", "10.0.0.21"], {TU_ANON, AL_ANON, AL_S3}),
        (["--through", "::ffff:10.0.0.21"], {TU_ANON, AL_ANON, AL_S3}),
        (["--through", "server2"], set()),                    # an end, not intermediate
        (["--through", "client2"], set()),                    # a start
        (["--finding", "anonymous-second-hop"], {TU_ANON, AL_ANON}),
        (["--finding", "delegation"], set()),
        # ambiguous (two sessions, nothing ties the logon to one): medium
        (["--severity", "high"], set()),
        (["--severity", "medium"], {TU_ANON, AL_ANON}),
        (["--finding", "anonymous-second-hop", "--severity", "medium"], {TU_ANON, AL_ANON}),
        (["--from", "2026-03-02T10:15:00Z"], {AL_S3}),        # ends 10:20:05.45
        (["--to", "2026-03-02T10:03:00Z"], {TU_ANON}),         # starts 10:00:00.73
        (["--to", "2026-03-02T10:05:30.35Z"], {TU_ANON, AL_ANON, AL_S3}),  # inclusive
        (["--to", "2026-03-02T10:05:30.3499999Z"], {TU_ANON}),
        (["--from", "2026-03-02T10:12:40.5Z", "--to", "2026-03-02T10:12:40.5Z"],
         {TU_ANON, AL_ANON, AL_S3}),                   # alice's server3 chain spans it
        (["--from", "2026-03-02T10:01:00Z", "--to", "2026-03-02T10:02:00Z"], {TU_ANON}),
        (["--from", "2026-03-02", "--to", "2026-03-02"], {TU_ANON, AL_ANON, AL_S3}),
        (["--to", "2026-03-01"], set()),
        (["--from", "2026-03-03"], set()),
        (["--from", "2026-03-02T12:00:00+02:00", "--to", "2026-03-02T10:01:00Z"], {TU_ANON}),
        (["--min-hops", "3"], set()),
        (["--account", "alice", "--through", "server1", "--host", "server2"], {AL_ANON}),
    ]
    for args, want in cases:
        got = chain_paths(e, T, *args)
        check(got == want, "chains %s: %s, want %s" % (" ".join(args), sorted(got), sorted(want)))
    check(len(chain_paths(e, T, "--min-hops", "1")) > 3, "--min-hops 1 adds single hops")

    L = "lateral-three-hop"
    check(chain_paths(e, L) == {JSMITH}, "lateral-three-hop: the one chain")
    for through in ("srv-file", "srv-app", "10.0.2.20"):
        check(chain_paths(e, L, "--through", through) == {JSMITH}, "--through " + through)
    for through in ("ws17", "dc2", "srv-mail"):
        check(chain_paths(e, L, "--through", through) == set(), "--through %s: none" % through)
    one = chain_paths(e, L, "--through", "srv-file", "--min-hops", "1")
    check(one == {JSMITH}, "--through keeps only chains through it, also with --min-hops 1")
    check(chain_paths(e, L, "--finding", "unexpected-package") == {JSMITH}, "lateral finding")
    check(chain_paths(e, L, "--severity", "high") == set(), "lateral: nothing high")

    K = "kerberos-delegation"
    check(len(chain_paths(e, K, "--severity", "info")) == 2, "kerberos: two info chains")
    check(chain_paths(e, K, "--severity", "low") == set(), "kerberos: nothing above info")

    # hops
    F = "failed-second-hop"
    hops = e.json("hops", "--db", e.db(F), "--format", "json")["hops"]
    failed = e.json("hops", "--db", e.db(F), "--format", "json", "--failed")["hops"]
    check(len(hops) > len(failed) == 1, "hops --failed narrows to the 4625 hop")
    check(failed and failed[0]["event_id"] == 4625 and failed[0]["failed"] is True
          and failed[0]["dst_host"] == "server2" and failed[0]["src_host"] == "server1",
          "hops --failed: server1 -> server2 4625: %s" % failed)
    tu = e.json("hops", "--db", e.db(F), "--format", "json", "--account", "^testuser$")["hops"]
    check([(h["src_host"], h["dst_host"]) for h in tu] ==
          [("client1", "server1"), ("server1", "server2")], "hops --account testuser")
    s2 = e.json("hops", "--db", e.db(F), "--format", "json", "--host", "^server2$")["hops"]
    check(s2 and all("server2" in (h["src_host"], h["dst_host"]) for h in s2)
          and len(s2) < len(hops), "hops --host server2")
    win = e.json("hops", "--db", e.db(F), "--format", "json", "--from",
                 "2026-03-02T10:00:00Z", "--to", "2026-03-02T10:05:00Z")["hops"]
    check([h["time"] for h in win] == ["2026-03-02T10:00:00.7301234Z",
                                       "2026-03-02T10:04:13.0100000Z"],
          "hops --from/--to: %s" % [h["time"] for h in win])

    # sessions
    S = "seed-no-credssp"
    ses = e.json("sessions", "--db", e.db(S), "--format", "json")["sessions"]
    tu = e.json("sessions", "--db", e.db(S), "--format", "json", "--account", "^testuser$")
    tu = tu["sessions"]
    check([(x["host"], x["logon_id"], x["logon"], x["logoff"]) for x in tu] ==
          [("client1", "0x3c0be", "2026-03-02T09:58:10.1234567Z", "2026-03-02T11:40:00.0000000Z"),
           ("server1", "0x3d7ff", "2026-03-02T10:00:00.7301234Z", "2026-03-02T10:31:10.0000001Z")],
          "sessions --account testuser: %s" % tu)
    check(tu and tu[1]["duration_seconds"] == 1869.2698767 and tu[1]["src_host"] == "client1",
          "sessions: duration and source of the WinRM session")
    s2 = e.json("sessions", "--db", e.db(S), "--format", "json", "--host", "server2")["sessions"]
    check(s2 and {x["host"] for x in s2} == {"server2"} and len(s2) < len(ses),
          "sessions --host server2")
    at = e.json("sessions", "--db", e.db(S), "--format", "json", "--account", "anonymous",
                "--from", "2026-03-02T10:02:15.3Z", "--to", "2026-03-02T10:02:15.3Z")["sessions"]
    check([(x["host"], x["logon_id"]) for x in at] == [("server2", "0x435df")],
          "sessions overlapping an instant: %s" % at)

    # findings
    N = "ntlm-v1"
    f2 = e.json("findings", "--db", e.db(N), "--format", "json")["findings"]
    f1 = e.json("findings", "--db", e.db(N), "--format", "json", "--min-hops", "1")["findings"]
    check(sorted(x["id"] for x in f2) == ["ntlm-v1", "unexpected-package"],
          "ntlm-v1 findings: %s" % [x["id"] for x in f2])
    check(len(f1) > len(f2), "findings --min-hops 1 adds single-hop findings")
    hi = e.json("findings", "--db", e.db(N), "--format", "json", "--severity", "high")["findings"]
    check([x["id"] for x in hi] == ["ntlm-v1"], "findings --severity high")
    fid = e.json("findings", "--db", e.db(N), "--format", "json", "--min-hops", "1",
                 "--finding", "unexpected-package")["findings"]
    check(fid and all(x["id"] == "unexpected-package" for x in fid) and len(fid) < len(f1),
          "findings --finding")
    acc = e.json("findings", "--db", e.db(N), "--format", "json", "--min-hops", "1",
                 "--account", "^bob$")["findings"]
    check(acc and all(x["account"] == "CONTOSO\\bob" for x in acc), "findings --account")
    ho = e.json("findings", "--db", e.db(N), "--format", "json", "--host", "workstation6")
    check(len(ho["findings"]) == 2, "findings --host workstation6")
    tm = e.json("findings", "--db", e.db(N), "--format", "json", "--to", "2026-03-02T10:00:00Z")
    check(tm["findings"] == [], "findings --to before the hop")

    # hosts
    M = "missing-host-log"
    h = e.json("hosts", "--db", e.db(M), "--format", "json")["hosts"]
    check([(x["name"], x["has_log"]) for x in h if not x["has_log"]] == [("server1", False)],
          "missing-host-log: server1 has no log")
    h = e.json("hosts", "--db", e.db(M), "--format", "json", "--host", "^10\\.0\\.0\\.21$")
    check([x["name"] for x in h["hosts"]] == ["server1"], "hosts --host by address")

    # summary: 4624 success and 4625 failure counted apart
    sm = e.json("summary", "--db", e.db(F), "--format", "json", "--account", "^testuser$")
    rows = {(r["target_host"], r["src_host"], r["logon_type"]): (r["success"], r["failure"])
            for r in sm["summary"]}
    check(rows.get(("server2", "server1", 3)) == (0, 1), "summary: the failed hop: %s" % rows)
    check(rows.get(("server1", "client1", 3)) == (1, 0), "summary: the first hop")
    every = e.json("summary", "--db", e.db(F), "--format", "json")["summary"]
    host = e.json("summary", "--db", e.db(F), "--format", "json", "--host", "^server2$")
    check(host["summary"] and len(host["summary"]) < len(every) and
          all("server2" in (r["target_host"], r["src_host"]) for r in host["summary"]),
          "summary --host")
    con = sqlite3.connect(e.db(F))
    n4624, n4625 = con.execute("SELECT sum(event_id = 4624), sum(event_id = 4625) FROM events"
                               ).fetchone()
    con.close()
    check(sum(r["success"] for r in every) == n4624 and sum(r["failure"] for r in every) == n4625,
          "summary counts every 4624 and 4625 once")

    # timeline
    tl = e.json("timeline", "--db", e.db(S), "--format", "json", "--account", "^testuser(@|$)")
    tl = tl["timeline"]
    check([x["time"] for x in tl] == sorted(x["time"] for x in tl), "timeline in time order")
    check([x["record_id"] for x in tl] ==
          [150014, 1017, 1018, 1019, 150015, 20029, 20030, 20033, 1041, 1042],
          "timeline testuser (samples/README.md): %s" % [x["record_id"] for x in tl])
    tw = e.json("timeline", "--db", e.db(S), "--format", "json", "--account", "^testuser(@|$)",
                "--host", "server1")["timeline"]
    check([x["record_id"] for x in tw] == [20029, 20030, 20033], "timeline --host")
    tr = e.json("timeline", "--db", e.db(S), "--format", "json", "--account", "testuser",
                "--from", "2026-03-02T10:00:00.6203040Z", "--to", "2026-03-02T10:31:10.0000001Z")
    check([x["record_id"] for x in tr["timeline"]] == [150015, 20029, 20030, 20033],
          "timeline --from/--to inclusive")


def test_index(e):
    """--through and timeline go through indexes, not scans."""
    db = e.db("two-users-server1")
    with open(os.path.join(e.src, "queries", "chains_select.sql"), encoding="utf-8") as f:
        sql = f.read()
    p = e.run("sql", "--db", db, "--format", "json", "EXPLAIN QUERY PLAN " + sql)
    plan = [r["detail"] for r in json.loads(p.stdout)["rows"]]
    text = "\n".join(plan)
    check(re.search(r"SEARCH h USING (COVERING )?INDEX hops_dst \(dst_host=\?\)", text),
          "--through searches hops by hops_dst:\n" + text)
    check(re.search(r"SEARCH ch USING (COVERING )?INDEX chain_hops_hop \(hop=\?\)", text),
          "--through searches chain_hops by chain_hops_hop:\n" + text)
    check(re.search(r"SEARCH a USING (COVERING )?INDEX host_addresses_address", text),
          "--through finds addresses by index:\n" + text)
    check(not re.search(r"SCAN (h|ch|x|a)\b", text), "--through scans nothing:\n" + text)
    with open(os.path.join(e.src, "queries", "timeline.sql"), encoding="utf-8") as f:
        sql = f.read()
    p = e.run("sql", "--db", db, "--format", "json", "EXPLAIN QUERY PLAN " + sql)
    text = "\n".join(r["detail"] for r in json.loads(p.stdout)["rows"])
    check("events_target_user (target_user=?" in text and
          "events_subject_user (subject_user=?" in text,
          "timeline reads events through the user indexes:\n" + text)
    check(not re.search(r"SCAN (e|events)\b", text), "timeline scans no events table:\n" + text)


# --- hostile strings ---------------------------------------------------------

EVIL = "x\x1b[31mEVIL\x1b[0m'\"; DROP TABLE hops; --\x07\x9b"


def test_hostile(e):
    db = os.path.join(e.tmp, "hostile.db")
    shutil.copy(e.db("seed-no-credssp"), db)
    con = sqlite3.connect(db)
    hop = con.execute("SELECT h.id, h.event FROM hops h JOIN chain_hops ch ON ch.hop = h.id "
                      "WHERE ch.position = 1 AND ch.chain = (SELECT chain FROM chain_hops "
                      "WHERE position = 2)").fetchone()
    con.execute("UPDATE hops SET account = ? WHERE id = ?", ("CONTOSO\\" + EVIL, hop[0]))
    con.execute("UPDATE events SET target_user = ?, data = json_set(data, '$.TargetUserName', ?) "
                "WHERE id = ?", (EVIL, EVIL, hop[1]))
    con.execute("UPDATE hosts SET name = ? WHERE name = 'client1'", ("cl\x1b]0;t\x07ient1",))
    # a host name a spreadsheet would run, and one turned around by a
    # right-to-left override (shown as "server2exe.txt" without the escape)
    con.execute("UPDATE hosts SET name = ? WHERE name = 'server1'",
                ("=HYPERLINK(\"http://x/\"&A1)",))
    con.execute("UPDATE hosts SET name = ? WHERE name = 'server2'", ("server2\u202etxt.exe",))
    con.execute("UPDATE findings SET what = ? WHERE code = 'anonymous-second-hop'",
                ("what " + EVIL,))
    con.execute("DELETE FROM logon_summary")
    con.execute("INSERT INTO logon_summary (target_account, target_host, success, failure, "
                "first_ticks, first_text, last_ticks, last_text) VALUES (?, ?, 1, 0, 0, "
                "'t', 0, 't')", ("CONTOSO\\" + EVIL, "@SUM(1)\u202e"))
    con.commit()
    con.close()
    before = digest(db)
    # (the views; whether they show a host of the override)
    views = [
        (["chains", "--db", db], True),
        (["chains", "--db", db, "--format", "csv"], True),
        (["chains", "--db", db, "--format", "dot"], False),
        (["hops", "--db", db], True),
        (["hops", "--db", db, "--format", "csv"], True),
        (["findings", "--db", db], True),
        (["findings", "--db", db, "--format", "csv"], True),
        (["hosts", "--db", db], True),
        (["hosts", "--db", db, "--format", "csv"], True),
        (["sessions", "--db", db, "--host", "^cl"], False),
        (["summary", "--db", db], True),
        (["summary", "--db", db, "--format", "csv"], True),
        (["timeline", "--db", db, "--account", "EVIL"], False),
        (["sql", "--db", db, "SELECT account FROM hops WHERE account LIKE '%EVIL%'"], False),
        (["sql", "--db", db, "--format", "csv", "SELECT name FROM hosts ORDER BY id"], True),
    ]
    for v, bidi in views:
        p = e.run(*v)
        what = " ".join(v[:1] + v[3:])
        check("\u202e".encode() not in p.stdout, "%s: a raw right-to-left override" % what)
        check(not bidi or b"server2\\u202etxt.exe" in p.stdout or b"@SUM(1)\\u202e" in p.stdout,
              "%s: the override shown as \\u202e: %r" % (what, p.stdout[:300]))
        if "csv" in v:
            check(b",=" not in p.stdout and b"\n=" not in p.stdout and b",@" not in p.stdout
                  and b"\n@" not in p.stdout, "%s: a formula reaches the CSV: %r" % (what, p.stdout))
            check(b"'=HYPERLINK(" in p.stdout or b"'@SUM(1)" in p.stdout,
                  "%s: formula made text with a ': %r" % (what, p.stdout))
        raw = sorted({c for c in p.stdout if (c < 0x20 and c not in (0x0A,)) or c == 0x7F})
        check(not raw, "%s: raw control bytes %s in %r" % (what, raw, p.stdout[:300]))
        check(b"\xc2\x9b" not in p.stdout, "%s: raw C1 CSI" % what)
        if v[0] not in ("hosts", "sessions") and "--format" not in v:
            check(b"\\x1b[31mEVIL" in p.stdout,
                  "%s: the escape shown as \\x1b: %r" % (v[0], p.stdout[:400]))
    # --csv-raw: the values as stored
    p = e.run("sql", "--db", db, "--format", "csv", "--csv-raw", "SELECT name FROM hosts "
              "WHERE name LIKE '=%' OR name LIKE 'server2%' ORDER BY id")
    check(p.stdout == ('name\n"=HYPERLINK(""http://x/""&A1)"\nserver2\u202etxt.exe\n'
                       .encode()), "sql --csv-raw: %r" % p.stdout)
    # JSON carries the string itself
    c = e.json("chains", "--db", db, "--format", "json")
    accounts = [h["account"] for ch in c.get("chains", []) for h in ch["hops"]]
    check("CONTOSO\\" + EVIL in accounts, "json keeps the account as it is stored")
    # the pattern is data: quotes, semicolons and SQL in it match literally
    for pattern in [re.escape("'\"; DROP TABLE hops; --"), "EVIL", "\\x1b\\[31m"]:
        got = e.json("chains", "--db", db, "--format", "json", "--account", pattern)
        check(len(got.get("chains", [])) == 1, "chains --account %r finds the planted account"
              % pattern)
        got = e.json("hops", "--db", db, "--format", "json", "--account", pattern)
        check(len(got.get("hops", [])) == 1, "hops --account %r" % pattern)
    got = e.json("chains", "--db", db, "--format", "json", "--through", "x' OR 1=1 --")
    check(got.get("chains") == [], "--through with SQL is a name that matches nothing")
    got = e.json("summary", "--db", db, "--format", "json", "--account", "DROP TABLE")
    check(len(got.get("summary", [])) == 1, "summary --account matches the planted row")
    check(digest(db) == before, "the hostile store is unchanged")
    con = sqlite3.connect(db)
    check(con.execute("SELECT count(*) FROM hops").fetchone()[0] > 0, "hops still there")
    con.close()


def digest(path):
    h = hashlib.sha256()
    for suffix in ("", "-wal"):
        if os.path.exists(path + suffix):
            with open(path + suffix, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


# --- sql ---------------------------------------------------------------------

def test_sql(e):
    db = os.path.join(e.tmp, "sql.db")
    shutil.copy(e.db("seed-no-credssp"), db)
    before = digest(db)
    victim = os.path.join(e.tmp, "made-by-sql.db")
    refused = [
        "INSERT INTO warnings (message) VALUES ('x')",
        "UPDATE hosts SET name = 'x'",
        "DELETE FROM hops",
        "DROP TABLE hops",
        "CREATE TABLE t (x)",
        "CREATE TEMP TABLE t (x)",
        "ALTER TABLE hosts ADD COLUMN x",
        "ATTACH '%s' AS a" % victim,
        "ATTACH ':memory:' AS m",
        "ATTACH '%s' AS a; CREATE TABLE a.t (x)" % victim,
        "DETACH main",
        "PRAGMA user_version = 5",
        "PRAGMA query_only = 0",
        "PRAGMA journal_mode = DELETE",
        "PRAGMA writable_schema = ON",
        "PRAGMA wal_checkpoint",
        "PRAGMA optimize",
        "VACUUM",
        "VACUUM INTO '%s'" % victim,
        "REINDEX",
        "ANALYZE",
        "BEGIN",
        "WITH x AS (SELECT 1) INSERT INTO warnings (message) SELECT 'a' FROM x",
        "SELECT 1; DELETE FROM hops",
        "SELECT load_extension('/tmp/x')",
        "",
        "-- only a comment",
    ]
    for sql in refused:
        p = e.run("sql", "--db", db, sql, ok=None)
        check(p.returncode == 2, "sql %r: exit %d, want 2 (%s)" % (sql, p.returncode,
                                                                   p.stderr[:200]))
        check(p.stdout == b"", "sql %r: no output" % sql)
        check(len(p.stderr.splitlines()) == 2 and b"Try 'hopchain sql --help'" in p.stderr,
              "sql %r: one line and a hint: %r" % (sql, p.stderr))
    check(digest(db) == before, "the store is unchanged after the refused statements")
    check(not os.path.exists(victim), "no file was made by ATTACH or VACUUM INTO")
    # reads
    rows = e.json("sql", "--db", db, "--format", "json",
                  "SELECT name FROM hosts WHERE name REGEXP '^server[0-9]$' ORDER BY name")
    check(rows.get("rows") == [{"name": "server1"}, {"name": "server2"}], "REGEXP: %s" % rows)
    rows = e.json("sql", "--db", db, "--format", "json",
                  "SELECT count(*) AS n FROM hosts WHERE name REGEXP '^SERVER'")
    check(rows.get("rows") == [{"n": 0}], "REGEXP is case-sensitive")
    rows = e.json("sql", "--db", db, "--format", "json",
                  "SELECT count(*) AS n FROM hosts WHERE regexp_nocase('^SERVER', name)")
    check(rows.get("rows") == [{"n": 2}], "regexp_nocase")
    rows = e.json("sql", "--db", db, "--format", "json",
                  "SELECT NULL REGEXP 'x' AS a, 'x' REGEXP NULL AS b, 'é' REGEXP '^.$' AS c")
    check(rows.get("rows") == [{"a": None, "b": None, "c": 1}], "REGEXP NULL and UTF-8: %s"
          % rows)
    rows = e.json("sql", "--db", db, "--format", "json",
                  "SELECT logon_type_name(10) AS t, logon_type_name(99) AS u, "
                  "x'00ff' AS b, 1.25 AS r, 'a' AS k, 'b' AS k")
    check(rows.get("rows") == [{"t": "RemoteInteractive", "u": None, "b": "00ff", "r": 1.25,
                                "k": "a", "k_2": "b"}], "functions, types, names: %s" % rows)
    rows = e.json("sql", "--db", db, "--format", "json", "PRAGMA table_info(hosts)")
    check([r["name"] for r in rows.get("rows", [])][:2] == ["id", "name"], "PRAGMA table_info")
    rows = e.json("sql", "--db", db, "--format", "json", "PRAGMA user_version")
    check(rows.get("rows") == [{"user_version": 3}], "PRAGMA user_version reads")
    p = e.run("sql", "--db", db, "--format", "csv", "SELECT 1 AS one;  -- trailing comment")
    check(p.stdout == b"one\n1\n", "one statement with a trailing comment")
    # a bad pattern: usage error at its offset
    p = e.run("sql", "--db", db, "SELECT name FROM hosts WHERE name REGEXP 'serv(er'", ok=None)
    check(p.returncode == 2 and b"missing closing parenthesis at offset 7" in p.stderr
          and b"serv(er" in p.stderr,
          "bad REGEXP: exit 2 at offset 7: %d %r" % (p.returncode, p.stderr))
    p = e.run("sql", "--db", db, "SELECT name FROM hosts WHERE name REGEXP 'a{2,1}'", ok=None)
    check(p.returncode == 2 and b"offset" in p.stderr, "bad quantifier: exit 2 with an offset")
    # catastrophic backtracking stops at PCRE2's match limit (exit 1)
    p = e.run("sql", "--db", db, "SELECT 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' "
              "REGEXP '^(a+)+$'", ok=None)
    check(p.returncode == 1 and b"match limit" in p.stderr,
          "match limit: exit %d %r" % (p.returncode, p.stderr))
    p = e.run("sql", "--db", db, "SELEC 1", ok=None)
    check(p.returncode == 2 and b"syntax error" in p.stderr, "syntax error is exit 2")
    p = e.run("sql", "--db", db, "SELECT * FROM no_such_table", ok=None)
    check(p.returncode == 2 and b"no such table" in p.stderr, "unknown table is exit 2")
    p = e.run("sql", "--db", db, "SELECT 1", "SELECT 2", ok=None)
    check(p.returncode == 2, "two arguments are a usage error")
    check(digest(db) == before, "the store is unchanged after the reads")
    test_sql_reads(e, db)
    test_sql_bounds(e, db)
    check(digest(db) == before, "the store is unchanged after the bounded statements")


def test_sql_reads(e, db):
    """Table-valued functions and reporting pragmas that only read work;
    what writes or leaks stays refused."""
    rows = e.json("sql", "--db", db, "--format", "json",
                  "SELECT key, value FROM json_each('[10,20]') ORDER BY key")
    check(rows.get("rows") == [{"key": 0, "value": 10}, {"key": 1, "value": 20}],
          "json_each: %s" % rows)
    rows = e.json("sql", "--db", db, "--format", "json",
                  "SELECT count(*) AS n FROM json_tree('{\"a\":[1,2]}')")
    check(rows.get("rows") == [{"n": 4}], "json_tree: %s" % rows)
    rows = e.json("sql", "--db", db, "--format", "json",
                  "SELECT e.key FROM hops h, json_each(json_array(h.account)) e LIMIT 1")
    check(len(rows.get("rows", [])) == 1, "json_each over a table: %s" % rows)
    rows = e.json("sql", "--db", db, "--format", "json",
                  "SELECT name FROM pragma_table_info('hosts') ORDER BY cid LIMIT 2")
    check(rows.get("rows") == [{"name": "id"}, {"name": "name"}], "pragma_table_info: %s" % rows)
    rows = e.json("sql", "--db", db, "--format", "json",
                  "SELECT count(*) > 0 AS n FROM pragma_index_list('hops')")
    check(rows.get("rows") == [{"n": 1}], "pragma_index_list: %s" % rows)
    # a table-valued pragma takes a schema name, never a value to set
    p = e.run("sql", "--db", db, "SELECT * FROM pragma_journal_mode('delete')", ok=None)
    check(p.returncode == 1 and b"unknown database 'delete'" in p.stderr,
          "pragma_journal_mode('delete') names a schema: %d %r" % (p.returncode, p.stderr))
    for sql in ("PRAGMA journal_mode", "SELECT * FROM pragma_journal_mode",
                "SELECT * FROM pragma_journal_mode('main')"):
        rows = e.json("sql", "--db", db, "--format", "json", sql)
        check(len(rows.get("rows", [])) == 1 and
              list(rows["rows"][0].values())[0] in ("delete", "wal"), "%s: %s" % (sql, rows))
    for sql in ("PRAGMA foreign_keys", "PRAGMA encoding", "PRAGMA page_count",
                "PRAGMA query_only", "PRAGMA data_version", "PRAGMA quick_check",
                "PRAGMA table_list", "PRAGMA index_list(hops)"):
        p = e.run("sql", "--db", db, "--format", "jsonl", sql, ok=None)
        check(p.returncode == 0 and p.stdout, "%s reads: exit %d %r" % (sql, p.returncode,
                                                                      p.stderr))
    for sql, msg in (("SELECT fts3_tokenizer('simple')", b"fts3_tokenizer"),
                     ("SELECT hex(fts3_tokenizer('simple'))", b"fts3_tokenizer"),
                     ("UPDATE sqlite_master SET sql = ''", b"may not be modified"),
                     ("SELECT * FROM pragma_user_version(3)", b""),
                     ("PRAGMA journal_mode = WAL", b"refused")):
        p = e.run("sql", "--db", db, sql, ok=None)
        check(p.returncode == 2 and msg in p.stderr and p.stdout == b"",
              "%s: exit %d, want 2: %r" % (sql, p.returncode, p.stderr))


def maxrss_mib(args, e):
    """Runs hopchain in a child of its own, stdout to a file; returns (the
    process with the first 4 KiB of stdout, peak RSS of hopchain in MiB)."""
    code = ("import resource, subprocess, sys\n"
            "with open(sys.argv[1], 'wb') as out:\n"
            "    p = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.PIPE,\n"
            "                       timeout=300)\n"
            "sys.stdout.buffer.write(b'%d\\n%d\\n' % (p.returncode, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) + p.stderr[-2000:])\n")
    env = dict(os.environ, NO_COLOR="1", TERM="dumb")
    out_path = os.path.join(e.tmp, "rss.out")
    res = subprocess.run([sys.executable, "-c", code, out_path, e.hopchain] + args, cwd=e.src,
                         env=env, capture_output=True, timeout=600).stdout
    rc, rss, err = res.split(b"\n", 2)
    with open(out_path, "rb") as f:
        head = f.read(4096)
    os.unlink(out_path)
    return subprocess.CompletedProcess(args, int(rc), head, err), int(rss) / 1024.0


FOREVER = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "


def test_sql_bounds(e, db):
    """A statement that would run for ever stops at --max-time; values
    longer than 64 MiB and more than 1 GiB of SQLite memory are refused;
    rows are printed as they come (the output grows, memory does not)."""
    p = e.run("sql", "--db", db, "--max-time", "1s", FOREVER + "SELECT count(*) FROM c", ok=None)
    check(p.returncode == 1 and b"--max-time" in p.stderr and p.stdout == b"",
          "endless CTE stopped: exit %d %r" % (p.returncode, p.stderr))
    for bad in ("-1", "x", "5q", "nan"):
        p = e.run("sql", "--db", db, "--max-time", bad, "SELECT 1", ok=None)
        check(p.returncode == 2 and b"--max-time wants" in p.stderr, "--max-time %s: %r" %
              (bad, p.stderr))
    p = e.run("sql", "--db", db, "--max-time", "0", "--format", "csv", "SELECT 1 AS one")
    check(p.stdout == b"one\n1\n", "--max-time 0: no limit")
    p, rss = maxrss_mib(["sql", "--db", db, "SELECT length(randomblob(1000000000)) AS n"], e)
    check(p.returncode == 1 and b"64 MiB" in p.stderr and (rss < 400 or e.sanitized),
          "randomblob(1e9): exit %d, %.0f MiB: %r" % (p.returncode, rss, p.stderr))
    # a temporary b-tree of 2 GB (DISTINCT over long strings): stopped at 1 GiB
    p, rss = maxrss_mib(["sql", "--db", db, "--format", "csv",
                         FOREVER + "SELECT count(*) FROM (SELECT DISTINCT "
                         "printf('%.*c', 1000, 'x') || x FROM c LIMIT 2000000)"], e)
    check(p.returncode == 1 and b"1 GiB" in p.stderr and (rss < 1600 or e.sanitized),
          "a 2 GB DISTINCT: exit %d, %.0f MiB: %r" % (p.returncode, rss, p.stderr))
    # rows are printed as they come: a statement stopped after 0.1 s in
    # SQLite has printed tens of thousands of rows of 1 KB (buffered they
    # would take tens of MiB first, and none would be printed)
    for fmt, head in (("jsonl", b'{"x":1,'), ("csv", b"x,pad\n1,"),
                      ("json", b'{"rows": [\n  {"x":1,')):
        p, rss = maxrss_mib(["sql", "--db", db, "--format", fmt, "--max-time", "0.1",
                             FOREVER + "SELECT x, printf('%.1000c', 'p') AS pad FROM c"], e)
        check(p.returncode == 1 and p.stdout.startswith(head) and len(p.stdout) == 4096 and
              b"--max-time" in p.stderr,
              "%s: rows printed as they come, then stopped: exit %d %r %r" %
              (fmt, p.returncode, p.stdout[:60], p.stderr))
        check(rss < 40 or e.sanitized, "%s: streamed, memory flat: %.0f MiB" % (fmt, rss))
    # the table view keeps rows for their widths: at most 100,000
    p = e.run("sql", "--db", db, FOREVER + "SELECT x FROM c LIMIT 100005", ok=None)
    check(p.returncode == 0 and p.stdout.count(b"\n") == 100001 and b"100000 rows" in p.stderr,
          "table view capped: exit %d, %d lines, %r" % (p.returncode, p.stdout.count(b"\n"),
                                                        p.stderr))


# --- stores that are not ours -----------------------------------------------

def test_stores(e):
    cmds = [["chains"], ["hops"], ["sessions"], ["findings"], ["hosts"], ["summary"],
            ["timeline", "--account", "x"], ["sql", "SELECT 1"]]
    absent = os.path.join(e.tmp, "absent.db")
    text = os.path.join(e.tmp, "text.db")
    with open(text, "w") as f:
        f.write("this is not an SQLite database\n" * 200)
    other = os.path.join(e.tmp, "other.db")
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE events (x)")
    con.commit()
    con.close()
    empty = os.path.join(e.tmp, "empty.db")
    open(empty, "w").close()
    v99 = os.path.join(e.tmp, "v99.db")
    shutil.copy(e.db("seed-no-credssp"), v99)
    con = sqlite3.connect(v99)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    want = {absent: b"", text: b"not an SQLite database", other: b"not a hopchain store",
            empty: b"not a hopchain store", v99: b"schema version 99"}
    for path, msg in want.items():
        before = digest(path) if os.path.exists(path) else None
        for c in cmds:
            p = e.run(c[0], "--db", path, *c[1:], ok=None)
            check(p.returncode == 1, "%s on %s: exit %d, want 1" % (c[0], os.path.basename(path),
                                                                    p.returncode))
            check(p.stdout == b"" and msg in p.stderr and path.encode() in p.stderr,
                  "%s on %s: %r" % (c[0], os.path.basename(path), p.stderr))
        check(os.path.exists(path) == (before is not None), "%s not created" % path)
        if before:
            check(digest(path) == before, "%s untouched" % os.path.basename(path))
    check(not os.path.exists(empty + "-wal") and os.path.getsize(empty) == 0,
          "the empty file stays empty")


# --- read-only media ---------------------------------------------------------

QUERIES = [["chains"], ["chains", "--format", "json"], ["hops"], ["sessions"], ["findings"],
           ["hosts"], ["summary"], ["timeline", "--account", "."],
           ["sql", "SELECT count(*) FROM events"], ["sql", "PRAGMA journal_mode"]]


def journal_mode(path):
    """The journal mode a database file is at rest: 'wal' or 'rollback'
    (bytes 18 and 19 of the header: 2 for WAL, 1 for the rollback journal)."""
    with open(path, "rb") as f:
        head = f.read(20)
    return "wal" if head[18:20] == b"\x02\x02" else "rollback" if head[18:20] == b"\x01\x01" \
        else repr(head[18:20])


def run_as(e, pre, *args):
    env = dict(os.environ, NO_COLOR="1", TERM="dumb")
    return subprocess.run(pre + [e.hopchain] + list(args), cwd="/", env=env,
                          capture_output=True, timeout=120)


def queries_on(e, what, db, pre=()):
    """Every query command on `db` where nothing may be written: all work
    and no file appears beside it."""
    d = os.path.dirname(db)
    before = sorted(os.listdir(d))
    want = e.json("chains", "--db", e.db("seed-no-credssp"), "--format", "json")
    for q in QUERIES:
        p = run_as(e, list(pre), q[0], "--db", db, *q[1:])
        check(p.returncode == 0 and p.stdout, "%s: %s: exit %d %r" % (what, " ".join(q),
                                                                    p.returncode, p.stderr))
        if q[1:] == ["--format", "json"] and p.returncode == 0:
            check(json.loads(p.stdout) == want, "%s: the same chains as from the original"
                  % what)
    check(sorted(os.listdir(d)) == before, "%s: no file made beside the case: %s" %
          (what, sorted(set(os.listdir(d)) - set(before))))


def test_readonly(e):
    src = os.path.join("samples", "seed-no-credssp")
    work = tempfile.mkdtemp(prefix="hc-ro-")
    os.chmod(work, 0o755)
    try:
        # writers leave one file in rollback journal mode
        cases = {}
        for how, args in (("ingest", ["ingest", "--quiet"]), ("analyze", ["analyze"]),
                          ("correlate", None)):
            db = os.path.join(work, how + ".db")
            if args is None:
                e.run("ingest", "--quiet", "--db", db, src)
                e.run("correlate", "--quiet", "--db", db, "--skew", "1m")
            else:
                e.run(*(args + ["--db", db, src]))
            cases[how] = db
            left = sorted(f for f in os.listdir(work) if f.startswith(how + ".db"))
            check(left == [how + ".db"], "%s: the case at rest is one file: %s" % (how, left))
            check(journal_mode(db) == "rollback", "%s: at rest in rollback journal mode, "
                  "not %s" % (how, journal_mode(db)))
        # a case in WAL mode, as an older hopchain left it
        old = os.path.join(work, "old.db")
        shutil.copy(cases["ingest"], old)
        con = sqlite3.connect(old)
        con.execute("PRAGMA journal_mode = WAL")
        con.close()
        check(journal_mode(old) == "wal", "old.db is in WAL mode")
        # in a writable folder: nothing made beside a case at rest
        queries_on(e, "writable folder", cases["ingest"])
        # a case copied with a write-ahead log of a writer that did not
        # finish: refused where no -shm can be made, saying how to recover
        pend = os.path.join(work, "pending")
        os.mkdir(pend)
        con = sqlite3.connect(old)
        con.execute("CREATE TABLE notes (x)")
        con.execute("INSERT INTO notes VALUES (1)")
        con.commit()
        shutil.copy(old, os.path.join(pend, "case.db"))
        shutil.copy(old + "-wal", os.path.join(pend, "case.db-wal"))
        con.close()
        for f in os.listdir(pend):
            os.chmod(os.path.join(pend, f), 0o444)
        os.chmod(pend, 0o555)
        pre = [] if os.geteuid() != 0 else \
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        if os.geteuid() != 0 or shutil.which("setpriv"):
            p = run_as(e, pre, "hosts", "--db", os.path.join(pend, "case.db"))
            check(p.returncode == 1 and b"write-ahead log" in p.stderr and
                  b"hopchain correlate" in p.stderr, "a pending -wal on read-only media: "
                  "exit %d %r" % (p.returncode, p.stderr))
        os.chmod(pend, 0o755)

        made = 0
        for name in ("ingest", "old"):
            ro = os.path.join(work, "ro-" + name)
            os.mkdir(ro)
            db = os.path.join(ro, "case.db")
            shutil.copy(os.path.join(work, name + ".db"), db)
            os.chmod(db, 0o444)
            os.chmod(ro, 0o555)
            if os.geteuid() != 0:
                queries_on(e, "read-only folder (%s)" % name, db)
                made += 1
            elif shutil.which("setpriv"):
                # root ignores permission bits: read as nobody
                queries_on(e, "read-only folder as nobody (%s)" % name, db,
                           ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
                made += 1
            os.chmod(ro, 0o755)
        if os.geteuid() == 0:
            made += readonly_root(e, work)
        if made == 0:
            print("readonly: no place nothing may be written to could be made here: only "
                  "the writable-folder checks ran", file=sys.stderr)
    finally:
        subprocess.run(["chattr", "-R", "-i", work], capture_output=True)
        for r, ds, fs in os.walk(work):
            for x in ds:
                os.chmod(os.path.join(r, x), 0o755)
        shutil.rmtree(work, ignore_errors=True)


def readonly_root(e, work):
    """As root: a read-only tmpfs and an immutable directory (chattr +i),
    which root cannot write either, when this system lets us make them."""
    made = 0
    mnt = os.path.join(work, "mnt")
    os.mkdir(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt],
                      capture_output=True).returncode == 0:
        try:
            for name in ("ingest", "old"):
                db = os.path.join(mnt, name + ".db")
                shutil.copy(os.path.join(work, name + ".db"), db)
            if subprocess.run(["mount", "-o", "remount,ro", mnt],
                              capture_output=True).returncode == 0:
                check(subprocess.run(["touch", os.path.join(mnt, "x")],
                                     capture_output=True).returncode != 0,
                      "the read-only tmpfs refuses root")
                for name in ("ingest", "old"):
                    queries_on(e, "read-only tmpfs (%s)" % name, os.path.join(mnt, name + ".db"))
                made += 1
        finally:
            subprocess.run(["umount", mnt], capture_output=True)
    imm = os.path.join(work, "immutable")
    os.mkdir(imm)
    for name in ("ingest", "old"):
        shutil.copy(os.path.join(work, name + ".db"), os.path.join(imm, name + ".db"))
    if subprocess.run(["chattr", "+i", imm], capture_output=True).returncode == 0:
        try:
            check(subprocess.run(["touch", os.path.join(imm, "x")],
                                 capture_output=True).returncode != 0,
                  "the immutable directory refuses root")
            for name in ("ingest", "old"):
                queries_on(e, "immutable directory (%s)" % name, os.path.join(imm, name + ".db"))
            made += 1
        finally:
            subprocess.run(["chattr", "-i", imm], capture_output=True)
    return made


# --- usage -------------------------------------------------------------------

def test_usage(e):
    db = e.db("seed-no-credssp")
    bad = [
        (["chains"], b"--db CASE.db is required"),
        (["chains", "--db", db, "--format", "xml"], b"unknown format 'xml'"),
        (["hops", "--db", db, "--format", "dot"], b"unknown format 'dot'"),
        (["chains", "--db", db, "--account", "a(b"], b"--account 'a(b': missing closing "
                                                     b"parenthesis at offset 3"),
        (["hops", "--db", db, "--host", "[z-a]"], b"--host '[z-a]': range out of order in "
                                                  b"character class at offset 3"),
        (["timeline", "--db", db, "--account", "*x"], b"at offset 0"),
        (["timeline", "--db", db], b"--account RE is required"),
        (["chains", "--db", db, "--from", "yesterday"], b"--from wants an RFC 3339"),
        (["chains", "--db", db, "--to", "2026-02-30"], b"--to wants an RFC 3339"),
        (["chains", "--db", db, "--from", "2026-03-03", "--to", "2026-03-02"],
         b"--from is after --to"),
        (["chains", "--db", db, "--min-hops", "0"], b"--min-hops wants 1..64"),
        (["chains", "--db", db, "--severity", "critical"], b"--severity wants"),
        (["chains", "--db", db, "--finding", "Bad Id"], b"--finding wants"),
        (["chains", "--db", db, "--through", ""], b"--through wants"),
        (["hosts", "--db", db, "--account", "x"], b"unknown option '--account'"),
        (["summary", "--db", db, "--through", "x"], b"unknown option '--through'"),
        (["hops", "--db", db, "extra"], b"unexpected argument 'extra'"),
        (["sql", "--db", db], b"no SQL statement given"),
    ]
    for args, msg in bad:
        p = e.run(*args, ok=None)
        check(p.returncode == 2, "%s: exit %d, want 2" % (" ".join(args[:1] + args[2:]),
                                                          p.returncode))
        check(msg in p.stderr and len(p.stderr.splitlines()) == 2 and p.stdout == b"",
              "%s: %r" % (" ".join(args[:1] + args[2:]), p.stderr))
    for c in ("chains", "hops", "sessions", "findings", "hosts", "summary", "timeline", "sql"):
        p = e.run(c, "--help")
        check(p.returncode == 0 and p.stdout.startswith(b"usage: hopchain " + c.encode())
              and b"--db CASE.db" in p.stdout and p.stderr == b"", "%s --help" % c)
    p = e.run("--help")
    for c in ("chains", "hops", "sessions", "findings", "hosts", "summary", "timeline", "sql"):
        check(("\n  %-10s " % c).encode() in p.stdout, "hopchain --help lists " + c)


SECTIONS = {"contract": test_contract, "filters": test_filters, "index": test_index,
            "hostile": test_hostile, "sql": test_sql, "stores": test_stores,
            "readonly": test_readonly, "usage": test_usage}


def main():
    ap = argparse.ArgumentParser(description="behaviour of the query commands")
    ap.add_argument("--hopchain", required=True)
    ap.add_argument("--src", default=os.path.dirname(os.path.dirname(HERE)))
    ap.add_argument("--sanitized", action="store_true",
                    help="a sanitizer build: its allocator keeps freed memory, so peak "
                         "memory is not checked")
    ap.add_argument("sections", nargs="*", choices=[[]] + sorted(SECTIONS), default=[])
    a = ap.parse_args()
    src = os.path.abspath(a.src)
    if not os.path.isdir(os.path.join(src, "samples", "seed-no-credssp")):
        hctest.skip("no samples under %s" % os.path.join(src, "samples"))
    tmp = tempfile.mkdtemp(prefix="hc-query-test-")
    try:
        e = Env(os.path.abspath(a.hopchain), src, tmp)
        e.sanitized = a.sanitized
        for name in a.sections or list(SECTIONS):
            before = hctest.failures
            SECTIONS[name](e)
            print("%-8s %s" % (name, "ok" if hctest.failures == before else
                               "%d failed" % (hctest.failures - before)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d checks, %d failed" % (hctest.checks, hctest.failures))
    return 1 if hctest.failures else 0


if __name__ == "__main__":
    sys.exit(main())
