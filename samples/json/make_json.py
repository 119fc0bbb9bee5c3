#!/usr/bin/python3
"""Make the JSON versions of some sample sets (--update) or check that
making them again gives byte-identical files to the committed ones (default).

Input is what hopchain itself reads from the generated .evtx samples
(`hopchain events --format jsonl`, every EventData field as text); output
is the same events in the layouts other tools write, under
samples/json/NAME/LAYOUT/:

  evtx_dump/    evtx_dump / hayabusa (Event.System, Event.EventData): one
                file per host as `evtx_dump` writes it (pretty-printed
                objects after "Record N" lines), or JSON lines, or one
                array; LogonType and KeyLength as JSON numbers, GUIDs
                without braces, times to the microsecond
  winlogbeat/   Winlogbeat 7/8 ECS (winlog.*, @timestamp to the
                millisecond): one collector file for all hosts
  winlogbeat6/  Winlogbeat 6 (event_id, computer_name, event_data,
                record_number): one collector file
  mordor/       OTRF Security-Datasets "Mordor flat" (NXLog + Logstash):
                fields at top level, EventTime in the host's local time to
                the second (a different zone per host), @timestamp the
                collector's receipt 0-150 s later, Channel "security" for
                one host, Hostname sometimes the bare upper-case name;
                plus one Sysmon record the reader must skip

usage: make_json.py --hopchain BIN --src SAMPLES_DIR [--out DIR] [--update]
Exit: 0 ok, 1 mismatch or failure."""
import argparse
import datetime
import filecmp
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

# set -> (evtx_dump mode, winlogbeat mode, winlogbeat6 mode, mordor mode,
#         evtx_dump EventID as {"#text": ...})
SETS = {
    "seed-no-credssp": ("records", "lines", "array", "lines", False),
    "seed-credssp": ("lines", "array", "lines", "lines", False),
    "ntlm-v1": ("array", "lines", "array", "lines", True),
}
# host (first label) -> UTC offset of its local clock, minutes (mordor)
ZONES = {"client1": -300, "server1": -300, "server2": 330, "dc1": 0,
         "workstation5": -240, "workstation6": -240}
LOWER_CHANNEL_HOST = "server1"      # writes Channel "security" (mordor)
BARE_NAME_HOST = {"server2", "workstation6"}  # every third record: "SERVER2"
NUMERIC = {"LogonType", "KeyLength"}   # UInt32 in the templates: evtx_dump numbers
SECURITY_GUID = "54849625-5478-4994-A5BA-3E3B0328C30D"


def parse_time(s):
    """'2026-03-02T10:00:00.7301234Z' -> (datetime to the microsecond, ticks)."""
    whole, frac = s[:-1].split(".")
    dt = datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    return dt, int(frac.ljust(7, "0"))


def iso(dt, digits):
    s = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        s += "." + ("%06d" % dt.microsecond)[:digits]
    return s + "Z"


