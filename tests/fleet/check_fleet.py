#!/usr/bin/python3
"""Compare `hopchain analyze --format json` with the ground truth of
bench/fleet.py.

usage: check_fleet.py --truth TRUTH.json --analyze-json ANALYZE.json
                      [--time-tolerance SECONDS] [--no-duplicates] [--quiet]

Pass when
* every planted chain is found: some reported chain has the same host
  sequence (src of hop 1, then the dst of every hop), the same account on
  every non-anonymous hop, an anonymous hop wherever the truth has one, the
  first hop within --time-tolerance (default 300 s) of the planted one, and
  every expected finding (id and hop number) among its findings;
* no other chain of >= 2 hops is reported. A second report of a planted
  chain (same hosts and accounts) is a duplicate: a warning, or a failure
  with --no-duplicates.
Host names compare case-insensitively on the first DNS label (SERVER1,
server1.contoso.local and \\\\server1 are the same host); accounts without
their domain (CONTOSO\\x, x@CONTOSO.LOCAL and x are the same account).
Exit: 0 pass, 1 fail, 2 usage or unreadable input."""
import argparse
import json
import re
import sys
from datetime import datetime, timezone

ANON = "anonymous logon"


def host(name):
    if name is None:
        return "?"
    s = str(name).strip().lstrip("\\").lower()
    if re.fullmatch(r"[0-9.]+|[0-9a-f:]+", s) and any(c in s for c in ".:"):
        return s  # an address stays whole
    return s.split(".")[0] or "?"


def account(name):
    if name is None:
        return ""
    s = str(name).strip().lower()
    s = s.split("\\")[-1]
    return s.split("@")[0]


def when(text):
    """Seconds since the epoch of an RFC 3339 UTC time with up to 7 fraction digits."""
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?",
                     str(text).strip())
    if not m:
        return None
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    frac = float("0." + m.group(7)) if m.group(7) else 0.0
    t = datetime(y, mo, d, h, mi, s, tzinfo=timezone.utc).timestamp() + frac
    z = m.group(8)
    if z and z != "Z":
        sign = 1 if z[0] == "+" else -1
        t -= sign * (int(z[1:3]) * 3600 + int(z[4:6]) * 60)
    return t


def is_anon(h):
    return bool(h.get("anonymous")) or account(h.get("account")) == ANON


def chain_hosts(hops):
    return [host(hops[0].get("src_host") if "src_host" in hops[0] else hops[0].get("src"))] + \
        [host(h.get("dst_host") if "dst_host" in h else h.get("dst")) for h in hops]


def describe(c):
    hops = c.get("hops", [])
    parts = [chain_hosts(hops)[0]] if hops else []
    for h in hops:
        a = "ANONYMOUS" if is_anon(h) else account(h.get("account"))
        parts.append(f"-({a})-> {host(h.get('dst_host'))}")
    return f"{c.get('id', '?')}: " + " ".join(parts)


def same_path(planted, got, tol):
    """1 when `got` (analyze chain) has the planted chain's hosts and accounts."""
    ph, gh = planted["hops"], got.get("hops", [])
    if len(ph) != len(gh) or chain_hosts(ph) != chain_hosts(gh):
        return False
    for p, g in zip(ph, gh):
        if p.get("anonymous"):
            if not is_anon(g):
                return False
        elif is_anon(g) or account(p.get("account")) != account(g.get("account")):
            return False
    tp, tg = when(ph[0].get("time")), when(gh[0].get("time"))
    if tol is not None and tp is not None and tg is not None and abs(tp - tg) > tol:
        return False
    return True


def missing_findings(planted, got):
    have = {(f.get("id"), f.get("hop")) for f in got.get("findings", [])}
    return [f for f in planted.get("findings", []) if (f["id"], f["hop"]) not in have]


def relation(got, planted_all):
    """How an unexpected chain relates to the planted ones (for the message)."""
    gh = chain_hosts(got["hops"])
    gacc = {account(h.get("account")) for h in got["hops"] if not is_anon(h)}
    for p in planted_all:
        ph = chain_hosts(p["hops"])
        pacc = {account(h.get("account")) for h in p["hops"] if not h.get("anonymous")}
        if gacc and not gacc <= pacc:
            continue
        for i in range(len(ph) - len(gh) + 1):
            if ph[i:i + len(gh)] == gh:
                return f"a fragment of planted {p['id']}"
        pairs = set(zip(ph, ph[1:]))
        if pairs & set(zip(gh, gh[1:])):
            return f"overlaps planted {p['id']}"
    return "unrelated to any planted chain"


def check(truth, analysis, tol=300.0, no_duplicates=False):
    """Returns (ok, lines)."""
    lines, ok = [], True
    planted = truth.get("chains", [])
    got = [c for c in analysis.get("chains", []) if len(c.get("hops", [])) >= 2]
    used = set()
    for p in planted:
        matches = [i for i, c in enumerate(got) if same_path(p, c, tol)]
        if not matches:
            ok = False
            lines.append(f"MISSING {p['id']}: {' -> '.join(host(h) for h in p['hosts'])} "
                         f"({account(p.get('account'))}, {p['hops'][0].get('time')})")
            continue
        good = [i for i in matches if not missing_findings(p, got[i])]
        if not good:
            ok = False
            miss = missing_findings(p, got[matches[0]])
            lines.append(f"FINDINGS {p['id']} as {got[matches[0]].get('id')}: missing " +
                         ", ".join(f"{f['id']} (hop {f['hop']})" for f in miss))
        else:
            lines.append(f"found {p['id']} as {got[good[0]].get('id')}")
        used.update(matches)
        if len(matches) > 1:
            ok = ok and not no_duplicates
            lines.append(f"{'DUPLICATE' if no_duplicates else 'warning: duplicate'} {p['id']} "
                         f"reported {len(matches)} times: " +
                         ", ".join(str(got[i].get("id")) for i in matches))
    for i, c in enumerate(got):
        if i in used:
            continue
        ok = False
        lines.append(f"UNEXPECTED chain ({relation(c, planted)}): {describe(c)}")
    lines.append(f"{'PASS' if ok else 'FAIL'}: {len(planted)} planted, "
                 f"{sum(1 for l in lines if l.startswith('found'))} found, "
                 f"{len(got)} reported with >= 2 hops")
    return ok, lines


def main():
    ap = argparse.ArgumentParser(description="check hopchain analyze output against fleet ground truth")
    ap.add_argument("--truth", required=True)
    ap.add_argument("--analyze-json", required=True)
    ap.add_argument("--time-tolerance", type=float, default=300.0,
                    help="seconds between planted and reported first hop (default 300; <0: ignore)")
    ap.add_argument("--no-duplicates", action="store_true",
                    help="a planted chain reported twice fails")
    ap.add_argument("--quiet", action="store_true", help="print only problems and the summary")
    a = ap.parse_args()
    try:
        with open(a.truth, encoding="utf-8") as f:
            truth = json.load(f)
        with open(a.analyze_json, encoding="utf-8") as f:
            analysis = json.load(f)
        if not isinstance(truth.get("chains"), list) or not isinstance(analysis.get("chains"), list):
            raise ValueError("both files need a \"chains\" list")
    except (OSError, ValueError, AttributeError) as e:
        print(f"check_fleet.py: {e}", file=sys.stderr)
        return 2
    tol = a.time_tolerance if a.time_tolerance >= 0 else None
    ok, lines = check(truth, analysis, tol, a.no_duplicates)
    for l in lines:
        if not a.quiet or not l.startswith("found"):
            print(l)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
