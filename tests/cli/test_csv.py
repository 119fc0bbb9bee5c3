#!/usr/bin/python3
"""CSV output of every command that writes it (events, analyze, ingest's
summary) on logs with hostile strings, read back with Python's csv module:

* every row has the header's column count (a CR LF in a name splits no
  row) and no raw control character or bidirectional override reaches the
  file: they are shown as \\xHH and \\uHHHH, as in the table view;
* a text cell a spreadsheet would take for a formula (= + - @ first) gets a
  leading ', while a lone "-" and plain numbers (-1, +5, -2.5e3) stay;
* with --csv-raw every cell is the value as JSON output gives it, exactly;
* the table view shows bidirectional overrides as \\u202e too; JSON keeps
  the characters;
* --csv-raw without --format csv is a usage error.

(The query commands are checked on a planted store in tests/query.)

usage: test_csv.py --hopchain BIN
"""
import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402
from hctest import check  # noqa: E402

CWD = None
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def record(rec, t, computer, data):
    return json.dumps({"@timestamp": t, "winlog": {
        "channel": "Security", "computer_name": computer, "event_id": 4624,
        "record_id": rec, "event_data": data}})


# Winlogbeat records: a NTLM network logon from a workstation whose name
# carries a terminal title escape and a CR LF, and formula-like, numeric
# and "-" values; a second one with bidirectional overrides in the names.
LOG = "\n".join([
    record(21, "2026-03-02T10:00:00.250Z", "srv1.contoso.local", {
        "TargetUserName": "=cmd|' /C calc'!A0", "TargetDomainName": "-", "LogonType": "3",
        "AuthenticationPackageName": "NTLM", "WorkstationName": "\x1b]0;pwned\x07\r\nWS,ROW",
        "IpAddress": "10.0.0.5", "TargetLogonId": "0x200", "LogonProcessName": "+5",
        "SubjectUserName": "-2.5e3", "SubjectDomainName": "@SUM(1+1)",
        "SubjectUserSid": "-1+1", "ProcessName": "\tC:\\x.exe"}),
    record(22, "2026-03-02T10:00:01.000Z", "srv\u202egnp.exe", {
        "TargetUserName": "alice\u202etxt.exe", "TargetDomainName": "CONTOSO\u2066",
        "LogonType": "3", "AuthenticationPackageName": "-1",
        "WorkstationName": "ws\u200f02" + BIDI, "IpAddress": "10.0.0.6",
        "TargetLogonId": "0x300"}),
]) + "\n"


def escape(s):
    """What hc_term_escape shows: C0, DEL and C1 as \\xHH (C1 by its
    second UTF-8 byte), bidirectional controls as \\uHHHH."""
    out = []
    for ch in s:
        c = ord(ch)
        if c < 0x20 or c == 0x7F:
            out.append("\\x%02x" % c)
        elif 0x80 <= c < 0xA0:
            out.append("\\x%02x" % c)
        elif ch in BIDI:
            out.append("\\u%04x" % c)
        else:
            out.append(ch)
    return "".join(out)


def guarded(s):
    s = escape(s)
    number = re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", s)
    if s[:1] in ("=", "+", "-", "@") and s != "-" and not number:
        return "'" + s
    return s


def text_of(v):
    """A JSON value as the CSV writer prints it in raw mode."""
    if v is None:
        return ""
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, float):
        return "%.15g" % v
    return str(v)


def run(hc, *args, want=0):
    p = subprocess.run([hc] + list(args), capture_output=True, cwd=CWD)
    check(p.returncode == want, "%s: exit %d, want %d: %s" % (" ".join(args), p.returncode,
                                                               want, p.stderr[:300]))
    return p


def parse(out):
    return list(csv.reader(io.StringIO(out.decode("utf-8"), newline="")))


def check_guarded(name, out):
    raw = [c for c in out if (c < 0x20 and c != 0x0A) or c == 0x7F]
    check(not raw, "%s: raw control bytes %r" % (name, sorted(set(raw))))
    text = out.decode("utf-8")
    check(not any(ch in text for ch in BIDI), "%s: a raw bidirectional control" % name)
    rows = parse(out)
    check(len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows),
          "%s: rows of unequal length: %r" % (name, [len(r) for r in rows]))
    for r in rows:
        for c in r:
            check(not (c[:1] in "=+@" and c[:1]) or c in ("+5",),
                  "%s: a formula cell %r" % (name, c))
    return rows


def compare(name, rows, objs, cols, expect):
    """rows (csv, header first) against JSON objects, column by column."""
    if not check(rows, "%s: no output" % name):
        return
    head = rows[0]
    check(len(rows) - 1 == len(objs), "%s: %d rows, JSON has %d" % (name, len(rows) - 1,
                                                                     len(objs)))
    for r, o in zip(rows[1:], objs):
        for c in cols:
            v = o.get(c)
            want = expect(text_of(v)) if isinstance(v, str) else text_of(v)
            got = r[head.index(c)]
            check(got == want, "%s: %s = %r, want %r" % (name, c, got, want))


