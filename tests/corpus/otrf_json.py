#!/usr/bin/python3
"""hopchain on the OTRF Security-Datasets JSON recordings of ../shared/corpus
(exit 77 = skip when absent). Each archive is unpacked into a temporary
directory (never into the source tree) and read as a directory:

* counts: per dataset, the number of events of each logon event id, of
  4624 per logon type and of 4624 with NTLM V1 equal the counts
  SOURCES.md lists; `events` exits 0 with nothing on stderr;
* time (Mordor flat): every event's time is whole seconds, at or before the
  collector's @timestamp of its record and less than 5 minutes before it
  (the EventTime + derived offset policy);
* hosts: the hosts `analyze` finds with a log are the Hostnames (first
  label, any case) of the records analyze reads (those ids and the
  witnesses: 4688, 5156, 5158, NTLM 8001, Sysmon 1 and 3), read here with
  Python's json; shire-lab hosts carry the lab's addresses when any is
  learned;
* lateral movement: in the covenant_dcom datasets whose ground truth
  (.metadata.yaml) names WORKSTATION6 as the DCOM target, `analyze` shows
  WORKSTATION5 -> WORKSTATION6 as a user's NTLM V1 logon with the ntlm-v1
  finding;
* the Azure Log Analytics export, a layout hopchain does not read, is
  refused as a file ("not an event log"), exit 1.

usage: otrf_json.py --hopchain BIN --corpus DIR"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402

LOGON_IDS = (4624, 4625, 4634, 4647, 4648, 4672, 4768, 4769, 4771, 4776)
# what analyze also reads: who connected where, which process in which session
WITNESS_IDS = (4688, 5156, 5158, 8001)
SYSMON_IDS = (1, 3)


def witness_hosts(d):
    """Hostnames (first label, lower case) of the witness records of `d`."""
    out = set()
    for name in os.listdir(d):
        with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
            for line in f:
                if '"EventID"' not in line and '"event_id"' not in line:
                    continue
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                eid = r.get("EventID", r.get("event_id"))
                host = r.get("Hostname") or r.get("computer_name")
                chan = str(r.get("Channel", r.get("log_name", "")))
                if host and (eid in WITNESS_IDS or (eid in SYSMON_IDS and "sysmon" in chan.lower())):
                    out.add(host.split(".")[0].lower())
    return out
# corpus README: the shire lab
SHIRE = {"workstation5": "172.18.39.5", "workstation6": "172.18.39.6",
         "workstation7": "172.18.39.7", "mordordc": "172.18.38.5"}
DCOM = ("lateral_movement_host_covenant_dcom_iertutil_dll_hijack",
        "lateral_movement_host_covenant_dcom_registerxll")


def sources(corpus):
    """SOURCES.md rows of the OTRF JSON datasets: name -> facts."""
    out = {}
    with open(os.path.join(corpus, "SOURCES.md"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\| otrf-security-datasets/(\S+?)\.(zip|Zip|tar\.gz) \|.*"
                         r"\| JSON-lines dataset \((.*)\), (\d+) records, (.*) \|$", line)
            if not m:
                continue
            rest = m.group(5)
            ids = {int(a): int(b) for a, b in
                   re.findall(r"\b(\d{4}):(\d+)", re.search(r"ids ([\d: ]+)", rest).group(1))} \
                if "ids " in rest else {}
            lt = re.search(r"4624 LT ([\d:,]+)", rest)
            v1 = re.search(r"NTLM V1 x(\d+)", rest)
            hosts = re.search(r"(\d+) hosts", rest)
            out[m.group(1)] = {
                "archive": m.group(1) + "." + m.group(2),
                "layout": m.group(3),
                "ids": ids,
                "lt": {int(a): int(b) for a, b in re.findall(r"(\d+):(\d+)", lt.group(1))}
                if lt else {},
                "ntlmv1": int(v1.group(1)) if v1 else 0,
                "hosts": int(hosts.group(1)) if hosts else 1,
            }
    return out


def unpack(archive, dest):
    """Regular files only, by base name: nothing escapes `dest`."""
    os.makedirs(dest)
    if archive.endswith(".tar.gz"):
        with tarfile.open(archive) as t:
            for m in t.getmembers():
                if m.isfile():
                    with open(os.path.join(dest, os.path.basename(m.name)), "wb") as f:
                        f.write(t.extractfile(m).read())
    else:
        with zipfile.ZipFile(archive) as z:
            for n in z.namelist():
                if not n.endswith("/"):
                    with open(os.path.join(dest, os.path.basename(n)), "wb") as f:
                        f.write(z.read(n))


def raw_records(d):
    """(Hostname label, record number, event id) -> record, for logon ids. A
    record without a record number is keyed by its line, as hopchain does."""
    out = {}
    for name in os.listdir(d):
        with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                if '"EventID"' not in line and '"event_id"' not in line:
                    continue
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                eid = r.get("EventID", r.get("event_id"))
                host = r.get("Hostname") or r.get("computer_name")
                if eid not in LOGON_IDS or not host:
                    continue
                rec = r.get("RecordNumber", r.get("record_number"))
                out[(host.split(".")[0].lower(), int(rec) if rec is not None else lineno,
                     eid)] = r
    return out


def run(hopchain, args):
    return subprocess.run([hopchain] + args, capture_output=True, text=True,
                          env=hctest.hopchain_env())


def check_dataset(hopchain, name, facts, d, corpus):
    errs = []
    if facts["layout"].startswith("Azure"):
        p = run(hopchain, ["events", d])
        if p.returncode != 1 or "not an event log" not in p.stderr:
            errs.append("Azure export: want exit 1 and 'not an event log', got %d: %s"
                        % (p.returncode, p.stderr[:200]))
        return errs
    p = run(hopchain, ["events", "--format", "jsonl", d])
    if p.returncode != 0 or p.stderr:
        errs.append("events: exit %d, stderr %r" % (p.returncode, p.stderr[:300]))
    evs = [json.loads(x) for x in p.stdout.splitlines()]
    ids = collections.Counter(e["event_id"] for e in evs if e["event_id"] in LOGON_IDS)
    want = {k: v for k, v in facts["ids"].items() if k in LOGON_IDS}
    if dict(ids) != want:
        errs.append("event ids %s, SOURCES.md %s" % (dict(sorted(ids.items())), want))
    lt = collections.Counter(e.get("logon_type") for e in evs if e["event_id"] == 4624)
    if dict(lt) != facts["lt"]:
        errs.append("4624 logon types %s, SOURCES.md %s" % (dict(lt), facts["lt"]))
    v1 = sum(1 for e in evs if e["event_id"] == 4624 and e.get("lm_package") == "NTLM V1")
    if v1 != facts["ntlmv1"]:
        errs.append("NTLM V1 4624s %d, SOURCES.md %d" % (v1, facts["ntlmv1"]))

    raw = raw_records(d)
    for e in evs:
        if e["event_id"] not in LOGON_IDS:
            continue
        r = raw.get((e["computer"].split(".")[0].lower(), e["record_id"], e["event_id"]))
        if r is None:
            errs.append("no raw record for %s#%d" % (e["computer"], e["record_id"]))
            break
        if "EventTime" in r and "@timestamp" in r and "TimeCreated" not in r:
            t, ts = hctest.ticks(e["time"]), hctest.ticks(r["@timestamp"])
            if t % 10**7 or not 0 <= ts - t < 300 * 10**7:
                errs.append("time %s of record %d: not EventTime corrected to UTC "
                            "(EventTime %s, @timestamp %s)"
                            % (e["time"], e["record_id"], r["EventTime"], r["@timestamp"]))
                break

    p = run(hopchain, ["analyze", "--format", "json", "--min-hops", "1", d])
    if p.returncode != 0:
        errs.append("analyze: exit %d: %s" % (p.returncode, p.stderr[:300]))
        return errs
    a = json.loads(p.stdout)
    with_log = {h["name"] for h in a["hosts"] if h["has_log"]}
    raw_hosts = {k[0] for k in raw} | witness_hosts(d)
    if with_log != raw_hosts:
        errs.append("hosts with a log %s, records name %s" % (sorted(with_log),
                                                              sorted(raw_hosts)))
    if len(with_log) > facts["hosts"]:
        errs.append("%d hosts, SOURCES.md %d" % (len(with_log), facts["hosts"]))
    for h in a["hosts"]:
        lab = SHIRE.get(h["name"])
        got = {x["address"] for x in h["addresses"]}
        if lab and got and got != {lab}:
            errs.append("%s: addresses %s, the lab's is %s" % (h["name"], sorted(got), lab))

    if name in DCOM:
        with open(os.path.join(corpus, "otrf-security-datasets", name + ".metadata.yaml"),
                  encoding="utf-8") as f:
            truth = f.read()
        if "WORKSTATION6" not in truth and "172.18.39.6" not in truth:
            errs.append("ground truth no longer names WORKSTATION6")
        found = False
        for c in a["chains"]:
            for i, hop in enumerate(c["hops"]):
                if (hop["src_host"], hop["dst_host"]) == ("workstation5", "workstation6") and \
                        hop["package"] == "NTLM" and hop["lm_package"] == "NTLM V1" and \
                        not hop["anonymous"] and \
                        any(f["id"] == "ntlm-v1" and f["hop"] == i + 1 for f in c["findings"]):
                    found = True
        if not found:
            errs.append("no WORKSTATION5 -> WORKSTATION6 user NTLM V1 hop with ntlm-v1")
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopchain", required=True)
    ap.add_argument("--corpus", required=True)
    a = ap.parse_args()
    base = os.path.join(a.corpus, "otrf-security-datasets")
    hctest.need_corpus(base)
    hctest.need_corpus(os.path.join(a.corpus, "SOURCES.md"))
    hopchain = os.path.abspath(a.hopchain)
    facts = sources(a.corpus)
    if not facts:
        print("SOURCES.md lists no OTRF JSON dataset")
        return 1
    fails = 0
    with tempfile.TemporaryDirectory(prefix="hc-otrf-") as tmp:
        for name in sorted(facts):
            archive = os.path.join(base, facts[name]["archive"])
            if not os.path.isfile(archive):
                print("FAIL %s: %s missing" % (name, archive))
                fails += 1
                continue
            d = os.path.join(tmp, name)
            unpack(archive, d)
            errs = check_dataset(hopchain, name, facts[name], d, a.corpus)
            print("%-4s %s" % ("FAIL" if errs else "ok", name))
            for e in errs[:8]:
                print("     " + e)
            fails += bool(errs)
    print("%d datasets, %d failed" % (len(facts), fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
