#!/usr/bin/python3
"""Generate a fleet of Windows Security logs with planted hop chains among noise.

usage: fleet.py -o DIR [--hosts N] [--events M] [--chains K] [--seed S]
                [--witnesses R] [--evtxgen PATH] [--scenario FILE] [--truth FILE]
                [--date YYYY-MM-DD]

Writes a hc-evtxgen scenario for N hosts (one domain controller, ~15 %
servers, the rest workstations) with about M ordinary events in total (the
writer's per-host `background` generator does the bulk, so the Python side
stays small even for M = 1,000,000) and K planted chains of 2-4 hops with
the evidence Windows writes for each method (DOMAIN.md 6.1-6.5): the
source's 4648, the DC's 4768/4769/4776, the target's 4624/4625 and logoffs.
Methods: PowerShell remoting (Kerberos, IpAddress "-"), SMB/WMI Kerberos,
RDP (type 10), CredSSP (type 8), unconstrained delegation (%%1840 and a
forwarded TGT), NTLM by address (V2, sometimes V1), explicit credentials
inside a session, an ANONYMOUS LOGON second hop, and a failed last hop
(4625). Then runs hc-evtxgen (when --evtxgen is given) into DIR.

--witnesses R adds the records of who connected where, in realistic
proportion (the Windows Filtering Platform's 5156 is often the most frequent
Security event): every background network or RDP logon gets the client's
outbound and the target's inbound 5156 of its connection (the writer's
background `witnesses`), every host R background connection activities per
ordinary activity (`connections`: its services' DNS, Kerberos, LDAP, RPC and
HTTPS, 5158 binds), and every planted hop the connection it came over as
both ends logged it (`via`: powershell.exe to 5985 for WinRM, System to 445
for SMB and NTLM, mstsc.exe to 3389 for RDP, a user process to 135 for the
anonymous hop). The planted chains and the ground truth are unchanged;
--events still counts the ordinary events, the witnesses come on top.

--truth FILE gets the ground truth: every planted chain with its hosts in
order, account, start time, hops (src, dst, time, account, package,
logon type, method) and the finding ids expected on each hop
(tests/fleet/check_fleet.py compares `hopchain analyze --format json`
with it).

No accidental chains, by construction:
* every background account is confined to one host: the `users` list of
  each host's background holds one account that appears nowhere else, so
  all of its logons (network logons from random sources, interactive, RDP)
  land on that host. A chain of >= 2 hops needs the same account to arrive
  on A and then leave A for B; an account that only ever logs on to A
  cannot. The background never logs on as ANONYMOUS LOGON.
* machine accounts: X$ logs on only to the DC (from X) and the DC's DC$ to
  members (from the DC); they are not user sessions and never the same
  account on two consecutive hops.
* planted chains use their own accounts (one per chain) and disjoint
  hosts, so chains do not touch each other.
* the one linking rule that ignores the account, an ANONYMOUS LOGON from A
  during a user's session on A, is kept unambiguous: a host that a planted
  chain leaves from (other than its first workstation) runs its background
  only before or after the chain, with 20 minutes to spare (background
  network sessions last at most ~2 minutes), so the planted user's session
  is the only user session open on it then.
* every host's machine account gets a TGT from the DC at boot (4768 with
  its address), as Windows does, so the engine can learn every address.
Exit: 0 ok, 1 failure, 2 usage error."""
import argparse
import json
import os
import random
import struct
import subprocess
import sys
import time

TICKS = 10_000_000  # 100 ns per second
DOMAIN = {"netbios": "CONTOSO", "dns": "contoso.local", "sid": "S-1-5-21-3623811015-3361044348-30300820"}
# events per background activity, measured from the writer (boot excluded)
PER_ACTIVITY_MEMBER = 2.45
PER_ACTIVITY_DC = 1.55
DC_SHARE = 0.08          # share of the noise written by the DC
QUIET = 20 * 60          # seconds of quiet around a chain on the hosts it leaves from
MAX_HOPS = 4

