#!/usr/bin/python3
"""Round trip: hc-evtxgen writes tests/writer/roundtrip.json, then libevtx
(evtxexport -f xml), python-evtx and, with --hopchain, `hopchain events
--format jsonl` (its native reader and --reader libevtx) must read back every
record, in every file (Security, Sysmon, NTLM/Operational), with the System
values and the EventData Name -> value pairs (in order) that the scenario
asked for.

The expected values come from the generator's --manifest (one JSON line per
record, values rendered canonically: hex as 0x%x, GUIDs upper-case in braces);
explicit "fields" of the scenario are checked against the manifest first, so
the manifest cannot drift from the scenario. Also recomputes every header and
chunk CRC with zlib.crc32 and requires a multi-chunk file.

Rendering differences normalised (each is presentation, not data):
  N1 GUID letter case: python-evtx prints lower case, Windows/libevtx upper.
  N2 hex zero-padding: both readers print HexInt32/64 as 0x%016x / 0x%08x;
     compared as integers (the event carries 0x3e7).
  N3 TimeCreated: libevtx prints 9 fraction digits; compared as 100 ns ticks.
     python-evtx prints microseconds computed through a float (off by up to
     2 us, with a space instead of 'T' and no 'Z'), so its time is taken from
     the FILETIME substitution itself (substitutions()[6].unpack_qword(0)).
  N4 null vs empty: a null substitution and an empty string both render as an
     empty <Data/>; compared as "" (the manifest says which one was written).
  N5 python-evtx's xml() drops C0 control characters, so its values are taken
     from the parsed substitution array (record.root().substitutions()), not
     from the XML text; names and order come from the XML.
  N7 characters outside the BMP: Debian 12's libevtx (20181227) decodes UTF-16
     surrogate pairs wrongly (U+1F600, stored as D83D DE00, comes out as
     U+1F201; python-evtx decodes it right), so for evtxexport and hopchain
     each non-BMP character on both sides is compared as U+FFFD. A reader
     that does not use that libevtx should pass without it.
  N6 XML escaping: evtxexport escapes < > & in text (and attributes); the
     parser unescapes &lt; &gt; &amp; &quot; &apos; and numeric references.
  N8 booleans: python-evtx prints True / False, Windows and libevtx true /
     false.

usage: roundtrip.py --evtxgen PATH --scenario JSON --workdir DIR
                    [--evtxexport PATH] [--hopchain PATH]
Exit: 0 pass, 1 fail, 77 skip (evtxexport or python-evtx missing)."""
import argparse
import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402

SKIP = 77
HOPCHAIN_IDS = {4624, 4625, 4634, 4647, 4648, 4672, 4768, 4769, 4771, 4776, 4778, 4779, 4608,
                5156, 5158, 4688, 8001, 1, 3}
SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"


def hopchain_wants(m):
    """hopchain extracts Sysmon's 1 and 3 only from Sysmon's channel."""
    return m["event_id"] in HOPCHAIN_IDS and (m["event_id"] not in (1, 3) or
                                               m["channel"] == SYSMON_CHANNEL)

failures = []


def fail(msg):
    failures.append(msg)
    if len(failures) <= 40:
        print("FAIL:", msg, file=sys.stderr)


# ---- canonical forms ----

HEX_RE = re.compile(r"^0x[0-9a-fA-F]+$")
GUID_RE = re.compile(r"^\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}$")


def canon(v):
    """Canonical text of a Data value for comparison (N1, N2, N4)."""
    if v is None:
        return ""
    if HEX_RE.match(v):
        return "0x%x" % int(v, 16)
    if GUID_RE.match(v):
        return v.upper()
    return v


NONBMP_RE = re.compile("[\U00010000-\U0010FFFF]")


def bmp(v):
    """N7: replace characters outside the BMP."""
    return NONBMP_RE.sub("\uFFFD", v)


