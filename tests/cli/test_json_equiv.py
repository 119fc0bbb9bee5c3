#!/usr/bin/python3
"""The JSON versions of the sample sets (samples/json/SET/LAYOUT, made by
samples/json/make_json.py) must give what the .evtx originals give:

* `hopchain events --format jsonl`: the same events (matched by host, record
  id and event id), with the same EventData text, the same normalised
  fields, System fields and version, times equal up to the precision the
  layout carries (evtx_dump 1 us, Winlogbeat 1 ms, Mordor EventTime 1 s);
* `hopchain analyze --format json`: the same chains, hops, links,
  evidence (record ids and roles), findings, hosts and addresses, with the
  same time tolerance; only file names may differ;
* both exit 0 (the Sysmon record in the Mordor files is skipped silently).

usage: test_json_equiv.py --hopchain BIN --src DIR
Exit 0 all equal, 1 a difference, 77 no JSON samples."""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402

# layout -> tolerance in 100 ns ticks
TOLERANCE = {"evtx_dump": 10, "winlogbeat": 10000, "winlogbeat6": 10000,
             "mordor": 10000000}
TIME_KEYS = {"time", "start", "end"}


def run(hopchain, args, src):
    p = subprocess.run([hopchain] + args, cwd=src, capture_output=True, text=True,
                       env=hctest.hopchain_env())
    return p.returncode, p.stdout, p.stderr


def host_label(computer):
    return computer.split(".")[0].lower()


def compare(a, b, path, tol, errs):
    """Records differences between a (evtx) and b (JSON) in errs."""
    if len(errs) > 20:
        return
    key = path.rsplit(".", 1)[-1].split("[")[0]
    if key == "file":
        return
    if key in TIME_KEYS and isinstance(a, str) and isinstance(b, str):
        d = hctest.ticks(a) - hctest.ticks(b)
        if not 0 <= d < tol:
            errs.append("%s: %s vs %s" % (path, a, b))
        return
    if key in ("gap_seconds", "offset_seconds") and isinstance(a, (int, float)) \
            and isinstance(b, (int, float)):
        if abs(a - b) > 2 * tol / 1e7:
            errs.append("%s: %s vs %s" % (path, a, b))
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                errs.append("%s.%s: only in %s" % (path, k, "evtx" if k in a else "json"))
                continue
            compare(a[k], b[k], path + "." + k, tol, errs)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            errs.append("%s: %d items vs %d" % (path, len(a), len(b)))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, "%s[%d]" % (path, i), tol, errs)
        return
    if a != b:
        errs.append("%s: %r vs %r" % (path, a, b))


def check_events(hopchain, src, evtx_dir, json_dir, tol):
    errs = []
    rc1, out1, err1 = run(hopchain, ["events", "--format", "jsonl", evtx_dir], src)
    rc2, out2, err2 = run(hopchain, ["events", "--format", "jsonl", json_dir], src)
    if rc1 or rc2:
        return ["events: exit %d / %d: %s %s" % (rc1, rc2, err1, err2)]

    def index(out):
        ix = {}
        for line in out.splitlines():
            e = json.loads(line)
            ix[(host_label(e["computer"]), e["record_id"], e["event_id"])] = e
        return ix
    a, b = index(out1), index(out2)
    if set(a) != set(b):
        return ["events: %d only from evtx %s, %d only from json %s" % (
            len(set(a) - set(b)), sorted(set(a) - set(b))[:3],
            len(set(b) - set(a)), sorted(set(b) - set(a))[:3])]
    for k in sorted(a):
        ea, eb = dict(a[k]), dict(b[k])
        if ea["computer"] != eb["computer"]:
            # a bare Hostname (corpus fact 7) is allowed; the host is the same
            if "." in eb["computer"]:
                errs.append("%s computer: %s vs %s" % (k, ea["computer"], eb["computer"]))
            ea.pop("computer")
            eb.pop("computer")
        compare(ea, eb, "event%s" % (k,), tol, errs)
    return errs + ([] if a else ["events: none read"])


def check_analyze(hopchain, src, evtx_dir, json_dir, tol):
    errs = []
    rc1, out1, err1 = run(hopchain, ["analyze", "--format", "json", evtx_dir], src)
    rc2, out2, err2 = run(hopchain, ["analyze", "--format", "json", json_dir], src)
    if rc1 or rc2:
        return ["analyze: exit %d / %d: %s %s" % (rc1, rc2, err1, err2)]
    a, b = json.loads(out1), json.loads(out2)
    if not a["chains"]:
        errs.append("analyze: no chains in %s" % evtx_dir)
    # the host list follows the order the files name them: compare by name
    for r in (a, b):
        r["hosts"] = sorted(r["hosts"], key=lambda h: h["name"])
    compare(a, b, "analyze", tol, errs)
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopchain", required=True)
    ap.add_argument("--src", required=True, help="the source root")
    a = ap.parse_args()
    hopchain = os.path.abspath(a.hopchain)
    root = os.path.join(a.src, "samples", "json")
    sets = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))) \
        if os.path.isdir(root) else []
    if not sets:
        hctest.skip("no JSON samples under %s" % root)
    fails = checks = 0
    for s in sets:
        for layout in sorted(os.listdir(os.path.join(root, s))):
            evtx_dir = os.path.join("samples", s)
            json_dir = os.path.join("samples", "json", s, layout)
            tol = TOLERANCE[layout]
            for what, fn in (("events", check_events), ("analyze", check_analyze)):
                errs = fn(hopchain, a.src, evtx_dir, json_dir, tol)
                checks += 1
                print("%-4s %s %s %s" % ("FAIL" if errs else "ok", what, s, layout))
                for e in errs[:10]:
                    print("     " + e)
                fails += bool(errs)
    print("%d checks, %d failed" % (checks, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
