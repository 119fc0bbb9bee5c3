#!/usr/bin/python3
"""bench/accuracy.py on a made-up recording, without ../shared: a tiny
corpus (one zip), a truth file for it, and a stand-in `hopchain` that
prints a prepared `analyze --format json` answer. Each case changes that
answer and checks the scorer's figures and its --check exit code:

* every attacker logon found with its source host named -> goals met;
* the source only as an address, or as nothing -> named share drops,
  --check fails;
* a two-hop chain where the truth has no second hop -> false chain;
* a high anonymous-second-hop, or a high finding on a machine-account hop
  -> false high finding; ntlm-v1 on a user's NTLM V1 logon is right;
* a folded hop citing two logons finds both; a hop found by account and
  time (no record id) still counts;
* hop classes: attacker hops `user`, noise not `user`;
* `--all` is passed when the binary's help offers it.

usage: accuracy_selftest.py --accuracy bench/accuracy.py"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import zipfile

FILE = "rec.json"
T0 = "2020-08-06T15:56:22"
T3 = "2020-08-06T15:56:30"


def logon(rec, role, cls, src_host="workstation5", act="A1", lm="-", pkg="Kerberos", acct="pgustavo", t=T0):
    return {"target_host": "workstation6" if role == "attacker" else "mordordc", "time": t + "Z",
            "event_id": 4624, "record_id": rec, "line": rec, "file": FILE,
            "account": "THESHIRE\\" + acct, "account_sid": "S-1-5-21-1-2-3-1104", "logon_type": 3,
            "package": pkg, "logon_process": pkg, "lm_package": lm, "logon_id": "0x%x" % rec,
            "ip": "172.18.39.5", "port": 50000 + rec, "workstation": None, "impersonation": "%%1833",
            "privileged": False, "logoff": None, "class": cls, "role": role,
            "attacker": role == "attacker", "act": act if role == "attacker" else None,
            "src_host": src_host, "src_ip": "172.18.39.5", "source_in_logs": "host",
            "source_proof": [{"host": "workstation5", "event_id": 5156, "record_id": 9, "time": T0 + "Z",
                              "note": "source's own outbound connection"}]}


TRUTH = {
    "schema": 1, "dataset": "selftest", "archive": "selftest.zip", "archive_sha256": "0" * 64,
    "files": [FILE], "metadata_id": None, "layout": "mordor-flat", "record_key": "RecordNumber",
    "time_basis": "test", "recorded_time_offset_s": 0, "summary": "made up for the test",
    "uncertain": "nothing, made up", "hosts": [],
    "acts": [{"id": "A1", "method": "dcom", "what": "test", "logons": [1, 2, 3]}],
    "logons": [logon(1, "attacker", "user"), logon(2, "attacker", "user", lm="NTLM V1", pkg="NTLM"),
               logon(3, "attacker", "user", t=T3), logon(4, "machine", "machine", acct="WORKSTATION5$")],
    "self_logons": {"mordordc": [5]}, "second_hops": [], "anonymous_logons": [],
    "collector": {}, "noise": {}, "clock": [],
    "counts": {"attacker_logons": 3, "acts": 1, "attacker_source_host_in_logs": 3,
               "attacker_source_address_only": 0, "attacker_source_none": 0, "multi_hop_chains": 0},
}


def hop(rec, dst="workstation6", src="workstation5", acct="THESHIRE\\pgustavo", ev=True, extra=(), t=T0):
    h = {"index": 1, "src_host": src, "dst_host": dst, "src_ip": "172.18.39.5", "time": t + ".0000000Z",
         "account": acct, "package": "Kerberos", "logon_type": 3, "anonymous": False, "event_id": 4624,
         "evidence": []}
    for r in ([rec] + list(extra)) if ev else []:
        h["evidence"].append({"file": "/tmp/x/" + FILE, "record_id": r, "event_id": 4624, "role": "logon"})
    return h


def chain(cid, hops, findings=()):
    for i, h in enumerate(hops, 1):
        h["index"] = i
    return {"id": cid, "hops": hops, "findings": list(findings)}


GOOD = {"chains": [chain("C1", [hop(1)]), chain("C2", [hop(2)], [
    {"id": "ntlm-v1", "severity": "high", "hop": 1, "what": "", "todo": ""}]),
    chain("C3", [hop(3, t=T3)]), chain("C4", [hop(4, dst="mordordc", acct="THESHIRE\\WORKSTATION5$")])],
    "hosts": [], "warnings": []}


def fake_binary(d, answer, offer_all=False):
    """A stand-in hopchain: prints `answer` for analyze, logs its argv."""
    path = os.path.join(d, "hopchain")
    with open(os.path.join(d, "answer.json"), "w") as f:
        json.dump(answer, f)
    with open(path, "w") as f:
        f.write("#!/usr/bin/python3\nimport sys, os\nd = %r\n" % d
                + "open(os.path.join(d, 'argv'), 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
                + "if '--help' in sys.argv:\n    print('usage: hopchain analyze [--min-hops N]%s')\n"
                % (" [--all]" if offer_all else "")
                + "    sys.exit(0)\n"
                + "sys.stdout.write(open(os.path.join(d, 'answer.json')).read())\n")
    os.chmod(path, 0o755)
    return path


def run(accuracy, d, answer, offer_all=False):
    b = fake_binary(d, answer, offer_all)
    base = [sys.executable, accuracy, "--hopchain", b, "--corpus", os.path.join(d, "corpus"),
            "--truth", os.path.join(d, "truth")]
    p = subprocess.run(base + ["--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise SystemExit("report mode exited %d: %s" % (p.returncode, p.stderr.decode()))
    out = json.loads(p.stdout)
    rc = subprocess.run(base + ["--check"], stdout=subprocess.DEVNULL).returncode
    return out["total"], rc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accuracy", required=True)
    a = ap.parse_args()
    fails = 0

    def expect(name, cond, detail):
        nonlocal fails
        print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + detail))
        fails += not cond

    with tempfile.TemporaryDirectory(prefix="hc-acc-self-") as d:
        os.makedirs(os.path.join(d, "corpus", "otrf-security-datasets"))
        os.makedirs(os.path.join(d, "truth"))
        with zipfile.ZipFile(os.path.join(d, "corpus", "otrf-security-datasets", "selftest.zip"), "w") as z:
            z.writestr(FILE, "{}\n")
        with open(os.path.join(d, "truth", "selftest.json"), "w") as f:
            json.dump(TRUTH, f)

        t, rc = run(a.accuracy, d, GOOD)
        expect("all found and named", (t["found"], t["source_named"], rc) == (3, 3, 0), "%s rc=%d" % (t, rc))
        expect("ntlm-v1 on a user's NTLM V1 logon is right", t["findings_right_high"] == 1, str(t))
        expect("machine hop listed as noise", t["listed_machine"] == 1, str(t))

        ans = copy.deepcopy(GOOD)
        ans["chains"][0]["hops"][0]["src_host"] = None
        ans["chains"][2]["hops"][0].update({"src_host": None, "src_ip": None})
        t, rc = run(a.accuracy, d, ans)
        expect("address only and ? counted", (t["source_address_only"], t["source_unknown"], t["source_named"])
               == (1, 1, 1), str(t))
        expect("--check fails under 90 %", rc == 1, "rc=%d" % rc)

        ans = copy.deepcopy(GOOD)
        ans["chains"].append(chain("C5", [hop(1), hop(3)]))
        t, rc = run(a.accuracy, d, ans)
        expect("two-hop chain without a true second hop is false", (t["multi_hop_false"], rc) == (1, 1),
               "%s rc=%d" % (t, rc))

        ans = copy.deepcopy(GOOD)
        ans["chains"][0]["findings"].append({"id": "anonymous-second-hop", "severity": "high", "hop": 1})
        t, rc = run(a.accuracy, d, ans)
        expect("anonymous-second-hop without a failed second hop is false", (t["findings_false_high"], rc)
               == (1, 1), "%s rc=%d" % (t, rc))

        ans = copy.deepcopy(GOOD)
        ans["chains"][3]["findings"].append({"id": "unexpected-package", "severity": "high", "hop": 1})
        t, rc = run(a.accuracy, d, ans)
        expect("high finding on a machine hop is false", (t["findings_false_high"], rc) == (1, 1),
               "%s rc=%d" % (t, rc))

        ans = copy.deepcopy(GOOD)
        ans["chains"][2] = chain("C3", [hop(3, ev=False, t=T3)])
        ans["chains"][0] = chain("C1", [hop(1, extra=[2])])
        del ans["chains"][1]
        t, rc = run(a.accuracy, d, ans)
        expect("folded hop and time match find all", (t["found"], t["source_named"], rc) == (3, 3, 0),
               "%s rc=%d" % (t, rc))

        ans = copy.deepcopy(GOOD)
        for c in ans["chains"]:
            c["hops"][0]["class"] = "user"
        t, rc = run(a.accuracy, d, ans)
        expect("a machine hop classed user is reported", (t["class_attacker_user"], t["class_noise_not_user"])
               == (3, 0), str(t))
        ans["chains"][3]["hops"][0]["class"] = "machine"
        t, rc = run(a.accuracy, d, ans)
        expect("classes right", (t["class_attacker_user"], t["class_noise_not_user"], t["class_noise_right_class"])
               == (3, 1, 1), str(t))

        ans = copy.deepcopy(GOOD)
        del ans["chains"][2]
        t, rc = run(a.accuracy, d, ans, offer_all=True)
        with open(os.path.join(d, "argv")) as f:
            analyze_lines = [ln for ln in f if ln.startswith("analyze") and "--help" not in ln]
        expect("a missed logon is not found", (t["found"], t["source_not_found"], rc) == (2, 1, 1),
               "%s rc=%d" % (t, rc))
        expect("--all passed when offered", "--all" in analyze_lines[-1], analyze_lines[-1])
    print("%d failed" % fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