def filetime_text(ft):
    import datetime
    secs, frac = divmod(ft, 10_000_000)
    d = datetime.datetime(1601, 1, 1) + datetime.timedelta(seconds=secs)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%07dZ" % frac


def ticks(t):
    """RFC 3339 / python-evtx time -> (100 ns ticks since 1970, fraction
    digits given) (N3)."""
    m = hctest.TIME.match(t)
    return hctest.ticks(t), len((m.group(7) if m else None) or "0")


# ---- CRCs ----

def check_crcs(path):
    data = open(path, "rb").read()
    if len(data) < 4096 or data[:8] != b"ElfFile\0":
        fail(f"{path}: not an EVTX file")
        return 0
    h = data[:128]
    if struct.unpack_from("<I", h, 124)[0] != zlib.crc32(h[:120]):
        fail(f"{path}: file header CRC mismatch")
    first, last, nxt, hsize, minor, major, block, nchunks = struct.unpack_from("<QQQIHHHH", h, 8)
    if (hsize, minor, major, block) != (128, 1, 3, 4096):
        fail(f"{path}: header size/version/block {hsize} {major}.{minor} {block}")
    if any(data[128:4096]):
        fail(f"{path}: header padding not zero")
    if (len(data) - 4096) != nchunks * 65536 or (nchunks and last != nchunks - 1) or first != 0:
        fail(f"{path}: chunk count {nchunks}, last {last}, size {len(data)}")
    prev_last_id = None
    for i in range(nchunks):
        c = data[4096 + i * 65536:4096 + (i + 1) * 65536]
        if c[:8] != b"ElfChnk\0":
            fail(f"{path}: chunk {i} signature")
            continue
        fnum, lnum, fid, lid, hs, lastoff, free, rcrc = struct.unpack_from("<QQQQIIII", c, 8)
        if rcrc != zlib.crc32(c[512:free]):
            fail(f"{path}: chunk {i} records CRC mismatch")
        if struct.unpack_from("<I", c, 124)[0] != zlib.crc32(c[:120] + c[128:512]):
            fail(f"{path}: chunk {i} header CRC mismatch")
        if any(c[free:]):
            fail(f"{path}: chunk {i} free space not zero")
        # Walk the records: sizes, copies, ids, the last record offset.
        o, ids, last_seen = 512, [], None
        while o < free:
            sig, size, rid = struct.unpack_from("<4sIQ", c, o)
            if sig != b"**\0\0" or size < 28 or o + size > free or \
                    struct.unpack_from("<I", c, o + size - 4)[0] != size or size % 8:
                fail(f"{path}: chunk {i} bad record at 0x{o:x}")
                break
            ids.append(rid)
            last_seen = o
            o += size
        if ids and (ids[0] != fid or ids[-1] != lid or last_seen != lastoff or
                    lnum - fnum + 1 != len(ids) or ids != sorted(ids)):
            fail(f"{path}: chunk {i} header disagrees with its records")
        if prev_last_id is not None and ids and ids[0] != prev_last_id + 1:
            fail(f"{path}: chunk {i} record ids do not continue")
        if ids:
            prev_last_id = ids[-1]
    if nchunks and prev_last_id is not None and nxt != prev_last_id + 1:
        fail(f"{path}: next record id {nxt} != last {prev_last_id} + 1")
    return nchunks


# ---- readers ----

DATA_RE = re.compile(r'<Data Name="([^"]*)"(?:/>|>(.*?)</Data>)', re.S)


def unescape(s):
    return html.unescape(s) if s is not None else None  # N6


def system_fields(xml):
    def one(pat):
        m = re.search(pat, xml, re.S)
        return unescape(m.group(1)) if m else None
    return {
        "event_id": int(one(r"<EventID[^>]*>(\d+)</EventID>")),
        "version": int(one(r"<Version>(\d+)</Version>")),
        "record_id": int(one(r"<EventRecordID>(\d+)</EventRecordID>")),
        "time": one(r'<TimeCreated SystemTime="([^"]*)"'),
        "channel": one(r"<Channel>(.*?)</Channel>"),
        "computer": one(r"<Computer>(.*?)</Computer>"),
        "provider": one(r'<Provider Name="([^"]*)"'),
        "keywords": one(r"<Keywords>(.*?)</Keywords>"),
    }


