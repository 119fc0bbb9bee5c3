#!/usr/bin/python3
"""Text values survive the reader and the JSON writer exactly, whatever
their length and wherever their awkward characters sit.

The native reader turns UTF-16 into UTF-8 eight ASCII units at a time and
the JSON writer copies sixteen plain bytes at a time (issue 10): a slip at
a block's edge would drop, repeat or leave unescaped one character. So a
4624 is written with hc-evtxgen for every length from 0 to 40 and every
position of one special character in it (a quote, a backslash, a linefeed,
a tab, U+0001, U+001F, DEL, U+00E9, U+20AC, U+1F600 as a surrogate pair,
U+FEFF inside the text), in four string fields at once, into the host's
own log and into a forwarded log (value text, the general walk); then
`hopchain events --format jsonl` must give back every value exactly, as
valid JSON, from both files and with 1 and 2 threads.
usage: test_text_roundtrip.py --hopchain BIN --evtxgen BIN
"""
import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402
from hctest import check  # noqa: E402

SPECIALS = ['"', "\\", "\n", "\t", "\x01", "\x1f", "\x7f", "\u00e9", "\u20ac", "\U0001F600",
            "\ufeff"]
FIELDS = ["TargetUserName", "WorkstationName", "ProcessName", "LogonProcessName"]
MAXLEN = 40


def values():
    """Every string to carry: plain ones of each length, then one special
    character at every position of every length."""
    out = ["".join(chr(0x61 + (i % 26)) for i in range(n)) for n in range(MAXLEN + 1)]
    for c in SPECIALS:
        for n in range(MAXLEN):
            for p in range(n + 1):
                s = "".join(chr(0x41 + (i % 26)) for i in range(n))
                s = s[:p] + c + s[p:]
                if s == "\n" or s.startswith("\ufeff"):
                    # libevtx's rules, which the reader keeps: a value of
                    # one linefeed is empty, a leading byte order mark goes
                    continue
                out.append(s)
    return out


def scenario(vals):
    events = []
    t = 0
    for i in range(0, len(vals), len(FIELDS)):
        chunk = vals[i:i + len(FIELDS)]
        fields = {FIELDS[k]: v for k, v in enumerate(chunk)}
        events.append({"t": "2026-03-02T%02d:%02d:%02dZ" % (t // 3600, t // 60 % 60, t % 60),
                       "id": 4624, "user": "alice", "type": 3, "package": "NTLM",
                       "ip": "10.0.0.10", "fields": fields})
        t += 1
    return {
        "domain": {"netbios": "CONTOSO", "dns": "contoso.local", "sid": "S-1-5-21-1-2-3"},
        "accounts": {"alice": {"rid": 1105}},
        "forwarded": {"file": "wec.evtx", "hosts": ["host1"]},
        "hosts": [{"name": "host1", "ip": "10.0.0.9", "events": events}],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopchain", required=True)
    ap.add_argument("--evtxgen", required=True)
    a = ap.parse_args()
    vals = values()
    want = {}
    for i in range(0, len(vals), len(FIELDS)):
        want[i // len(FIELDS)] = {FIELDS[k]: v for k, v in enumerate(vals[i:i + len(FIELDS)])}
    with tempfile.TemporaryDirectory() as tmp:
        sc = os.path.join(tmp, "s.json")
        with open(sc, "w", encoding="utf-8") as f:
            json.dump(scenario(vals), f)
        g = hctest.run([a.evtxgen, "-o", tmp, sc], text=True)
        if g.returncode != 0:
            sys.exit(f"hc-evtxgen failed: {g.stderr}")
        for name in ("host1.evtx", "wec.evtx"):
            for threads in ("1", "2"):
                p = hctest.run([a.hopchain, "--threads", threads, "events", "--ids", "4624",
                                "--format", "jsonl", os.path.join(tmp, name)])
                check(p.returncode == 0, f"{name} t{threads}: exit 0 (got {p.returncode}: "
                      f"{p.stderr.decode('utf-8', 'replace')[:200]})")
                lines = p.stdout.decode("utf-8").splitlines()
                check(len(lines) == len(want),
                      f"{name} t{threads}: {len(want)} events (got {len(lines)})")
                bad = 0
                for i, line in enumerate(lines):
                    try:
                        data = json.loads(line)["data"]
                    except ValueError as e:
                        check(False, f"{name} t{threads}: line {i + 1} is not JSON: {e}")
                        bad += 1
                        continue
                    for k, v in want.get(i, {}).items():
                        if data.get(k) != v:
                            bad += 1
                            if bad <= 5:
                                check(False, f"{name} t{threads}: event {i + 1} {k}: "
                                      f"{data.get(k)!r} != {v!r}")
                check(bad == 0, f"{name} t{threads}: {len(vals)} values exact")
    return hctest.summary("text-roundtrip")


if __name__ == "__main__":
    sys.exit(main())
