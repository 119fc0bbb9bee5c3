#!/usr/bin/python3
"""Checks the hand-made ground truth of the OTRF recordings
(tests/corpus/otrf_truth/*.json, schema in its README.md) against itself and
against the raw records of ../shared/corpus (exit 77 = skip when absent):

* schema: every file has the documented keys, types and values; acts cite
  attacker logons of the file; counts agree with the logons;
* corpus: the archive exists and its sha256 is the one recorded (and the
  one SOURCES.md lists), so a changed corpus is reported, not mis-scored;
* records: each archive is unpacked into a temporary directory and read
  with Python's json; every logon the truth lists is there with the same
  host, account, logon id, type, package and address, every record cited
  as proof (4769, 4648, 4776, 5156, Sysmon 3, the logoff) exists on the
  cited host with the cited event id, and every network logon (4624/4625
  of type 3, 8, 10, 12) of the recording is in the truth: as a logon or
  as one of the host's own (self) logons. Nothing is added or missed
  silently.

usage: otrf_truth_check.py --corpus DIR [--truth DIR] [--schema-only]"""
import argparse
import hashlib
import ipaddress
import json
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from otrf_json import unpack  # noqa: E402  (regular files only, by base name)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402

CLASSES = ("user", "machine", "collector", "null-session", "local")
ROLES = ("attacker", "background", "operator", "machine", "collector", "null-session", "local")
SOURCE_IN_LOGS = ("host", "address", "none")
NETWORK_TYPES = ("3", "8", "10", "12")


