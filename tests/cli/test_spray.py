#!/usr/bin/python3
"""Attacker-driven correlation cost (issue 8, item 1): 100,000 NTLM logons
from one address, each with its own client-chosen WorkstationName, as a
password spray or a hostile client makes them. `analyze` must finish within
a generous bound (a guard against quadratic work, not a benchmark) and:

* failed logons (4625): a name seen only as a failed logon's
  WorkstationName is a weak claim, not a host: the case has the target
  alone, every hop keeps the address as its source, and no warning is
  raised about the address;
* successful logons (4624): every name claims the address; the warnings
  about it fold into one line that counts the claimants.

usage: test_spray.py --hopchain BIN"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

N = 100_000
BOUND = 120  # seconds; today this takes about one second
ADDR = "10.66.0.7"


def record(i, event_id):
    data = {
        "SubjectUserSid": "S-1-0-0", "SubjectUserName": "-", "SubjectDomainName": "-",
        "SubjectLogonId": "0x0", "TargetUserSid": "S-1-0-0",
        "TargetUserName": "user%d" % (i % 977), "TargetDomainName": "CONTOSO",
        "LogonType": "3", "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM",
        "WorkstationName": "WS%012X" % (i * 2654435761 % (1 << 48)),
        "LmPackageName": "NTLM V2", "KeyLength": "128", "ProcessId": "0x0", "ProcessName": "-",
        "IpAddress": ADDR, "IpPort": str(40000 + i % 20000),
    }
    if event_id == 4625:
        data.update({"Status": "0xc000006d", "SubStatus": "0xc000006a",
                     "FailureReason": "%%2313"})
    else:
        data.update({"TargetLogonId": "0x%x" % (0x100000 + i), "LogonGuid":
                     "{00000000-0000-0000-0000-000000000000}", "ImpersonationLevel": "%%1833"})
    sec = i // 50
    return {
        "@timestamp": "2026-03-02T%02d:%02d:%02d.%03dZ" % (
            10 + sec // 3600, sec // 60 % 60, sec % 60, i % 50 * 20),
        "winlog": {"channel": "Security", "computer_name": "fs1.contoso.local",
                   "event_data": data, "event_id": str(event_id),
                   "provider_name": "Microsoft-Windows-Security-Auditing",
                   "record_id": 1000 + i, "version": 0},
    }


def run(hopchain, path):
    t0 = time.monotonic()
    p = subprocess.run([hopchain, "analyze", "--format", "json", path],
                       capture_output=True, text=True, timeout=BOUND)
    return p, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopchain", required=True)
    args = ap.parse_args()
    errs = []
    with tempfile.TemporaryDirectory() as tmp:
        for event_id in (4625, 4624):
            path = os.path.join(tmp, "spray-%d.jsonl" % event_id)
            with open(path, "w") as f:
                for i in range(N):
                    f.write(json.dumps(record(i, event_id)) + "\n")
            try:
                p, secs = run(args.hopchain, path)
            except subprocess.TimeoutExpired:
                errs.append("%d: analyze took more than %d s" % (event_id, BOUND))
                continue
            print("%d: %d logons analysed in %.1f s" % (event_id, N, secs))
            if p.returncode != 0:
                errs.append("%d: exit %d: %s" % (event_id, p.returncode, p.stderr[-500:]))
                continue
            out = json.loads(p.stdout)
            about = [w for w in out["warnings"] if ADDR in w]
            if event_id == 4625:
                names = [h["name"] for h in out["hosts"]]
                if names != ["fs1"]:
                    errs.append("4625: hosts %s, want only the target" % names[:5])
                if about:
                    errs.append("4625: warnings about the address: %s" % about[:2])
            else:
                if len(about) != 1 or "claimed by" not in about[0] or "hosts" not in about[0]:
                    errs.append("4624: want one folded warning about %s, got %d: %s"
                                % (ADDR, len(about), about[:2]))
                if len(out["warnings"]) > 3:
                    errs.append("4624: %d warnings" % len(out["warnings"]))
    for e in errs:
        print("FAIL:", e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