# method -> (package, logon type) of the hop's logon on the target
SHAPE = {
    "winrm": ("Kerberos", 3), "winrm-x": ("Kerberos", 3), "smb": ("Kerberos", 3),
    "smb-x": ("Kerberos", 3), "smb-deleg": ("Kerberos", 3), "rdp": ("Negotiate", 10),
    "credssp": ("Negotiate", 8), "delegation": ("Kerberos", 3), "ntlm": ("NTLM", 3),
    "ntlm-x": ("NTLM", 3), "anon": ("NTLM", 3), "fail": ("Kerberos", 3),
}
# state of the session a method leaves on its target: creds (reusable
# credentials: console, RDP, CredSSP), deleg (forwarded TGT), none
AFTER = {
    "winrm": "none", "winrm-x": "none", "smb": "none", "smb-x": "none", "smb-deleg": "none",
    "rdp": "creds", "credssp": "creds", "delegation": "deleg", "ntlm": "none", "ntlm-x": "none",
}
FROM_STATE = {
    "creds": ["winrm", "smb", "rdp", "credssp", "delegation", "ntlm"],
    "deleg": ["smb-deleg"],
    "none": ["winrm-x", "smb-x", "ntlm-x", "credssp"],
}


def ts(day, ticks):
    """RFC 3339 text of `ticks` (100 ns since midnight UTC of the day)."""
    s, frac = divmod(int(ticks), TICKS)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{day}T{h:02d}:{m:02d}:{sec:02d}.{frac:07d}Z"