def event_time(e):
    dt, ticks = parse_time(e["time"])
    return dt + datetime.timedelta(microseconds=ticks // 10)


def bare_guid(v):
    if len(v) == 38 and v[0] == "{" and v[-1] == "}":
        return v[1:-1]
    return v


def evtx_dump(e, qualifiers):
    data = None
    if e["data"]:
        data = {}
        for k, v in e["data"].items():
            if k in NUMERIC and v.isdigit():
                data[k] = int(v)
            elif k.endswith("Guid"):
                data[k] = bare_guid(v)
            else:
                data[k] = v
    eid = {"#attributes": {"Qualifiers": ""}, "#text": e["event_id"]} if qualifiers \
        else e["event_id"]
    return {"Event": {
        "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
        "System": {
            "Provider": {"#attributes": {"Name": e["provider"], "Guid": SECURITY_GUID}},
            "EventID": eid,
            "Version": e["version"],
            "Level": 0,
            "Task": 12544,
            "Opcode": 0,
            "Keywords": "0x8020000000000000",
            "TimeCreated": {"#attributes": {"SystemTime": iso(event_time(e), 6)}},
            "EventRecordID": e["record_id"],
            "Correlation": None,
            "Execution": {"#attributes": {"ProcessID": 684, "ThreadID": 5148}},
            "Channel": e["channel"],
            "Computer": e["computer"],
            "Security": None,
        },
        "EventData": data,
    }}


def winlogbeat(e, collector):
    return {
        "@timestamp": iso(event_time(e), 3),
        "agent": {"type": "winlogbeat", "version": "8.6.2", "hostname": collector},
        "ecs": {"version": "8.0.0"},
        "event": {"code": str(e["event_id"]), "kind": "event",
                  "provider": e["provider"], "module": "security"},
        "host": {"name": collector},
        "log": {"level": "information"},
        "winlog": {
            "api": "wineventlog",
            "channel": e["channel"],
            "computer_name": e["computer"],
            "event_data": dict(e["data"]),
            "event_id": str(e["event_id"]),
            "opcode": "Info",
            "process": {"pid": 684, "thread": {"id": 5148}},
            "provider_guid": "{%s}" % SECURITY_GUID,
            "provider_name": e["provider"],
            "record_id": e["record_id"],
            "task": "Logon",
            "version": e["version"],
        },
    }


def winlogbeat6(e, collector):
    return {
        "@timestamp": iso(event_time(e), 3),
        "@metadata": {"beat": "winlogbeat", "type": "doc", "version": "6.5.4"},
        "beat": {"hostname": collector, "name": collector, "version": "6.5.4"},
        "computer_name": e["computer"],
        "event_data": dict(e["data"]),
        "event_id": e["event_id"],
        "host": {"name": collector},
        "level": "Information",
        "log_name": e["channel"],
        "opcode": "Info",
        "process_id": 684,
        "provider_guid": "{%s}" % SECURITY_GUID,
        "record_number": str(e["record_id"]),
        "source_name": e["provider"],
        "task": "Logon",
        "thread_id": 5148,
        "type": "wineventlog",
        "version": e["version"],
    }


def mordor(e, rng, seq):
    host = e["computer"].split(".")[0].lower()
    t = event_time(e)
    local = (t + datetime.timedelta(minutes=ZONES.get(host, 0))).replace(microsecond=0)
    received = t + datetime.timedelta(milliseconds=rng.randrange(0, 150000))
    name = e["computer"]
    if host in BARE_NAME_HOST and seq % 3 == 0:
        name = host.upper()
    r = {
        "EventTime": local.strftime("%Y-%m-%d %H:%M:%S"),
        "Hostname": name,
        "Keywords": -9214364837600034816,
        "EventType": "AUDIT_FAILURE" if e["event_id"] in (4625, 4771) else "AUDIT_SUCCESS",
        "SeverityValue": 2,
        "Severity": "INFO",
        "EventID": e["event_id"],
        "SourceName": e["provider"],
        "ProviderGuid": "{%s}" % SECURITY_GUID,
        "Version": e["version"],
        "Task": 12544,
        "OpcodeValue": 0,
        "RecordNumber": e["record_id"],
        "ExecutionProcessID": 684,
        "ThreadID": 5148,
        "Channel": "security" if host == LOWER_CHANNEL_HOST else e["channel"],
        "Category": "Logon",
        "Opcode": "Info",
    }
    r.update(e["data"])
    r.update({
        "EventReceivedTime": (received + datetime.timedelta(minutes=ZONES.get(host, 0)))
        .strftime("%Y-%m-%d %H:%M:%S"),
        "SourceModuleName": "eventlog",
        "SourceModuleType": "im_msvistalog",
        "@version": "1",
        "@timestamp": iso(received, 3),
        "host": "wec.internal.cloudapp.net",
        "port": 60000 + seq % 5000,
        "tags": ["mordorDataset"],
    })
    return r


def sysmon_noise(e):
    """A Sysmon record in the collector's stream: known layout, unwanted id."""
    host = e["computer"].split(".")[0].lower()
    return {
        "EventTime": (event_time(e) + datetime.timedelta(minutes=ZONES.get(host, 0)))
        .strftime("%Y-%m-%d %H:%M:%S"),
        "Hostname": e["computer"], "EventID": 1, "SourceName": "Microsoft-Windows-Sysmon",
        "Channel": "Microsoft-Windows-Sysmon/Operational", "RecordNumber": 1,
        "Image": "C:\\Windows\\System32\\wsmprovhost.exe", "LogonId": "0x3d7ff",
        "@timestamp": iso(event_time(e) + datetime.timedelta(seconds=3), 3),
    }


def dumps(o, indent=None):
    return json.dumps(o, ensure_ascii=False, indent=indent, separators=None if indent
                      else (",", ":"))


def write(path, records, mode, headers=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        if mode == "lines":
            for r in records:
                f.write(dumps(r) + "\n")
        elif mode == "array":
            f.write("[\n" + ",\n".join(dumps(r) for r in records) + "\n]\n")
        else:  # evtx_dump's default output
            for h, r in zip(headers, records):
                f.write("Record %d\n%s\n" % (h, dumps(r, indent=2)))


EXT = {"lines": ".jsonl", "array": ".json", "records": ".json"}


def make(name, hopchain, src, out):
    dump_mode, wlb_mode, wlb6_mode, mordor_mode, qualifiers = SETS[name]
    p = subprocess.run([hopchain, "events", "--format", "jsonl", os.path.join(src, name)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("hopchain events %s: exit %d: %s" % (name, p.returncode, p.stderr))
    events = [json.loads(line) for line in p.stdout.splitlines()]
    # events come sorted by time; evtx_dump reads each host's file in record order
    by_file = {}
    for e in events:
        by_file.setdefault(os.path.basename(e["file"]), []).append(e)
    for fname, evs in sorted(by_file.items()):
        evs.sort(key=lambda e: e["record_id"])
        write(os.path.join(out, name, "evtx_dump", fname[:-5] + EXT[dump_mode]),
              [evtx_dump(e, qualifiers) for e in evs], dump_mode,
              [e["record_id"] for e in evs])
    write(os.path.join(out, name, "winlogbeat", "wec1" + EXT[wlb_mode]),
          [winlogbeat(e, "wec1") for e in events], wlb_mode)
    write(os.path.join(out, name, "winlogbeat6", "wec1" + EXT[wlb6_mode]),
          [winlogbeat6(e, "wec1") for e in events], wlb6_mode)
    rng = random.Random(name)
    recs = [mordor(e, rng, i) for i, e in enumerate(events)]
    recs.insert(len(recs) // 2, sysmon_noise(events[len(events) // 2]))
    # a collector writes in the order it receives
    recs.sort(key=lambda r: r["@timestamp"])
    write(os.path.join(out, name, "mordor", "mordor" + EXT[mordor_mode]), recs, mordor_mode)


def files_under(d):
    out = []
    for root, _, fs in os.walk(d):
        out += [os.path.relpath(os.path.join(root, f), d) for f in fs
                if not f.endswith(".py") and not f.endswith(".md")]
    return sorted(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hopchain", required=True)
    ap.add_argument("--src", required=True, help="the samples/ source directory")
    ap.add_argument("--out", help="scratch directory for the check (default: a temp dir)")
    ap.add_argument("--update", action="store_true", help="write into samples/json/")
    a = ap.parse_args()
    committed = os.path.join(a.src, "json")
    if a.out:
        os.makedirs(a.out, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=a.out) as tmp:
        try:
            for name in SETS:
                make(name, a.hopchain, a.src, tmp)
        except (RuntimeError, OSError, ValueError) as e:
            print(e, file=sys.stderr)
            return 1
        made = files_under(tmp)
        if a.update:
            for name in SETS:
                shutil.rmtree(os.path.join(committed, name), ignore_errors=True)
            for f in made:
                os.makedirs(os.path.dirname(os.path.join(committed, f)), exist_ok=True)
                shutil.copyfile(os.path.join(tmp, f), os.path.join(committed, f))
            print("wrote %d files under %s" % (len(made), committed))
            return 0
        have = files_under(committed)
        bad = 0
        for f in sorted(set(made) | set(have)):
            if f not in have:
                print("%s: not committed (run make_json.py --update)" % f)
                bad += 1
            elif f not in made:
                print("%s: committed but no longer made" % f)
                bad += 1
            elif not filecmp.cmp(os.path.join(tmp, f), os.path.join(committed, f),
                                 shallow=False):
                print("%s: differs from what make_json.py makes now" % f)
                bad += 1
        print("%d files, %d differ" % (len(made), bad))
        return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
