#!/usr/bin/python3
"""The case database on real logs (../shared/corpus; exit 77 when absent):
ingest the OTRF covenant_dcom recordings (JSON, three hosts) and the
multi-host velociraptor/evtx-to-mitre-attack .evtx logs into one case,
then

- the query commands find the covenant lateral movement: `summary` has
  pgustavo's NTLM V1 network logons WORKSTATION5 -> WORKSTATION6, `hops`
  lists them with their source resolved, `findings --min-hops 1` raises
  ntlm-v1 on them;
- a second ingest of the same inputs adds nothing and leaves the analysis;
- `chains --format json` equals `analyze --format json` on the same inputs.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402
from hctest import check  # noqa: E402


def run(hc, *args, ok=(0, 3)):
    p = subprocess.run([hc, *args], capture_output=True, text=True, timeout=600)
    check(p.returncode in ok, f"{' '.join(args[:3])}: exit {p.returncode}: {p.stderr[-500:]}")
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopchain", required=True)
    ap.add_argument("--corpus", required=True)
    a = ap.parse_args()
    otrf = os.path.join(a.corpus, "otrf-security-datasets")
    hctest.need_corpus(otrf)
    hc = a.hopchain
    with tempfile.TemporaryDirectory() as tmp:
        inputs = []
        for name in ("lateral_movement_host_covenant_dcom_iertutil_dll_hijack.zip",
                     "lateral_movement_host_covenant_dcom_registerxll.zip"):
            with zipfile.ZipFile(os.path.join(otrf, name)) as z:
                for m in z.namelist():
                    if m.endswith(".json"):
                        z.extract(m, tmp)
                        inputs.append(os.path.join(tmp, m))
        for rel in ("velociraptor/artifacts_testdata_files_RDPAuth_Security.evtx",
                    "velociraptor/artifacts_testdata_files_EID4769_Kerberoasting.evtx"):
            src = os.path.join(a.corpus, rel)
            if os.path.exists(src):
                dst = os.path.join(tmp, os.path.basename(rel))
                shutil.copy(src, dst)
                inputs.append(dst)
        db = os.path.join(tmp, "case.db")
        p1 = run(hc, "ingest", "--quiet", "--db", db, "--format", "csv", *inputs)
        first = hctest.csv_rows(p1.stdout)
        check(all(r["status"] == "added" for r in first), f"all inputs added: {p1.stdout}")

        summ = hctest.csv_rows(run(hc, "summary", "--db", db, "--format", "csv").stdout)
        v1 = [r for r in summ if r["target_account"].lower().endswith("pgustavo")
              and r["lm_package"] == "NTLM V1" and r["target_host"] == "workstation6"]
        check(v1 and all(r["src_host"] == "workstation5" for r in v1),
              f"summary: pgustavo NTLM V1 workstation5 -> workstation6: {v1}")
        check(sum(int(r["success"]) for r in v1) >= 2, "at least one such logon per dataset")

        hops = json.loads(run(hc, "hops", "--db", db, "--format", "json",
                              "--account", "^pgustavo$").stdout)
        key = next(iter(hops))
        lm = [h for h in hops[key] if h.get("lm_package") == "NTLM V1"]
        check(lm and all(h.get("src_host") == "workstation5" and h.get("dst_host") == "workstation6"
                         for h in lm), f"hops: the NTLM V1 hops resolved: {lm[:2]}")

        finds = hctest.csv_rows(run(hc, "findings", "--db", db, "--format", "csv",
                                    "--min-hops", "1", "--finding", "ntlm-v1").stdout)
        check(len(finds) >= 2, f"findings: ntlm-v1 raised: {len(finds)}")

        before = run(hc, "chains", "--db", db, "--format", "json", "--min-hops", "1").stdout
        p2 = run(hc, "ingest", "--db", db, "--format", "csv", *inputs)
        check(all(r["status"] == "already in the case" for r in hctest.csv_rows(p2.stdout)),
              f"second ingest adds nothing: {p2.stdout}")
        after = run(hc, "chains", "--db", db, "--format", "json", "--min-hops", "1").stdout
        check(before == after, "the analysis is unchanged by the second ingest")

        an = json.loads(run(hc, "analyze", "--format", "json", "--min-hops", "1", *inputs).stdout)
        check(json.loads(after)["chains"] == an["chains"],
              "chains of the case = analyze on the same inputs")
    if hctest.failures:
        sys.exit(f"{hctest.failures} checks failed")
    print("case on the corpus: all checks passed")


if __name__ == "__main__":
    main()