def read_evtxexport(exe, path):
    r = subprocess.run([exe, "-f", "xml", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        fail(f"evtxexport {path}: exit {r.returncode}: {r.stderr[:200]!r}")
    text = r.stdout.decode("utf-8", errors="strict")
    out = []
    for xml in text.split("<Event xmlns=")[1:]:
        rec = system_fields(xml)
        ed = re.search(r"<EventData>(.*?)</EventData>|<EventData/>", xml, re.S)
        body = ed.group(1) or "" if ed else ""
        rec["data"] = [(n, unescape(v) if v is not None else "") for n, v in DATA_RE.findall(body)]
        out.append(rec)
    return out


def read_python_evtx(path):
    import Evtx.Evtx as evtx
    out = []
    with evtx.Evtx(path) as log:
        for r in log.records():
            xml = r.xml()
            rec = system_fields(xml)
            names = [n for n, _ in DATA_RE.findall(xml)]
            subs = r.root().substitutions()
            rec["time"] = filetime_text(subs[6].unpack_qword(0))  # N3
            inner = subs[17].root().substitutions() if len(subs) > 17 else []
            vals = []
            for s in inner:
                if type(s).__name__ == "NullTypeNode":
                    vals.append("")
                elif type(s).__name__ == "BooleanTypeNode":
                    vals.append(s.string().lower())  # N8
                else:
                    vals.append(s.string())
            if len(names) != len(vals):
                fail(f"python-evtx {path} record {rec['record_id']}: {len(names)} names, {len(vals)} values")
            rec["data"] = list(zip(names, vals))
            out.append(rec)
    return out


def read_hopchain(exe, path, reader=None):
    ids = ",".join(str(i) for i in sorted(HOPCHAIN_IDS))
    r = subprocess.run([exe] + (["--reader", reader] if reader else []) +
                       ["events", "--ids", ids, "--format", "jsonl", path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        fail(f"hopchain {reader or 'native'} events {path}: exit {r.returncode}: {r.stderr[:300]!r}")
    out = []
    # Split on \n only: JSON text may carry U+2028 and other characters that
    # str.splitlines() would treat as line breaks.
    for n, line in enumerate(r.stdout.decode("utf-8").split("\n")):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError as e:
            fail(f"hopchain events {path}: line {n + 1} is not JSON: {e}")
            out.append({})
    return out


# ---- comparisons ----

def compare(reader, exp, got, time_digits, nonbmp=False):
    where = f"{reader} {exp['file']} record {exp['record_id']}"
    for k in ("event_id", "version", "record_id", "channel", "computer", "provider"):
        if got.get(k) != exp[k]:
            fail(f"{where}: {k} {got.get(k)!r} != {exp[k]!r}")
    if "keywords" in got and got["keywords"] is not None and int(got["keywords"], 16) != int(exp["keywords"], 16):
        fail(f"{where}: Keywords {got['keywords']} != {exp['keywords']}")
    et, _ = ticks(exp["time"])
    gt, digits = ticks(got["time"])
    if digits < time_digits:
        fail(f"{where}: time {got['time']} has fewer than {time_digits} fraction digits")
    unit = 10 ** max(0, 7 - min(digits, 7))
    if gt != et - et % unit:
        fail(f"{where}: time {got['time']} != {exp['time']}")
    fix = bmp if nonbmp else (lambda v: v)
    want = [(n, fix(canon(v))) for n, v in exp["data"].items()]
    have = [(n, fix(canon(v))) for n, v in got["data"]]
    if [n for n, _ in want] != [n for n, _ in have]:
        fail(f"{where}: Data names/order {[n for n, _ in have]} != {[n for n, _ in want]}")
        return
    for (n, a), (_, b) in zip(want, have):
        if a != b:
            fail(f"{where}: Data {n}: {b[:80]!r} ({len(b)} chars) != {a[:80]!r} ({len(a)} chars)")


def compare_hopchain(exp, got, path, reader="native"):
    where = f"hopchain ({reader}) {exp['file']} record {exp['record_id']}"
    if not isinstance(got.get("record_id"), int) or got["record_id"] != exp["record_id"]:
        fail(f"{where}: record_id {got.get('record_id')!r}")
    if not str(got.get("file", "")).endswith(os.path.basename(path)):
        fail(f"{where}: file {got.get('file')!r}")
    for k in ("computer", "channel", "provider"):
        if got.get(k) != exp[k]:
            fail(f"{where}: {k} {got.get(k)!r} != {exp[k]!r}")
    for k in ("event_id", "version"):
        if not isinstance(got.get(k), int) or got[k] != exp[k]:
            fail(f"{where}: {k} {got.get(k)!r} != {exp[k]!r}")
    if got.get("recovered") is not False:
        fail(f"{where}: recovered {got.get('recovered')!r}")
    t = got.get("time", "")
    if not t.endswith("Z") or "T" not in t:
        fail(f"{where}: time {t!r} is not RFC 3339 UTC")
    else:
        et, _ = ticks(exp["time"])
        gt, digits = ticks(t)
        if digits < 6:
            fail(f"{where}: time {t!r} has less than microsecond precision")
        unit = 10 ** max(0, 7 - min(digits, 7))
        if gt != et - et % unit:
            fail(f"{where}: time {t} != {exp['time']}")
    data = got.get("data")
    if not isinstance(data, dict):
        fail(f"{where}: data is not an object")
        return
    if list(data.keys()) != list(exp["data"].keys()):
        fail(f"{where}: data keys {list(data.keys())} != {list(exp['data'].keys())}")
    for n, v in exp["data"].items():
        g = data.get(n)
        if v is None:
            if g not in (None, ""):
                fail(f"{where}: data {n}: {g!r} for a null value")
            continue
        if not isinstance(g, str):
            fail(f"{where}: data {n} is not text: {g!r}")
            continue
        if HEX_RE.match(v):
            if not HEX_RE.match(g) or int(g, 16) != int(v, 16):
                fail(f"{where}: data {n}: {g!r} != {v!r} (hex must stay hex)")
        elif GUID_RE.match(v):
            if g.upper() != v.upper():
                fail(f"{where}: data {n}: {g!r} != {v!r}")
        elif bmp(g) != bmp(v):
            fail(f"{where}: data {n}: {g[:80]!r} ({len(g)} chars) != {v[:80]!r} ({len(v)} chars)")


def check_scenario(scenario, manifest):
    """Explicit scenario values must reach the manifest unchanged."""
    sc = json.load(open(scenario, encoding="utf-8"))
    hosts = {h["name"]: h for h in sc["hosts"]}
    seen = 0
    for m in manifest:
        if m["auto"] or m["index"] is None:
            continue
        e = hosts[m["host"]]["events"][m["index"]]
        if e["id"] != m["event_id"]:
            fail(f"manifest {m['host']}#{m['index']}: event id {m['event_id']} != {e['id']}")
        if "version" in e and e["version"] != m["version"]:
            fail(f"manifest {m['host']}#{m['index']}: version")
        off = round(hosts[m["host"]].get("clock_offset", 0) * 10_000_000)
        if ticks(e["t"])[0] + off != ticks(m["time"])[0]:
            fail(f"manifest {m['host']}#{m['index']}: time {m['time']} != {e['t']}")
        for n, v in e.get("fields", {}).items():
            want = None if v is None else canon(str(v).lower() if isinstance(v, bool) else str(v))
            got = m["data"].get(n)
            if (None if got is None else canon(got)) != want:
                fail(f"manifest {m['host']}#{m['index']}: {n} {got!r} != {v!r}")
        seen += 1
    return seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--evtxgen", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--evtxexport", default=shutil.which("evtxexport"))
    ap.add_argument("--hopchain")
    a = ap.parse_args()

    try:
        import Evtx.Evtx  # noqa: F401
    except ImportError:
        print("SKIP: python-evtx is not installed for", sys.executable)
        return SKIP
    if not a.evtxexport or not os.path.exists(a.evtxexport):
        print("SKIP: evtxexport not found")
        return SKIP

    out = os.path.join(a.workdir, "roundtrip-out")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    mpath = os.path.join(out, "manifest.jsonl")
    r = subprocess.run([a.evtxgen, "-o", out, "-m", mpath, a.scenario])
    if r.returncode != 0:
        print(f"FAIL: hc-evtxgen exit {r.returncode}", file=sys.stderr)
        return 1
    manifest = [json.loads(line) for line in open(mpath, encoding="utf-8")]
    explicit = check_scenario(a.scenario, manifest)
    by_file = {}
    for m in manifest:
        by_file.setdefault(m["file"], []).append(m)

    # Every event type and template version must be present.
    kinds = {(m["event_id"], m["version"]) for m in manifest}
    need = {(4624, 0), (4624, 1), (4624, 2), (4624, 3), (4625, 0), (4634, 0), (4647, 0), (4648, 0),
            (4672, 0), (4768, 0), (4768, 1), (4768, 2), (4769, 0), (4769, 1), (4769, 2), (4771, 0),
            (4776, 0), (4778, 0), (4779, 0), (4608, 0), (5156, 1), (5158, 0), (4688, 2), (8001, 0),
            (1, 5), (3, 5)}
    if need - kinds:
        fail(f"scenario lacks {sorted(need - kinds)}")

    max_chunks = 0
    for fname, exp in by_file.items():
        path = os.path.join(out, fname)
        max_chunks = max(max_chunks, check_crcs(path))
        for reader, got, digits, nonbmp in (
                ("evtxexport", read_evtxexport(a.evtxexport, path), 7, True),
                ("python-evtx", read_python_evtx(path), 7, False)):
            if len(got) != len(exp):
                fail(f"{reader} {fname}: {len(got)} records, expected {len(exp)}")
            for e, g in zip(exp, got):
                compare(reader, e, g, digits, nonbmp)
        if a.hopchain:
            want = [e for e in exp if hopchain_wants(e)]
            for reader in (None, "libevtx"):
                got = read_hopchain(a.hopchain, path, reader)
                # events sorts by time; the writer's records of one file are
                # in time order, ties in record order
                got.sort(key=lambda g: (ticks(g.get("time", "1601-01-01T00:00:00Z"))[0],
                                        g.get("record_id", 0)))
                if len(got) != len(want):
                    fail(f"hopchain {reader or 'native'} {fname}: {len(got)} records, "
                         f"expected {len(want)}")
                for e, g in zip(want, got):
                    compare_hopchain(e, g, path, reader or "native")
    if max_chunks < 2:
        fail("no multi-chunk file was written")

    # Same scenario, same bytes.
    out2 = os.path.join(a.workdir, "roundtrip-again")
    shutil.rmtree(out2, ignore_errors=True)
    os.makedirs(out2)
    subprocess.run([a.evtxgen, "-o", out2, a.scenario], check=True)
    for fname in by_file:
        if open(os.path.join(out, fname), "rb").read() != open(os.path.join(out2, fname), "rb").read():
            fail(f"{fname}: a second run wrote different bytes")

    print(f"{len(manifest)} records in {len(by_file)} files ({explicit} explicit events, "
          f"largest file {max_chunks} chunks); hopchain {'checked' if a.hopchain else 'skipped'}")
    if failures:
        print(f"{len(failures)} failures", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