class Fleet:
    def __init__(self, a):
        self.a = a
        self.r = random.Random(a.seed)
        self.day = a.date
        self.start = 7 * 3600 * TICKS
        self.end = 19 * 3600 * TICKS
        self.accounts = {}
        self.hosts = []          # dicts in scenario order
        self.by_name = {}
        self.events = {}         # host -> list of events
        self.rid = 3000
        self.truth = []

    def T(self, ticks):
        return ts(self.day, ticks)

    def account(self, name, admin=False):
        self.accounts[name] = {"rid": self.rid, "admin": True} if admin else {"rid": self.rid}
        self.rid += 1
        return name

    def ev(self, host, ticks, **kw):
        e = {"t": self.T(ticks)}
        e.update(kw)
        self.events[host].append((ticks, len(self.events[host]), e))

    def via(self, method):
        """The connection a planted hop's logon came over (--witnesses)."""
        if not self.a.witnesses:
            return {}
        ps = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
        v = {"winrm": {"image": ps, "dport": 5985}, "winrm-x": {"image": ps, "dport": 5985},
             "credssp": {"image": ps, "dport": 5985},
             "rdp": {"image": "C:\\Windows\\System32\\mstsc.exe", "dport": 3389},
             "anon": {"image": "C:\\Windows\\System32\\wsmprovhost.exe", "dport": 135}
             }.get(method, {"dport": 445})
        return {"via": dict(v, target=True)}

    # ---- hosts and noise ----
    def build_hosts(self):
        n = self.a.hosts
        nserv = max(3, n * 15 // 100)
        nws = n - 1 - nserv
        names = [("dc01", "dc", "10.19.0.5")]
        for i in range(nserv):
            names.append((f"srv{i + 1:03d}", "server", f"10.20.{i // 200}.{10 + i % 200}"))
        for i in range(nws):
            names.append((f"ws{i + 1:04d}", "workstation", f"10.30.{i // 200}.{10 + i % 200}"))
        for k, (name, role, ip) in enumerate(names):
            h = {"name": name, "ip": ip, "role": role, "rid": 5000 + k, "first_record_id": 1}
            self.hosts.append(h)
            self.by_name[name] = h
            self.events[name] = []
        self.dc = "dc01"
        self.servers = [h["name"] for h in self.hosts if h["role"] == "server"]
        self.workstations = [h["name"] for h in self.hosts if h["role"] == "workstation"]

    def noise(self, busy):
        """Background per host; busy: host -> (from, to) ticks to keep quiet."""
        m = self.a.events
        dc_count = max(1, round(m * DC_SHARE / PER_ACTIVITY_DC))
        weight = {"server": 3.0, "workstation": 1.0}
        members = [h for h in self.hosts if h["role"] != "dc"]
        total_w = sum(weight[h["role"]] for h in members)
        rest = m * (1 - DC_SHARE) / PER_ACTIVITY_MEMBER
        for h in self.hosts:
            name = h["name"]
            prefix = "svc" if h["role"] != "workstation" else "u"
            user = self.account(f"{prefix}_{name}", admin=h["role"] == "server" and h["rid"] % 4 == 0)
            if h["role"] == "dc":
                count = dc_count
            else:
                count = max(1, round(rest * weight[h["role"]] / total_w))
            bg = {"seed": self.a.seed * 7919 + h["rid"], "count": count, "users": [user]}
            if self.a.witnesses:
                bg["witnesses"] = True
                bg["connections"] = round(count * self.a.witnesses)
            lo, hi = self.start, self.end
            if name in busy:
                b0, b1 = busy[name]
                b0 -= QUIET * TICKS
                b1 += QUIET * TICKS
                if b0 - self.start >= self.end - b1:
                    hi = b0
                else:
                    lo = b1
                # boot at the start of the day, not at the start of the noise
                self.ev(name, self.start, id=4608)
                self.ev(name, self.start + 1000, id=4624, user="SYSTEM", type=0)
                bg["boot"] = False
            else:
                bg["boot"] = True
            bg["start"] = self.T(lo)
            bg["end"] = self.T(hi)
            h["background"] = bg
        # every machine account gets its TGT at boot: the DC learns each address
        for k, h in enumerate(self.hosts):
            if h["role"] != "dc":
                self.ev(self.dc, self.start + (40 + k * 1.3) * TICKS, id=4768,
                        user=h["name"].upper() + "$", **{"from": h["name"]})

    # ---- planted chains ----
    def plan(self, k, nhops):
        """Methods of the hops of chain k: a mix that covers every kind."""
        r = self.r
        kind = k % 5
        while True:
            methods, state = [], "creds"
            for i in range(nhops):
                last = i == nhops - 1
                if last and kind == 0 and state == "none" and i > 0:
                    methods.append("anon")
                    break
                if last and kind == 4 and r.random() < 0.6:
                    methods.append("fail")
                    break
                opts = list(FROM_STATE[state])
                if kind == 0 and i == nhops - 2 and state == "creds":
                    opts = ["winrm", "smb"]         # leave a session without credentials
                if kind == 0 and i == nhops - 2 and state == "deleg":
                    opts = ["smb-deleg"]
                if kind == 1 and "ntlm" not in "".join(methods) and last:
                    opts = [o for o in opts if o.startswith("ntlm")] or opts
                if kind == 2 and "credssp" not in methods and (last or r.random() < 0.5):
                    opts = ["credssp"] if "credssp" in opts else opts
                if kind == 3 and "delegation" not in methods and state == "creds" and not last:
                    opts = ["delegation"]
                m = r.choice(opts)
                methods.append(m)
                state = AFTER[m]
            ok = {0: "anon" in methods, 1: any(m.startswith("ntlm") for m in methods),
                  2: "credssp" in methods, 3: "delegation" in methods, 4: True}[kind]
            if ok and len(methods) == nhops:
                return methods

    def plant(self, k, seq, t0):
        r = self.r
        P = self.account(f"adm{k + 1:03d}", admin=True)
        W = seq[0]
        dc = self.dc
        nhops = len(seq) - 1
        methods = self.plan(k, nhops)
        con = t0 - int(r.uniform(600, 5400) * TICKS)
        self.ev(dc, con - 3 * TICKS // 10, id=4768, user=P, **{"from": W})
        self.ev(W, con, id=4624, user=P, type=2, **{"as": f"c{k}"})
        cur, sess, state = W, f"c{k}", "creds"
        t = t0
        hops, findings, sessions = [], [], []   # sessions: (host, label, kind)
        for i, (B, m) in enumerate(zip(seq[1:], methods), 1):
            A = cur
            fq = f"{B}.{DOMAIN['dns']}"
            ip_b = self.by_name[B]["ip"]
            lab = f"h{k}_{i}"
            pkg, ltype = SHAPE[m]
            hop_t = t
            x4648 = m.endswith("-x") or m in ("rdp", "credssp") or \
                (m in ("winrm", "fail") and (state == "none" or r.random() < 0.5))
            if x4648:
                info = {"rdp": f"TERMSRV/{fq}", "smb-x": f"cifs/{fq}", "ntlm-x": f"cifs/{ip_b}",
                        "fail": f"cifs/{fq}"}.get(m, f"HTTP/{fq}")
                server = ip_b if m == "ntlm-x" else (fq if m == "credssp" else B)
                proc = "C:\\Windows\\System32\\mstsc.exe" if m == "rdp" else \
                    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
                self.ev(A, t - 6 * TICKS // 10, id=4648, subject=sess, user=P, server=server,
                        info=info, process=proc)
            kerb = pkg != "NTLM" or m == "fail"
            if m == "anon":
                self.ev(B, t, id=4624, user="ANONYMOUS LOGON", type=3, **{"from": A, "as": lab},
                        **self.via(m))
                self.ev(B, t + 600000, id=4634, session=lab)
                hops.append(self.hop(A, B, t, "ANONYMOUS LOGON", m))
                findings.append({"id": "anonymous-second-hop", "hop": i})
                break
            if m in ("ntlm", "ntlm-x"):
                lm = "NTLM V1" if r.random() < 0.3 else "NTLM V2"
                self.ev(dc, t - 5 * TICKS // 100, id=4776, user=P, **{"from": A})
                self.ev(B, t, id=4624, user=P, type=3, package="NTLM", lm=lm, **{"from": A, "as": lab},
                        **self.via(m))
                findings.append({"id": "unexpected-package", "hop": i})
                if lm == "NTLM V1":
                    findings.append({"id": "ntlm-v1", "hop": i})
            elif kerb:
                if state == "none" or (m == "fail" and x4648):
                    self.ev(dc, t - 3 * TICKS // 10, id=4768, user=P, **{"from": A})
                self.ev(dc, t - 15 * TICKS // 100, id=4769, user=P, service=B, **{"from": A})
                if m == "delegation":
                    self.ev(dc, t - 12 * TICKS // 100, id=4769, user=P, service="krbtgt",
                            options="0x60810010", **{"from": A})
                    findings.append({"id": "delegation", "hop": i})
                if m == "smb-deleg":
                    findings.append({"id": "delegation", "hop": i})
                if m == "fail":
                    self.ev(B, t, id=4625, user=P, type=3, package="Kerberos", status="0xc000015b",
                            substatus="0x0", reason="%%2308", **{"from": A}, **self.via(m))
                    hops.append(self.hop(A, B, t, P, m))
                    findings.append({"id": "hop-failed", "hop": i})
                    break
                if m in ("winrm", "winrm-x"):
                    self.ev(B, t, id=4624, user=P, type=3, package="Kerberos", ip="-", port="-",
                            **{"from": A, "as": lab}, **self.via(m))
                elif m == "rdp":
                    self.ev(B, t, id=4624, user=P, type=10, **{"from": A, "as": lab}, **self.via(m))
                    self.ev(dc, t + 5 * TICKS // 10, id=4768, user=P, **{"from": B})
                elif m == "credssp":
                    self.ev(B, t, id=4624, user=P, type=3, package="Kerberos", ip="-", port="-",
                            **{"from": A, "as": lab + "k"}, **self.via(m))
                    hop_t = t + 3 * TICKS // 10
                    self.ev(B, hop_t, id=4624, user=P, type=8, ip="-", port="-", **{"from": A, "as": lab})
                    self.ev(dc, t + 6 * TICKS // 10, id=4768, user=P, **{"from": B})
                    sessions.append((B, lab + "k", 3))
                    findings.append({"id": "credssp-exposure", "hop": i})
                elif m == "delegation":
                    self.ev(B, t, id=4624, user=P, type=3, package="Kerberos", impersonation="%%1840",
                            **{"from": A, "as": lab}, **self.via(m))
                else:  # smb, smb-x, smb-deleg
                    self.ev(B, t, id=4624, user=P, type=3, package="Kerberos", **{"from": A, "as": lab},
                            **self.via(m))
            hops.append(self.hop(A, B, hop_t, P, m))
            sessions.append((B, lab, ltype))
            cur, sess, state = B, lab, AFTER[m]
            t = hop_t + int(r.uniform(40, 480) * TICKS)
        # logoffs, innermost first, after the last hop
        last = hops[-1]["_ticks"]
        end = last + int(r.uniform(60, 600) * TICKS)
        for host, lab, ltype in reversed(sessions):
            if ltype == 10:
                self.ev(host, end, id=4647, session=lab)
                end += 2 * TICKS
            self.ev(host, end, id=4634, session=lab)
            end += int(r.uniform(5, 120) * TICKS)
        self.ev(W, end + 600 * TICKS, id=4647, session=f"c{k}")
        self.ev(W, end + 602 * TICKS, id=4634, session=f"c{k}")
        hosts = [hops[0]["src"]] + [h["dst"] for h in hops]
        for h in hops:
            del h["_ticks"]
        self.truth.append({
            "id": f"P{k + 1:03d}", "account": f"{DOMAIN['netbios']}\\{P}", "start": hops[0]["time"],
            "hosts": hosts, "hops": hops, "findings": findings,
        })
        return end

    def hop(self, src, dst, ticks, account, method):
        pkg, ltype = SHAPE[method]
        return {"src": src, "dst": dst, "time": self.T(ticks), "_ticks": ticks,
                "account": account if account == "ANONYMOUS LOGON" else f"{DOMAIN['netbios']}\\{account}",
                "anonymous": method == "anon", "failed": method == "fail",
                "package": pkg, "logon_type": ltype, "method": method}

    def chains(self):
        r = self.r
        k_total = self.a.chains
        need = k_total * (MAX_HOPS + 1)
        pool_srv = list(self.servers)
        pool_ws = list(self.workstations)
        r.shuffle(pool_srv)
        r.shuffle(pool_ws)
        if k_total > len(pool_ws) or need > len(pool_srv) + len(pool_ws):
            raise SystemExit(f"fleet.py: {k_total} chains need up to {need} distinct hosts "
                             f"({k_total} workstations); the fleet has {len(pool_srv)} servers "
                             f"and {len(pool_ws)} workstations")
        busy = {}
        span = self.end - self.start
        for k in range(k_total):
            nhops = r.randint(2, MAX_HOPS)
            seq = [pool_ws.pop()]
            for _ in range(nhops):
                seq.append(pool_srv.pop() if pool_srv else pool_ws.pop())
            # spread the chains over the day, away from its edges
            t0 = self.start + int(span * (0.1 + 0.8 * (k + r.random()) / k_total))
            end = self.plant(k, seq, t0)
            # hosts the chain leaves from (after its workstation) stay quiet meanwhile
            for h in seq[1:-1]:
                busy[h] = (t0, end)
        return busy

    def scenario(self):
        hosts = []
        for h in self.hosts:
            evs = [e for _, _, e in sorted(self.events[h["name"]], key=lambda x: (x[0], x[1]))]
            hh = dict(h)
            if evs:
                hh["events"] = evs
            hosts.append(hh)
        return {"_about": f"bench/fleet.py --hosts {self.a.hosts} --events {self.a.events} "
                          f"--chains {self.a.chains} --seed {self.a.seed}"
                          + (f" --witnesses {self.a.witnesses}" if self.a.witnesses else ""),
                "domain": DOMAIN, "accounts": self.accounts, "hosts": hosts}


def count_records(path):
    """Records in an .evtx file written by hc-evtxgen (ids start at 1)."""
    with open(path, "rb") as f:
        head = f.read(32)
    if len(head) < 32 or head[:8] != b"ElfFile\0":
        return 0
    return struct.unpack_from("<Q", head, 24)[0] - 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--out", required=True, help="directory for the .evtx files")
    ap.add_argument("--hosts", type=int, default=300)
    ap.add_argument("--events", type=int, default=100_000, help="ordinary (noise) events in total")
    ap.add_argument("--chains", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--witnesses", type=float, default=0.0, metavar="R",
                    help="add connection records: R background connection activities per "
                         "ordinary one, and the connections of every logon (default 0: none)")
    ap.add_argument("--date", default="2026-03-04", help="day of the logs (UTC)")
    ap.add_argument("--evtxgen", help="hc-evtxgen to run (without it only the JSON files are written)")
    ap.add_argument("--scenario", help="scenario JSON (default: OUT/fleet.scenario.json)")
    ap.add_argument("--truth", help="ground truth JSON (default: OUT/fleet.truth.json)")
    a = ap.parse_args()
    if a.hosts < 10 or a.events < 0 or a.chains < 0 or not 0 <= a.witnesses <= 100:
        ap.error("--hosts must be >= 10, --events and --chains >= 0, --witnesses 0..100")
    os.makedirs(a.out, exist_ok=True)
    scen_path = a.scenario or os.path.join(a.out, "fleet.scenario.json")
    truth_path = a.truth or os.path.join(a.out, "fleet.truth.json")
    f = Fleet(a)
    f.build_hosts()
    busy = f.chains()
    f.noise(busy)
    with open(scen_path, "w", encoding="utf-8") as fp:
        json.dump(f.scenario(), fp, separators=(",", ":"))
    truth = {"generator": "bench/fleet.py", "seed": a.seed, "hosts": a.hosts,
             "events_requested": a.events, "witnesses": a.witnesses, "chains": f.truth}
    if a.evtxgen:
        for name in os.listdir(a.out):
            if name.endswith(".evtx"):
                os.remove(os.path.join(a.out, name))
        t = time.monotonic()
        r = subprocess.run([a.evtxgen, "-o", a.out, scen_path])
        if r.returncode != 0:
            print(f"fleet.py: hc-evtxgen failed (exit {r.returncode})", file=sys.stderr)
            return 1
        total = sum(count_records(os.path.join(a.out, n)) for n in os.listdir(a.out)
                    if n.endswith(".evtx"))
        truth["events_written"] = total
        print(f"fleet.py: {a.hosts} hosts, {total} events, {a.chains} chains in {a.out} "
              f"(hc-evtxgen {time.monotonic() - t:.1f} s)", file=sys.stderr)
    with open(truth_path, "w", encoding="utf-8") as fp:
        json.dump(truth, fp, indent=1)
        fp.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
