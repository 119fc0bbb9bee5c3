#!/usr/bin/python3
"""A field longer than HC_MAX_FIELD_LEN (64 KiB) is cut, marked and reported.

An EVTX string holds at most 32,767 UTF-16 units, so only multi-byte text
can pass 64 KiB of UTF-8: the 4624 written with hc-evtxgen carries a
ProcessName of 30,000 euro signs (90,000 UTF-8 bytes, one straddling the
cut), and the test checks that
`hopchain events --format jsonl` keeps the event, cuts the value to at most
65,536 bytes on a UTF-8 boundary, sets "truncated": true, names the record
on stderr, exits 3; and that 60,000 bytes pass untouched.
usage: test_field_cap.py --hopchain BIN --evtxgen BIN
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

CAP = 65536


def scenario(value):
    return {
        "domain": {"netbios": "CONTOSO", "dns": "contoso.local", "sid": "S-1-5-21-1-2-3"},
        "accounts": {"alice": {"rid": 1105}},
        "hosts": [{"name": "host1", "ip": "10.0.0.9", "first_record_id": 7,
                   "events": [{"t": "2026-03-02T10:00:00Z", "id": 4624, "user": "alice",
                               "type": 3, "package": "NTLM", "ip": "10.0.0.10",
                               "fields": {"ProcessName": value}}]}],
    }


def run(a, tmp, value):
    sc = os.path.join(tmp, "s.json")
    with open(sc, "w", encoding="utf-8") as f:
        json.dump(scenario(value), f)
    g = subprocess.run([a.evtxgen, "-o", tmp, sc], capture_output=True, text=True)
    if g.returncode != 0:
        sys.exit(f"hc-evtxgen failed: {g.stderr}")
    return subprocess.run([a.hopchain, "events", "--format", "jsonl",
                           os.path.join(tmp, "host1.evtx")], capture_output=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopchain", required=True)
    ap.add_argument("--evtxgen", required=True)
    a = ap.parse_args()
    fails = passes = 0

    def check(cond, what):
        nonlocal fails, passes
        print(("ok    " if cond else "FAIL  ") + what)
        fails += not cond
        passes += bool(cond)

    with tempfile.TemporaryDirectory() as tmp:
        # 21,845 three-byte characters end at byte 65,535; the next straddles the cap
        big = "\u20ac" * 30000
        p = run(a, tmp, big)
        check(p.returncode == 3, f"exit 3 for a cut field (got {p.returncode})")
        ev = json.loads(p.stdout.decode("utf-8").splitlines()[0])
        v = ev["data"]["ProcessName"]
        check(ev.get("truncated") is True, "event marked truncated")
        check(len(v.encode("utf-8")) <= CAP, f"value cut to <= {CAP} bytes")
        check(v == "\u20ac" * (CAP // 3), "cut on a UTF-8 boundary, no replacement character")
        err = p.stderr.decode("utf-8", "replace")
        check("record 7: a field longer than 65536 bytes" in err, "record named on stderr")
        check(err.count("\n") == 1, "reported once")

        fine = "\u20ac" * 20000
        p = run(a, tmp, fine)
        check(p.returncode == 0, f"exit 0 below the cap (got {p.returncode})")
        ev = json.loads(p.stdout.decode("utf-8").splitlines()[0])
        check(ev["data"]["ProcessName"] == fine and "truncated" not in ev,
              "60,000 bytes pass untouched")
    print(f"{passes} passed, {fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
