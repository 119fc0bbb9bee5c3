#!/usr/bin/python3
"""The writer's forwarded records through the native reader: hc-evtxgen
writes tests/writer/roundtrip.json (every event type and template version)
plus a "forwarded" file of all its hosts, as Windows Event Forwarding stores
them (value text, no templates, no dependency ids); `hopchain events` must
read from that one file exactly the events it reads from the hosts' own
Security files (the forwarded file holds no Sysmon or NTLM/Operational
records), each keeping its own Computer and EventRecordID (hex values compared
as numbers: forwarded text is 0x3e7 where a template's HexInt64 renders
0x00000000000003e7). libevtx 20181227 cannot read such records and must say
so (exit 3).

usage: forwarded.py --evtxgen PATH --hopchain PATH --scenario JSON --workdir DIR"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys


def events(hopchain, paths, reader=None):
    cmd = [hopchain] + (['--reader', reader] if reader else []) + \
        ['events', '--ids', 'all', '--format', 'jsonl'] + paths
    p = subprocess.run(cmd, capture_output=True, timeout=300)
    return p.returncode, [json.loads(l) for l in p.stdout.decode().split('\n') if l], p.stderr


def norm(e):
    e = dict(e)
    e.pop('file')
    e['data'] = {k: int(v, 16) if re.fullmatch(r'0x[0-9a-f]+', v) else v
                 for k, v in e['data'].items()}
    return e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--evtxgen', required=True)
    ap.add_argument('--hopchain', required=True)
    ap.add_argument('--scenario', required=True)
    ap.add_argument('--workdir', required=True)
    a = ap.parse_args()
    out = os.path.join(a.workdir, 'forwarded')
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    scen = json.load(open(a.scenario, encoding='utf-8'))
    scen['forwarded'] = {'file': 'wec.evtx', 'first_record_id': 7}
    sp = os.path.join(out, 'scenario.json')
    json.dump(scen, open(sp, 'w', encoding='utf-8'))
    r = subprocess.run([a.evtxgen, '-o', out, sp])
    if r.returncode != 0:
        print('hc-evtxgen failed (exit %d)' % r.returncode)
        return 1
    hosts = sorted(os.path.join(out, f) for f in os.listdir(out)
                   if f.endswith('.evtx') and f != 'wec.evtx')
    rc1, ev1, err1 = events(a.hopchain, hosts)
    rc2, ev2, err2 = events(a.hopchain, [os.path.join(out, 'wec.evtx')])
    bad = 0
    if rc1 != 0 or rc2 != 0:
        print('exit codes %d (hosts) %d (forwarded): %s %s' % (rc1, rc2, err1[-300:], err2[-300:]))
        bad += 1
    # the forwarded file holds the Security records (writer/README.md)
    A = {(e['computer'], e['record_id']): norm(e) for e in ev1 if e['channel'] == 'Security'}
    B = {(e['computer'], e['record_id']): norm(e) for e in ev2}
    if set(A) != set(B):
        print('records differ: only in host files %s, only forwarded %s' %
              (sorted(set(A) - set(B))[:5], sorted(set(B) - set(A))[:5]))
        bad += 1
    for k in sorted(set(A) & set(B)):
        if A[k] != B[k]:
            bad += 1
            if bad < 10:
                for f in sorted(set(A[k]) | set(B[k])):
                    if A[k].get(f) != B[k].get(f):
                        print('%s: %s: host file %r, forwarded %r' % (k, f, A[k].get(f),
                                                                       B[k].get(f)))
    rc3, ev3, err3 = events(a.hopchain, [os.path.join(out, 'wec.evtx')], 'libevtx')
    if rc3 != 3 or ev3:
        print('libevtx on forwarded records: exit %d, %d events (want 3, none)' % (rc3, len(ev3)))
        bad += 1
    print('%d records of %d hosts compared; %d problems' % (len(A), len(hosts), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
