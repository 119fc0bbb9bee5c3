#!/usr/bin/python3
"""Scores hopchain's chains against the hand-made ground truth of the OTRF
recordings (tests/corpus/otrf_truth/*.json, read from the raw records, see
its README.md). Standard library only.

For each recording the archive of ../shared/corpus is unpacked into a
temporary directory and `hopchain analyze --format json --min-hops 1` (plus
`--all` when the binary offers it) runs on it. Each hop is matched to a
logon of the truth by its target host and the record id of its logon
evidence (else by target host, account and time within --tolerance), and
the report says, per recording and in total:

* attacker remote logons found / in the truth;
* of those whose source host appears anywhere in the logs: source host
  named right, a wrong host, only an address, nothing (`?`);
* multi-hop chains right / false (a link is right only where the truth has
  that second hop);
* findings right / false by severity: an anonymous-second-hop is right only
  on a real failed second hop of the truth, ntlm-v1 only on a user's NTLM
  V1 logon, unexpected-package only on an NTLM logon, credssp-exposure only
  on type 8, hop-failed only on a 4625, delegation is right on a logon at
  Delegation level; any high finding on noise (machine,
  collector, self, local, background, null session) or on a hop the truth
  does not know is false;
* the noise hopchain lists as hops (machine accounts, the collector, a
  host's own logons ...), and when hops carry a `class`, whether attacker
  hops are `user` and noise is not.

--check exits 1 unless the issue's goals hold: source host named for at
least 90 % of the attacker logons whose source is in the logs, no false
multi-hop chain, no false high finding. Without --check the exit code is 0
whatever the figures; 77 when the corpus or the binary is missing.

usage: accuracy.py [--hopchain BIN] [--corpus DIR] [--truth DIR]
                   [--dataset NAME] [--json] [--check] [-v]"""
import argparse
import collections
import datetime
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOISE = ("machine", "collector", "self", "local", "null-session", "background")
GOAL_NAMED = 0.90


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


def ts(s):
    """RFC 3339 UTC (any fraction) -> datetime."""
    s = s.rstrip("Z")
    return datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")


def user_of(account):
    a = (account or "").split("\\")[-1].split("@")[0]
    return a.lower()


def analyze(hopchain, d, extra):
    cmd = [hopchain, "analyze", "--format", "json", "--min-hops", "1"] + extra + [d]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    try:
        out = json.loads(p.stdout.decode("utf-8", "replace"))
    except ValueError:
        out = None
    return p.returncode, out, p.stderr.decode("utf-8", "replace")


def logon_evidence(hop):
    """Every logon record the hop cites (a folded hop may list several)."""
    return [e for e in hop.get("evidence") or []
            if "logon" in str(e.get("role", "")) and "source" not in str(e.get("role", ""))
            and e.get("event_id") in (4624, 4625)]


class Score:
    def __init__(self, truth):
        self.t = truth
        self.by_key = {(lg["target_host"], lg["record_id"]): lg for lg in truth["logons"]}
        self.self_keys = {(h, i) for h, ids in truth["self_logons"].items() for i in ids}
        self.second = {(tuple(s["parent"]), tuple(s["child"])) for s in truth["second_hops"]}
        self.failed_anon = {tuple(a["logon"]) for a in truth["anonymous_logons"]
                            if a.get("verdict") == "failed-second-hop"}
        self.shift = datetime.timedelta(seconds=truth["recorded_time_offset_s"])

    def match_all(self, hop, tol):
        """-> the truth keys of every logon the hop cites (its first first)."""
        dst = hop.get("dst_host")
        keys = []
        for ev in logon_evidence(hop):
            if os.path.basename(ev.get("file", "")) not in self.t["files"]:
                continue
            k = (dst, ev.get("record_id"))
            if (k in self.by_key or k in self.self_keys) and k not in keys:
                keys.append(k)
        if keys:
            return keys
        k, _ = self.match(hop, tol)
        return [k] if k is not None else []

    def match(self, hop, tol):
        """-> (key, how) of the truth logon this hop is, or (None, why)."""
        dst = hop.get("dst_host")
        for ev in logon_evidence(hop)[:1]:
            if os.path.basename(ev.get("file", "")) in self.t["files"]:
                k = (dst, ev.get("record_id"))
                if k in self.by_key:
                    return k, "record"
                if k in self.self_keys:
                    return k, "self"
        # fallback: host, account, time (as recorded or true UTC)
        try:
            t = ts(hop["time"])
        except (KeyError, ValueError, TypeError):
            return None, "no time"
        best = None
        for k, lg in self.by_key.items():
            if lg["target_host"] != dst or user_of(lg["account"]) != user_of(hop.get("account")):
                continue
            lt = ts(lg["time"])
            d = min(abs((t - lt).total_seconds()), abs((t - (lt + self.shift)).total_seconds()))
            if d <= tol and (best is None or d < best[0]):
                best = (d, k)
        return (best[1], "time") if best else (None, "unknown")

    def time_ok(self, hop, lg, tol):
        t = ts(hop["time"])
        lt = ts(lg["time"])
        return abs((t - lt).total_seconds()) <= tol