class Bad(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Bad(what)


def typed(obj, key, types, where, nullable=False):
    need(key in obj, "%s: missing key %r" % (where, key))
    v = obj[key]
    if v is None and nullable:
        return v
    types = types if isinstance(types, tuple) else (types,)
    ok = isinstance(v, types) and (bool in types or not isinstance(v, bool))
    need(ok, "%s: %r has the wrong type (%s)" % (where, key, type(v).__name__))
    return v


def check_proof(p, where):
    typed(p, "host", str, where)
    typed(p, "event_id", int, where)
    typed(p, "record_id", int, where)
    typed(p, "time", str, where)
    typed(p, "note", str, where)


def check_schema(t, name):
    w = name
    need(typed(t, "schema", int, w) == 1, w + ": schema must be 1")
    need(typed(t, "dataset", str, w) + ".json" == name, w + ": dataset does not match the file name")
    typed(t, "archive", str, w)
    need(re.fullmatch(r"[0-9a-f]{64}", typed(t, "archive_sha256", str, w)), w + ": bad archive_sha256")
    need(all(isinstance(f, str) for f in typed(t, "files", list, w)) and t["files"], w + ": files")
    typed(t, "metadata_id", str, w, nullable=True)
    need(typed(t, "layout", str, w) in ("mordor-flat", "mordor-flat-timecreated", "winlogbeat6"), w + ": layout")
    need(typed(t, "record_key", str, w) in ("RecordNumber", "record_number", "line"), w + ": record_key")
    typed(t, "time_basis", str, w)
    typed(t, "recorded_time_offset_s", int, w)
    for k in ("summary", "uncertain"):
        need(len(typed(t, k, str, w)) > 10, w + ": %s is empty" % k)
    for h in typed(t, "hosts", list, w):
        hw = w + ": host"
        typed(h, "name", str, hw)
        typed(h, "has_log", bool, hw)
        for a in typed(h, "addresses", list, hw):
            ipaddress.ip_address(typed(a, "address", str, hw))
            typed(a, "witnesses", dict, hw)
    logons = typed(t, "logons", list, w)
    keys = set()
    for lg in logons:
        lw = "%s: logon %s#%s" % (w, lg.get("target_host"), lg.get("record_id"))
        typed(lg, "target_host", str, lw)
        typed(lg, "time", str, lw)
        need(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lg["time"]), lw + ": time")
        need(typed(lg, "event_id", int, lw) in (4624, 4625), lw + ": event_id")
        typed(lg, "record_id", int, lw)
        typed(lg, "line", int, lw)
        need(lg["file"] in t["files"], lw + ": file not in files")
        need("\\" in typed(lg, "account", str, lw), lw + ": account is DOMAIN\\user")
        typed(lg, "logon_type", int, lw)
        typed(lg, "package", str, lw)
        typed(lg, "logon_id", str, lw)
        typed(lg, "ip", str, lw, nullable=True)
        typed(lg, "port", int, lw, nullable=True)
        need(typed(lg, "class", str, lw) in CLASSES, lw + ": class")
        need(typed(lg, "role", str, lw) in ROLES, lw + ": role")
        need(typed(lg, "attacker", bool, lw) == (lg["role"] == "attacker"), lw + ": attacker vs role")
        need((lg["role"] in ("attacker", "background", "operator")) == (lg["class"] == "user"),
             lw + ": role and class disagree")
        if lg["role"] != "local":
            typed(lg, "src_host", str, lw, nullable=True)
            typed(lg, "src_ip", str, lw, nullable=True)
            sil = typed(lg, "source_in_logs", str, lw)
            need(sil in SOURCE_IN_LOGS, lw + ": source_in_logs")
            need((sil == "host") == (lg["src_host"] is not None), lw + ": source_in_logs vs src_host")
            need(sil != "address" or lg["src_ip"], lw + ": address without src_ip")
            for p in typed(lg, "source_proof", list, lw):
                check_proof(p, lw + " proof")
            need(lg["source_in_logs"] == "none" or lg["source_proof"] or lg["ip"],
                 lw + ": a source without proof")
        if lg["attacker"]:
            need(isinstance(lg.get("act"), str), lw + ": attacker logon without act")
        k = (lg["target_host"], lg["record_id"])
        need(k not in keys, lw + ": listed twice")
        keys.add(k)
    att = {(lg["target_host"], lg["record_id"]): lg for lg in logons if lg["attacker"]}
    in_acts = set()
    for a in typed(t, "acts", list, w):
        aw = w + ": act " + str(a.get("id"))
        typed(a, "id", str, aw)
        typed(a, "method", str, aw)
        typed(a, "what", str, aw)
        for r in typed(a, "logons", list, aw):
            hits = [k for k in att if k[1] == r and att[k]["act"] == a["id"]]
            need(len(hits) == 1, aw + ": logon %s is not one attacker logon of this act" % r)
            in_acts.add(hits[0])
    need(in_acts == set(att), w + ": attacker logons outside every act")
    for h, ids in typed(t, "self_logons", dict, w).items():
        need(all(isinstance(i, int) for i in ids), w + ": self_logons")
    for k in ("second_hops", "anonymous_logons"):
        typed(t, k, list, w)
    for s in t["second_hops"]:
        for k in ("parent", "child"):
            need(tuple(s[k]) in keys, w + ": second hop cites an unknown logon")
    typed(t, "noise", dict, w)
    typed(t, "clock", list, w)
    typed(t, "collector", dict, w)
    c = typed(t, "counts", dict, w)
    vals = list(att.values())
    need(c.get("attacker_logons") == len(vals), w + ": counts.attacker_logons")
    need(c.get("acts") == len(t["acts"]), w + ": counts.acts")
    for k, v in (("attacker_source_host_in_logs", "host"), ("attacker_source_address_only", "address"),
                 ("attacker_source_none", "none")):
        need(c.get(k) == sum(1 for x in vals if x["source_in_logs"] == v), w + ": counts." + k)
    need(c.get("multi_hop_chains") == len(t["second_hops"]), w + ": counts.multi_hop_chains")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def sources_sha(corpus):
    out = {}
    with open(os.path.join(corpus, "SOURCES.md"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\| otrf-security-datasets/(\S+) \|.*\| `([0-9a-f]{64})` \|", line)
            if m:
                out[m.group(1)] = m.group(2)
    return out


def norm_ip(s):
    s = (s or "").split("%")[0].lower()
    if s.startswith("::ffff:"):
        s = s[7:]
    try:
        return ipaddress.ip_address(s).compressed
    except ValueError:
        return s


RE_ID = re.compile(r'"(?:EventID|event_id)"\s*:\s*"?(\d+)')
RE_REC = re.compile(r'"(?:RecordNumber|record_number)"\s*:\s*"?(\d+)')


def read_records(d, t, wanted):
    """host -> {(record key, event id): flat record} for the wanted keys, and
    every network logon of the recording."""
    found = {}
    netlogons = []
    by_line = t["record_key"] == "line"
    for name in t["files"]:
        with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = RE_ID.search(line)
                if not m:
                    continue
                eid = int(m.group(1))
                if by_line:
                    key = lineno
                else:
                    mr = RE_REC.search(line)
                    if not mr:
                        continue
                    key = int(mr.group(1))
                if eid not in (4624, 4625) and (key, eid) not in wanted:
                    continue
                r = json.loads(line)
                flat = dict(r.get("event_data") or {})
                flat.update({k: v for k, v in r.items() if not isinstance(v, (dict, list))})
                host = (r.get("Hostname") or r.get("computer_name") or "").split(".")[0].lower()
                found[(host, key, eid)] = flat
                if eid in (4624, 4625) and str(flat.get("LogonType")) in NETWORK_TYPES:
                    netlogons.append((host, key))
    return found, netlogons


def check_records(t, d):
    w = t["dataset"]
    wanted = set()
    for lg in t["logons"]:
        wanted.add((lg["record_id"], lg["event_id"]))
        for p in lg.get("source_proof", []):
            wanted.add((p["record_id"], p["event_id"]))
        if lg.get("logoff"):
            wanted.add((lg["logoff"]["record_id"], 4634))
            wanted.add((lg["logoff"]["record_id"], 4647))
    recs, net = read_records(d, t, wanted)
    for lg in t["logons"]:
        lw = "%s: logon %s#%s" % (w, lg["target_host"], lg["record_id"])
        r = recs.get((lg["target_host"], lg["record_id"], lg["event_id"]))
        need(r is not None, lw + ": no such record in the archive")
        need("%s\\%s" % (r.get("TargetDomainName"), r.get("TargetUserName")) == lg["account"], lw + ": account")
        need(str(r.get("TargetLogonId", "")).lower() == lg["logon_id"], lw + ": logon id")
        need(int(r.get("LogonType")) == lg["logon_type"], lw + ": logon type")
        need(r.get("AuthenticationPackageName") == lg["package"], lw + ": package")
        ip = norm_ip(str(r.get("IpAddress", "-")))
        need((lg["ip"] or "-") == ip, lw + ": ip %s vs %s" % (lg["ip"], ip))
        for p in lg.get("source_proof", []):
            need((p["host"], p["record_id"], p["event_id"]) in recs,
                 "%s: proof %s %s#%s not in the archive" % (lw, p["host"], p["event_id"], p["record_id"]))
        if lg.get("logoff"):
            need(any((lg["target_host"], lg["logoff"]["record_id"], e) in recs for e in (4634, 4647)),
                 lw + ": logoff record not in the archive")
    listed = {(lg["target_host"], lg["record_id"]) for lg in t["logons"]}
    listed |= {(h, i) for h, ids in t["self_logons"].items() for i in ids}
    missing = [k for k in net if k not in listed]
    need(not missing, "%s: network logons missing from the truth: %s" % (w, missing[:5]))
    extra = listed - set(net)
    need(not extra, "%s: logons in the truth that are not network logons of the archive: %s"
         % (w, sorted(extra)[:5]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--truth", default=os.path.join(HERE, "otrf_truth"))
    ap.add_argument("--schema-only", action="store_true")
    a = ap.parse_args()
    names = sorted(n for n in os.listdir(a.truth) if n.endswith(".json"))
    if not names:
        print("no truth files in", a.truth)
        return 1
    truths = []
    failed = 0
    for n in names:
        with open(os.path.join(a.truth, n), encoding="utf-8") as f:
            t = json.load(f)
        try:
            check_schema(t, n)
            truths.append(t)
        except Bad as e:
            print("FAIL schema:", e)
            failed += 1
    if failed or a.schema_only:
        print("%d truth files, %d bad" % (len(names), failed))
        return 1 if failed else 0
    od = os.path.join(a.corpus, "otrf-security-datasets")
    hctest.need_corpus(od)
    listed = sources_sha(a.corpus)
    with tempfile.TemporaryDirectory(prefix="hc-truth-") as tmp:
        for t in truths:
            try:
                arc = os.path.join(od, t["archive"])
                need(os.path.exists(arc), "%s: archive %s is missing from the corpus" % (t["dataset"], t["archive"]))
                got = sha256(arc)
                need(got == t["archive_sha256"], "%s: the corpus changed: %s has sha256 %s, the truth was "
                     "made from %s" % (t["dataset"], t["archive"], got, t["archive_sha256"]))
                need(listed.get(t["archive"], got) == got, "%s: SOURCES.md lists another sha256" % t["dataset"])
                d = os.path.join(tmp, t["dataset"])
                unpack(arc, d)
                check_records(t, d)
                n_att = t["counts"]["attacker_logons"]
                print("ok   %-90s %2d attacker logons, %3d logons listed" % (t["dataset"], n_att, len(t["logons"])))
            except Bad as e:
                print("FAIL", e)
                failed += 1
    print("%d truth files, %d failed" % (len(truths), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