def test_events(hc, path):
    js = [json.loads(x) for x in run(hc, "events", "--format", "jsonl", path).stdout.splitlines()]
    cols = [c for c in parse(run(hc, "events", "--format", "csv", path).stdout)[0]
            if c != "data"]
    out = run(hc, "events", "--format", "csv", path).stdout
    rows = check_guarded("events csv", out)
    compare("events csv", rows, js, cols, guarded)
    by = {r[rows[0].index("record_id")]: dict(zip(rows[0], r)) for r in rows[1:]}
    first = by.get("21", {})
    check(first.get("target_user") == "'=cmd|' /C calc'!A0", "formula neutralised: %r" % first)
    check(first.get("subject_domain") == "'@SUM(1+1)", "@ neutralised")
    check(first.get("subject_sid") == "'-1+1", "- followed by a formula neutralised")
    check(first.get("subject_user") == "-2.5e3" and first.get("logon_process") == "+5",
          "numbers stay numbers: %r" % first)
    check(first.get("process_name") == "\\x09C:\\x.exe", "a leading TAB is shown as \\x09")
    check(first.get("workstation") == "\\x1b]0;pwned\\x07\\x0d\\x0aWS,ROW", "escapes shown")
    check(by.get("22", {}).get("package") == "-1", "-1 stays")
    check(by.get("22", {}).get("target_user") == "alice\\u202etxt.exe", "RLO shown as \\u202e")
    rawrows = parse(run(hc, "events", "--format", "csv", "--csv-raw", path).stdout)
    compare("events csv --csv-raw", rawrows, js, cols, lambda s: s)
    check(len(rawrows) > 1 and rawrows[1][rawrows[0].index("data")] ==
          json.dumps(js[0]["data"], separators=(",", ":"), ensure_ascii=False)
          .replace("\\u001b", "\\u001B"), "raw data column is the JSON text")
    # the table view and JSON
    table = run(hc, "--color=never", "events", path).stdout.decode()
    check("alice\\u202etxt.exe" in table and "\u202e" not in table,
          "table view: \\u202e: %r" % table[-300:])
    check(js[1]["target_user"] == "alice\u202etxt.exe", "json keeps the characters")


def test_analyze(hc, path):
    js = json.loads(run(hc, "analyze", "--format", "json", "--min-hops", "1", path).stdout)
    hops = [dict(h, chain=c["id"], account=h["account"]) for c in js["chains"]
            for h in c["hops"]]
    out = run(hc, "analyze", "--format", "csv", "--min-hops", "1", path).stdout
    rows = check_guarded("analyze csv", out)
    if not check(len(rows) == 1 + len(hops) == 3, "analyze csv: a row per hop: %r" % rows):
        return
    head = rows[0]
    for r, h in zip(rows[1:], hops):
        for c in ("src_host", "dst_host", "package"):
            check(r[head.index(c)] == guarded(h[c]), "analyze csv %s = %r, want %r" %
                  (c, r[head.index(c)], guarded(h[c])))
    check(rows[1][head.index("account")] == "'=cmd|' /C calc'!A0", "analyze: account %r"
          % rows[1])
    rawrows = parse(run(hc, "analyze", "--format", "csv", "--csv-raw", "--min-hops", "1",
                        path).stdout)
    check(len(rawrows) > 1 and rawrows[1][head.index("src_host")] == hops[0]["src_host"] and
          "\r\n" in hops[0]["src_host"], "raw: the name with its CR LF, quoted: %r" % rawrows[1])
    table = run(hc, "--color=never", "analyze", "--min-hops", "1", path).stdout.decode()
    check("\x1b" not in table and "\u202e" not in table and "srv\\u202egnp" in table,
          "analyze story escaped: %r" % table[:400])


def test_ingest(hc, path, tmp):
    out = run(hc, "ingest", "--db", os.path.join(tmp, "c.db"), "--format", "csv", path).stdout
    rows = check_guarded("ingest csv", out)
    check(len(rows) > 1 and rows[1][rows[0].index("file")] == "'=x.jsonl", "file column: %r" % rows)


def test_usage(hc, path, tmp):
    for args in (["events", "--csv-raw", path], ["analyze", "--format", "json", "--csv-raw", path],
                 ["ingest", "--db", os.path.join(tmp, "u.db"), "--csv-raw", path]):
        p = run(hc, *args, want=2)
        check(b"--csv-raw goes with --format csv" in p.stderr, "%s: %r" % (args, p.stderr))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopchain", required=True)
    a = ap.parse_args()
    a.hopchain = os.path.abspath(a.hopchain)
    global CWD
    with tempfile.TemporaryDirectory() as tmp:
        CWD = tmp
        path = "=x.jsonl"
        with open(os.path.join(tmp, path), "w", encoding="utf-8") as f:
            f.write(LOG)
        test_events(a.hopchain, path)
        test_analyze(a.hopchain, path)
        test_ingest(a.hopchain, path, tmp)
        test_usage(a.hopchain, path, tmp)
    if hctest.failures:
        sys.exit("%d checks failed" % hctest.failures)
    print("csv: all checks passed")


if __name__ == "__main__":
    main()