def judge_finding(f, lg, role, sc, key):
    """-> 'right', 'false' or 'unjudged'."""
    fid = f.get("id")
    sev = f.get("severity")
    if fid == "anonymous-second-hop":
        return "right" if key in sc.failed_anon else "false"
    if role is None:
        return "false" if sev == "high" else "unjudged"
    if role in NOISE and sev == "high":
        return "false"
    if lg is None:
        return "unjudged"
    if fid == "ntlm-v1":
        ok = lg["lm_package"] in ("NTLM V1", "LM") and user_of(lg["account"]) != "anonymous logon"
        return "right" if ok else "false"
    if fid == "unexpected-package":
        return "right" if lg["package"] == "NTLM" else "false"
    if fid == "credssp-exposure":
        return "right" if lg["logon_type"] == 8 else "false"
    if fid == "hop-failed":
        return "right" if lg["event_id"] == 4625 else "false"
    if fid == "delegation" and lg["impersonation"] == "%%1840":
        return "right"
    return "unjudged"


def score_one(truth, out, tol):
    sc = Score(truth)
    r = collections.OrderedDict()
    chains = (out or {}).get("chains", [])
    hops = {}          # truth key -> (hop, how) ; first seen
    unknown = []       # hops that match nothing
    chain_keys = []
    has_class = False
    for c in chains:
        ks = []
        for h in c.get("hops", []):
            has_class = has_class or ("class" in h)
            all_k = sc.match_all(h, tol)
            ks.append(all_k[0] if all_k else None)
            if not all_k:
                unknown.append(h)
            for k in all_k:
                if k not in hops:
                    hops[k] = (h, "record")
        chain_keys.append((c, ks))
    att = [lg for lg in truth["logons"] if lg["attacker"]]
    found = [lg for lg in att if (lg["target_host"], lg["record_id"]) in hops]
    r["attacker_logons"] = len(att)
    r["found"] = len(found)
    src = collections.Counter()
    misses = []
    for lg in att:
        k = (lg["target_host"], lg["record_id"])
        if lg["source_in_logs"] != "host":
            continue
        src["in_logs"] += 1
        if k not in hops:
            src["not_found"] += 1
            misses.append((lg, None, "logon not found"))
            continue
        h = hops[k][0]
        if h.get("src_host") == lg["src_host"]:
            src["named"] += 1
        elif h.get("src_host"):
            src["wrong_host"] += 1
            misses.append((lg, h, "wrong host"))
        elif h.get("src_ip"):
            src["address_only"] += 1
            misses.append((lg, h, "address only"))
        else:
            src["unknown"] += 1
            misses.append((lg, h, "?"))
    # acts: found when one of its logons is; source named when every found logon names it
    acts = collections.Counter()
    for act in truth["acts"]:
        lgs = [lg for lg in att if lg["act"] == act["id"]]
        got = [hops[(lg["target_host"], lg["record_id"])][0] for lg in lgs
               if (lg["target_host"], lg["record_id"]) in hops]
        acts["total"] += 1
        acts["found"] += bool(got)
        if lgs and lgs[0]["source_in_logs"] == "host":
            acts["source_in_logs"] += 1
            acts["named"] += bool(got) and all(h.get("src_host") == lgs[0]["src_host"] for h in got)
    for k in ("total", "found", "source_in_logs", "named"):
        r["acts_" + k] = acts[k]
    r["source_in_logs"] = src["in_logs"]
    for k in ("named", "wrong_host", "address_only", "unknown", "not_found"):
        r["source_" + k] = src[k]
    addr = [lg for lg in att if lg["source_in_logs"] == "address"]
    r["source_address_only_in_logs"] = len(addr)
    r["source_address_right"] = sum(
        1 for lg in addr if (lg["target_host"], lg["record_id"]) in hops
        and hops[(lg["target_host"], lg["record_id"])][0].get("src_ip") == lg["src_ip"])
    r["time_wrong"] = sum(1 for lg in found
                          if not sc.time_ok(hops[(lg["target_host"], lg["record_id"])][0], lg, tol))
    # multi-hop chains
    multi_right = multi_false = 0
    false_chains = []
    for c, ks in chain_keys:
        if len(ks) < 2:
            continue
        ok = all(a is not None and b is not None and (a, b) in sc.second for a, b in zip(ks, ks[1:]))
        if ok:
            multi_right += 1
        else:
            multi_false += 1
            false_chains.append(c.get("id"))
    r["multi_hop_chains_in_truth"] = len(truth["second_hops"])
    r["multi_hop_right"] = multi_right
    r["multi_hop_false"] = multi_false
    r["false_chains"] = false_chains
    # findings
    fr = collections.Counter()
    seen = set()
    false_list = []
    for c, ks in chain_keys:
        for f in c.get("findings", []):
            i = f.get("hop")
            key = ks[i - 1] if isinstance(i, int) and 1 <= i <= len(ks) else None
            dk = (f.get("id"), key if key is not None else (c.get("id"), i))
            if dk in seen:
                continue
            seen.add(dk)
            lg = sc.by_key.get(key)
            role = lg["role"] if lg else ("self" if key in sc.self_keys else None)
            v = judge_finding(f, lg, role, sc, key)
            fr[(v, f.get("severity"))] += 1
            if v == "false":
                false_list.append("%s %s on %s (%s)" % (f.get("severity"), f.get("id"),
                                                       "%s#%s" % key if key else "unknown hop", role))
    for v in ("right", "false", "unjudged"):
        for s in ("high", "medium", "low", "info"):
            r["findings_%s_%s" % (v, s)] = fr[(v, s)]
    r["false_findings"] = false_list
    # noise listed as hops
    listed = collections.Counter()
    for k in hops:
        lg = sc.by_key.get(k)
        listed[lg["role"] if lg else "self"] += 1
    listed["unknown"] = len(unknown)
    for k in ("machine", "collector", "self", "local", "background", "operator", "unknown"):
        r["listed_" + k] = listed[k]
    # classes
    r["has_class"] = has_class
    if has_class:
        cls = collections.Counter()
        for k, (h, _) in hops.items():
            lg = sc.by_key.get(k)
            role = lg["role"] if lg else "self"
            c = h.get("class")
            if role == "attacker":
                cls["attacker_total"] += 1
                cls["attacker_user"] += c == "user"
            elif role in NOISE:
                cls["noise_total"] += 1
                accept = lg.get("class_accept", [lg["class"]]) if lg else ["machine", "local"]
                cls["noise_not_user"] += c != "user"
                cls["noise_right_class"] += c in accept
        for k in ("attacker_total", "attacker_user", "noise_total", "noise_not_user", "noise_right_class"):
            r["class_" + k] = cls[k]
    r["_misses"] = misses
    return r


