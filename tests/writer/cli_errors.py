#!/usr/bin/python3
"""hc-evtxgen command line: exit codes and diagnostics (0 ok, 1 runtime, 2 usage
or scenario error), and that errors name the host, event index and field.

usage: cli_errors.py --evtxgen PATH --workdir DIR"""
import argparse
import json
import os
import subprocess
import sys

BASE = {"domain": {"netbios": "C", "dns": "c.local", "sid": "S-1-5-21-1-2-3"},
        "accounts": {"u": {"rid": 1000}}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--evtxgen", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    wd = os.path.join(a.workdir, "cli-errors")
    os.makedirs(wd, exist_ok=True)
    bad = 0

    def run(args, want_rc, want_err=(), want_out=()):
        nonlocal bad
        r = subprocess.run([a.evtxgen] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        ok = r.returncode == want_rc and all(s in r.stderr for s in want_err) and \
            all(s in r.stdout for s in want_out)
        if not ok:
            bad = 1
            print(f"FAIL {args}: exit {r.returncode} (want {want_rc})\n  stderr: {r.stderr.strip()}",
                  file=sys.stderr)
        else:
            print(f"ok {args[-1] if args else '(none)'} -> {r.returncode}")

    def scen(name, events, **host):
        s = dict(BASE)
        h = {"name": "h1", "ip": "10.0.0.1", "events": events}
        h.update(host)
        s["hosts"] = [h]
        p = os.path.join(wd, name + ".json")
        with open(p, "w") as f:
            json.dump(s, f)
        return p

    ev = {"t": "2026-01-01T00:00:00Z", "id": 4624, "user": "u", "type": 3}
    run(["--help"], 0, want_out=["usage: hc-evtxgen"])
    run([], 2, ["expected exactly one"])
    run(["--bogus", "x"], 2)
    run(["-o", wd, os.path.join(wd, "does-not-exist.json")], 1)
    run(["-o", wd, scen("ok", [ev])], 0)
    run(["-o", wd, scen("extra-field", [ev, dict(ev, fields={"NoSuchField": "x"})])], 2,
        ["host h1", "event 1", "NoSuchField"])
    run(["-o", wd, scen("unknown-user", [dict(ev, user="nobody")])], 2, ["host h1", "event 0", "nobody"])
    run(["-o", wd, scen("bad-sid", [dict(ev, fields={"TargetUserSid": "S-1-x"})])], 2,
        ["event 0", "TargetUserSid"])
    run(["-o", wd, scen("bad-version", [dict(ev, version=9)])], 2, ["version 9"])
    run(["-o", wd, scen("bad-time", [dict(ev, t="2026-01-01T00:00:00.123456789Z")])], 2, ["event 0"])
    run(["-o", wd, scen("unknown-key", [dict(ev, colour="red")])], 2, ["colour"])
    run(["-o", wd, scen("too-big", [dict(ev, fields={"ProcessName": "x" * 40000})])], 2,
        ["event 0"])
    # witnesses: the process, Sysmon and "via" rules
    t = "2026-01-01T00:00:01Z"
    lg = dict(ev, **{"as": "s"})
    run(["-o", wd, scen("sysmon-without", [{"t": t, "id": 3, "to": "10.0.0.9"}])], 2,
        ["event 0", "sysmon"])
    run(["-o", wd, scen("sysmon-ok", [lg, {"t": t, "id": 1, "as": "p", "session": "s"},
                                      {"t": t, "id": 3, "proc": "p", "to": "10.0.0.9"}],
                        sysmon=True)], 0)
    run(["-o", wd, scen("no-proc", [{"t": t, "id": 5156, "proc": "nope", "to": "10.0.0.9"}])], 2,
        ["event 0", "nope"])
    run(["-o", wd, scen("proc-twice", [{"t": t, "id": 4688, "as": "p"},
                                       {"t": t, "id": 4688, "as": "p"}])], 2, ["event 1", "\"p\""])
    run(["-o", wd, scen("no-to", [{"t": t, "id": 5156}])], 2, ["event 0", "\"to\""])
    run(["-o", wd, scen("via-self", [dict(lg, via={"dport": 445})])], 2, ["event 0", "via"])
    run(["-o", wd, scen("via-key", [dict(lg, via={"colour": 1})])], 2, ["via", "colour"])
    run(["-o", wd, scen("clock", [ev], clock_offset="40s")], 2, ["clock_offset"])
    run(["-o", wd, scen("bool", [{"t": t, "id": 3, "to": "10.0.0.9",
                                  "fields": {"Initiated": "yes"}}], sysmon=True)], 2,
        ["event 0", "Initiated", "boolean"])
    left = [f for f in os.listdir(wd) if f.endswith(".tmp")]
    if left:
        print(f"FAIL: temporary files were left behind: {left}", file=sys.stderr)
        bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
