#!/usr/bin/python3
"""`hopchain analyze --db X --format json SAMPLES`: the store agrees with the
JSON output (chains, hops, links, evidence, findings, hosts); a second run
replaces the analysis; a store of another schema version is exit 1 with a
message naming it, before any input is read."""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402
from hctest import check  # noqa: E402


def run(hopchain, db, samples):
    p = subprocess.run([hopchain, "analyze", "--db", db, "--format", "json", "--min-hops", "1", "--all",
                        samples], capture_output=True, text=True)
    check(p.returncode == 0, f"analyze --db exit {p.returncode}: {p.stderr}")
    return json.loads(p.stdout) if p.returncode == 0 else None


def compare(db, out):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    q = lambda sql, *a: con.execute(sql, a).fetchall()
    check(q("PRAGMA user_version")[0][0] >= 1, "user_version set")
    # at rest one file: the writer left the rollback journal (file_at_rest.sql)
    check(q("PRAGMA journal_mode")[0][0] == "delete", "journal_mode delete at rest")
    check(not q("PRAGMA foreign_key_check"), "foreign keys hold")

    chains = {r["name"]: r for r in q("SELECT * FROM chains")}
    check(len(chains) == len(out["chains"]),
          f"{len(chains)} chains in the store, {len(out['chains'])} in JSON (--min-hops 1 --all)")
    for c in out["chains"]:
        r = chains.get(c["id"])
        check(r is not None, f"chain {c['id']} in the store")
        if r is None:
            continue
        check(r["start_text"] == c["start"] and r["end_text"] == c["end"],
              f"{c['id']} start/end")
        check(r["nhops"] == len(c["hops"]), f"{c['id']} nhops")
        hops = q("""SELECT ch.position, ch.link, h.*, s.name AS src_name, d.name AS dst_name,
                           e.event_id AS ev_id, e.record_id AS ev_record
                    FROM chain_hops ch JOIN hops h ON h.id = ch.hop
                    LEFT JOIN hosts s ON s.id = h.src_host JOIN hosts d ON d.id = h.dst_host
                    JOIN events e ON e.id = h.event
                    WHERE ch.chain = ? ORDER BY ch.position""", r["id"])
        check(len(hops) == len(c["hops"]), f"{c['id']} chain_hops")
        for jh, sh in zip(c["hops"], hops):
            where = f"{c['id']} hop {jh['index']}"
            check(sh["position"] == jh["index"], f"{where} position")
            check(sh["src_name"] == jh["src_host"], f"{where} src_host")
            check(sh["dst_name"] == jh["dst_host"], f"{where} dst_host")
            check(sh["src_ip"] == jh["src_ip"], f"{where} src_ip")
            check(sh["src_how"] == jh["source_resolved_by"], f"{where} source_resolved_by")
            check(sh["time_text"] == jh["time"], f"{where} time")
            check(sh["account"] == jh["account"], f"{where} account")
            check(sh["account_sid"] == jh["account_sid"], f"{where} account_sid")
            check(sh["package"] == jh["package"], f"{where} package")
            check(sh["lm_package"] == jh["lm_package"], f"{where} lm_package")
            check(sh["logon_type"] == jh["logon_type"], f"{where} logon_type")
            check(sh["impersonation"] == jh["impersonation"], f"{where} impersonation")
            check(bool(sh["anonymous"]) == jh["anonymous"], f"{where} anonymous")
            check(bool(sh["failed"]) == jh["failed"], f"{where} failed")
            check(sh["class"] == jh["class"], f"{where} class")
            check(sh["ev_id"] == jh["event_id"], f"{where} event_id")
            ev = [e for e in jh["evidence"] if e["role"] != "source-session"]
            rows = q("""SELECT x.role, e.event_id, e.record_id, f.path FROM hop_evidence x
                        JOIN events e ON e.id = x.event JOIN files f ON f.id = e.file
                        WHERE x.hop = ? ORDER BY x.position""", sh["id"])
            check([(e["role"], e["event_id"], e["record_id"], e["file"]) for e in ev] ==
                  [tuple(x) for x in rows], f"{where} evidence")
            if jh["session"] is None:
                check(sh["session"] is None, f"{where} no session")
            else:
                s = q("SELECT * FROM sessions WHERE id = ?", sh["session"])[0]
                check(f"0x{s['logon_id']:x}" == jh["session"]["logon_id"], f"{where} logon id")
                check(s["start_text"] == jh["session"]["start"], f"{where} session start")
                check(s["end_text"] == jh["session"]["end"], f"{where} session end")
                check(bool(s["end_seen"]) == jh["session"]["logoff_seen"], f"{where} logoff")
                check(bool(s["privileged"]) == jh["session"]["privileged"], f"{where} priv")
            if jh["link"] is None:
                check(sh["link"] is None, f"{where} no link")
            else:
                l = q("SELECT * FROM links WHERE id = ?", sh["link"])[0]
                jl = jh["link"]
                check(round(l["confidence"], 2) == jl["confidence"], f"{where} confidence")
                # JSON prints reals with 6 significant digits
                check(float(f"{l['gap_ticks'] / 1e7:.6g}") == jl["gap_seconds"], f"{where} gap")
                for k in ("via_4648", "account_match", "ambiguous"):
                    check(bool(l[k]) == jl[k], f"{where} link {k}")
                cands = q("""SELECT l.confidence, e.record_id FROM links l
                             JOIN hops p ON p.id = l.parent JOIN events e ON e.id = p.event
                             WHERE l.child = ? AND l.rank IS NOT NULL ORDER BY l.rank""",
                          sh["id"])
                check([(round(a, 2), b) for a, b in cands] ==
                      [(x["confidence"], x["record_id"]) for x in jl["candidates"]],
                      f"{where} candidates")
        fs = q("""SELECT code, severity, technique, hop_position, what, todo FROM findings
                  WHERE chain = ? ORDER BY id""", r["id"])
        check([tuple(x) for x in fs] ==
              [(f["id"], f["severity"], f["technique"], f["hop"], f["what"], f["todo"])
               for f in c["findings"]], f"{c['id']} findings")

    hosts = q("SELECT * FROM hosts ORDER BY id")
    check([(h["name"], h["fqdn"], bool(h["has_log"]), h["learned_from"]) for h in hosts] ==
          [(h["name"], h["fqdn"], h["has_log"], h["learned_from"]) for h in out["hosts"]],
          "hosts")
    for h, jh in zip(hosts, out["hosts"]):
        rows = q("""SELECT a.address, a.learned_from, f.path, e.record_id
                    FROM host_addresses a LEFT JOIN events e ON e.id = a.event
                    LEFT JOIN files f ON f.id = e.file WHERE a.host = ? ORDER BY a.id""",
                 h["id"])
        check([tuple(x) for x in rows] ==
              [(a["address"], a["learned_from"], a.get("file"), a.get("record_id"))
               for a in jh["addresses"]], f"host {h['name']} addresses")
    check([w[0] for w in q("SELECT message FROM warnings ORDER BY id")] == out["warnings"],
          "warnings")
    anon = q("""SELECT f.code FROM findings f JOIN hops h ON h.id = f.hop
                WHERE h.anonymous = 1 AND f.hop_position = 2""")
    check([a[0] for a in anon] == ["anonymous-second-hop"], "the anonymous second hop's finding")
    n = q("SELECT count(*) FROM events")[0][0]
    con.close()
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopchain", required=True)
    ap.add_argument("--samples", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "case.db")
        out = run(a.hopchain, db, a.samples)
        if out is None:
            return 1
        n1 = compare(db, out)
        check(n1 > 100, f"{n1} events stored")
        out = run(a.hopchain, db, a.samples)
        if out is not None:
            check(compare(db, out) == n1, "a second analyze replaces the first")
        con = sqlite3.connect(db)
        con.execute("PRAGMA user_version = 99")
        con.close()
        p = subprocess.run([a.hopchain, "analyze", "--db", db, a.samples], capture_output=True,
                           text=True)
        check(p.returncode == 1, f"version mismatch: exit {p.returncode}, want 1")
        check("schema version 99" in p.stderr and p.stdout == "",
              f"version mismatch message: {p.stderr!r}")
        p = subprocess.run([a.hopchain, "analyze", "--help"], capture_output=True, text=True)
        check(p.returncode == 0 and "--db FILE" in p.stdout, "--help names --db")
    print(f"store-cli: {hctest.failures} failed", file=sys.stderr)
    return 1 if hctest.failures else 0


if __name__ == "__main__":
    sys.exit(main())