def miss_line(name, lg, h, why):
    proof = ",".join("%s %s#%s" % (p["host"], p["event_id"], p["record_id"]) for p in lg["source_proof"][:4])
    got = "-" if h is None else "src_host=%s src_ip=%s by=%s" % (
        h.get("src_host"), h.get("src_ip"), h.get("source_resolved_by"))
    return ("  %s: %s %s#%s %s %s %s ip=%s truth %s/%s [%s] -> hopchain %s (%s)" % (
        name, lg["time"], lg["target_host"], lg["record_id"], lg["account"], lg["package"],
        lg["logon_type"], lg["ip"] or "-", lg["src_host"], lg["src_ip"], proof, got, why))


SUM_KEYS = ("attacker_logons", "found", "acts_total", "acts_found", "acts_source_in_logs", "acts_named", "source_in_logs", "source_named", "source_wrong_host",
            "source_address_only", "source_unknown", "source_not_found",
            "source_address_only_in_logs", "source_address_right", "time_wrong",
            "multi_hop_chains_in_truth", "multi_hop_right", "multi_hop_false",
            "listed_machine", "listed_collector", "listed_self", "listed_local",
            "listed_background", "listed_operator", "listed_unknown",
            "class_attacker_total", "class_attacker_user", "class_noise_total",
            "class_noise_not_user", "class_noise_right_class")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hopchain", default=os.path.join(ROOT, "build", "cli", "hopchain"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--truth", default=os.path.join(ROOT, "tests", "corpus", "otrf_truth"))
    ap.add_argument("--dataset", help="score this recording only (name of its truth file)")
    ap.add_argument("--json", action="store_true", help="print a machine-readable summary")
    ap.add_argument("--check", action="store_true", help="exit 1 unless the issue's goals hold")
    ap.add_argument("--tolerance", type=float, default=2.0, help="seconds, for matching by time")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every missed source and false finding")
    a = ap.parse_args()
    od = os.path.join(a.corpus, "otrf-security-datasets")
    if not os.path.isdir(od):
        print("SKIP: no", od, file=sys.stderr)
        return 77
    if not os.access(a.hopchain, os.X_OK):
        print("SKIP: no hopchain binary at", a.hopchain, file=sys.stderr)
        return 77
    names = sorted(n[:-5] for n in os.listdir(a.truth) if n.endswith(".json"))
    if a.dataset:
        if a.dataset not in names:
            print("no truth for", a.dataset, file=sys.stderr)
            return 2
        names = [a.dataset]
    helptext = subprocess.run([a.hopchain, "analyze", "--help"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT).stdout.decode("utf-8", "replace")
    extra = ["--all"] if "--all" in helptext else []
    rows = []
    with tempfile.TemporaryDirectory(prefix="hc-accuracy-") as tmp:
        for n in names:
            with open(os.path.join(a.truth, n + ".json"), encoding="utf-8") as f:
                t = json.load(f)
            d = os.path.join(tmp, n)
            unpack(os.path.join(od, t["archive"]), d)
            rc, out, err = analyze(a.hopchain, d, extra)
            r = score_one(t, out, a.tolerance)
            r["dataset"] = n
            r["exit_code"] = rc
            r["output_ok"] = out is not None
            rows.append(r)
    tot = collections.OrderedDict((k, sum(r.get(k, 0) for r in rows)) for k in SUM_KEYS)
    for v in ("right", "false", "unjudged"):
        for s in ("high", "medium", "low", "info"):
            k = "findings_%s_%s" % (v, s)
            tot[k] = sum(r[k] for r in rows)
    named_share = tot["source_named"] / tot["source_in_logs"] if tot["source_in_logs"] else 1.0
    goals = collections.OrderedDict([
        ("source_named_share", round(named_share, 3)),
        ("source_named_goal", GOAL_NAMED),
        ("source_named_met", named_share >= GOAL_NAMED),
        ("no_false_multi_hop_chain", tot["multi_hop_false"] == 0),
        ("no_false_high_finding", tot["findings_false_high"] == 0),
    ])
    goals["all_met"] = all(v for k, v in goals.items() if k.endswith("_met") or k.startswith("no_"))
    if a.json:
        clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
        json.dump({"hopchain": a.hopchain, "options": ["--min-hops", "1"] + extra,
                   "datasets": clean, "total": tot, "goals": goals}, sys.stdout, indent=1)
        print()
    else:
        print("%-58s %6s %5s %5s %4s %4s %4s %5s %6s %5s %s" % (
            "recording", "found", "named", "addr", "?", "wrng", "miss", "multi", "F.high", "F.med", "noise listed"))
        for r in rows:
            noise = " ".join("%s %d" % (k, r["listed_" + k]) for k in
                             ("machine", "collector", "self", "local", "background", "operator", "unknown")
                             if r["listed_" + k])
            print("%-58s %2d/%-3d %2d/%-2d %5d %4d %4d %4d %2d/%-2d %6d %5d %s%s" % (
                r["dataset"].replace("lateral_movement_host_", "")[:58], r["found"], r["attacker_logons"],
                r["source_named"], r["source_in_logs"], r["source_address_only"], r["source_unknown"],
                r["source_wrong_host"], r["source_not_found"], r["multi_hop_right"],
                r["multi_hop_right"] + r["multi_hop_false"], r["findings_false_high"],
                r["findings_false_medium"], noise or "-", "" if r["output_ok"] else "  (no JSON output!)"))
        print()
        print("attacker remote logons found: %d of %d" % (tot["found"], tot["attacker_logons"]))
        print("source in the logs: %d; host named right %d (%.0f %%), wrong host %d, address only %d, "
              "? %d, logon not found %d" % (tot["source_in_logs"], tot["source_named"], 100 * named_share,
                                             tot["source_wrong_host"], tot["source_address_only"],
                                             tot["source_unknown"], tot["source_not_found"]))
        print("acts: %d of %d found; source named on every logon of %d of the %d acts whose source is in the logs" % (
            tot["acts_found"], tot["acts_total"], tot["acts_named"], tot["acts_source_in_logs"]))
        print("source only an address in the logs: %d; address given %d" % (
            tot["source_address_only_in_logs"], tot["source_address_right"]))
        print("hop time off by more than %.0f s: %d" % (a.tolerance, tot["time_wrong"]))
        print("multi-hop chains: %d right, %d false (truth has %d)" % (
            tot["multi_hop_right"], tot["multi_hop_false"], tot["multi_hop_chains_in_truth"]))
        print("findings: false high %d, false medium %d; right high %d, right medium %d; unjudged %d" % (
            tot["findings_false_high"], tot["findings_false_medium"], tot["findings_right_high"],
            tot["findings_right_medium"], sum(tot["findings_unjudged_" + s] for s in ("high", "medium", "low", "info"))))
        print("noise listed as hops: machine %d, collector %d, self %d, local %d, background %d, "
              "operator %d, not in the truth %d" % tuple(tot["listed_" + k] for k in (
                  "machine", "collector", "self", "local", "background", "operator", "unknown")))
        if any(r["has_class"] for r in rows):
            print("classes: attacker hops 'user' %d of %d; noise hops not 'user' %d of %d (right class %d)" % (
                tot["class_attacker_user"], tot["class_attacker_total"], tot["class_noise_not_user"],
                tot["class_noise_total"], tot["class_noise_right_class"]))
        else:
            print("classes: the JSON has no hop class")
        print("goals: source named >= %.0f %%: %s; no false multi-hop chain: %s; no false high finding: %s" % (
            100 * GOAL_NAMED, "met" if goals["source_named_met"] else "NOT met",
            "met" if goals["no_false_multi_hop_chain"] else "NOT met",
            "met" if goals["no_false_high_finding"] else "NOT met"))
        if a.verbose:
            print("\nsources not named:")
            for r in rows:
                for lg, h, why in r["_misses"]:
                    print(miss_line(r["dataset"], lg, h, why))
            print("\nfalse findings and chains:")
            for r in rows:
                for s in r["false_findings"]:
                    print("  %s: %s" % (r["dataset"], s))
                for c in r["false_chains"]:
                    print("  %s: false multi-hop chain %s" % (r["dataset"], c))
    if a.check and not goals["all_met"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
