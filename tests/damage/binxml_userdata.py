#!/usr/bin/python3
"""Records whose template has UserData instead of EventData (1100, 1102 and
the like: parsers/binxml.c, PL_SYSTEM): the native reader takes their event
id from the template's plan, skips them at once when --ids does not want
them, and reads the wanted ones by the general walk. A file made here, two
chunks (the second defines the templates again: the plan is reused there),
read by both EVTX readers with several --ids; the native reader must give
what the libevtx path gives, record for record, and exactly the records of
the ids asked for.

  template U: System, then
    <UserData><LogFileCleared xmlns=...><SubjectUserSid>%6</SubjectUserSid>
    <SubjectUserName>%7</SubjectUserName></LogFileCleared></UserData>
    with event ids 1102 and 1100 (one template, the id a value)
  template E: System, then EventData (TargetUserName), event id 4624

usage: binxml_userdata.py --hopchain BIN --workdir DIR"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from binxml_types import (Chunk, attrs, chunk_bytes, elem_done, elem_open,  # noqa: E402
                          eventdata, evtx_file, leaf, read, record, sid, subst, sysvals, system,
                          text, u16s, workfile)

GUID_U = bytes(range(80, 96))
GUID_E = bytes(range(96, 112))
NS_UD = 'http://manifests.microsoft.com/win/2004/08/windows/eventlog'
# record id -> event id, in file order; records 1-6 in chunk 0, 7-12 in chunk 1
IDS = [1102, 4624, 1100, 4624, 1102, 1102, 4624, 1100, 1102, 4624, 4624, 1100]


def userdata(c):
    ud = elem_open(c, 'UserData', False)
    c.b += b'\x02'
    lf = elem_open(c, 'LogFileCleared', True)
    attrs(c, [('xmlns', text(NS_UD))])
    c.b += b'\x02'
    leaf(c, 'SubjectUserSid', [subst(6, 0x13, True)])
    leaf(c, 'SubjectUserName', [subst(7, 0x01, True)])
    c.b += b'\x04'
    elem_done(c, lf)
    c.b += b'\x04'
    elem_done(c, ud)


def rec(c, rid, eid):
    if eid == 4624:
        body = lambda c: system(c, lambda c2: eventdata(c2, [('TargetUserName',
                                                               [subst(6, 0x01)])]))
        return record(c, rid, body, sysvals(rid, eid) + [(0x01, u16s('bob-%d' % rid))], GUID_E)
    body = lambda c: system(c, userdata)
    vals = sysvals(rid, eid) + [(0x13, sid('S-1-5-21-1-2-3-%d' % (1000 + rid))),
                                (0x01, u16s('alice-%d' % rid))]
    return record(c, rid, body, vals, GUID_U)


def build():
    chunks = []
    for first in (1, 7):
        c = Chunk()
        for rid in range(first, first + 6):
            last = rec(c, rid, IDS[rid - 1])
        chunks.append(chunk_bytes(c, first, first + 6, last, number=first))
    return evtx_file(chunks, len(IDS) + 1)


def main():
    hopchain, path = workfile('binxml_userdata.evtx', build())
    bad = 0
    for ids in ('all', '1102', '1100', '4624', '1100,4624', '4625'):
        nrc, N, nerr = read(hopchain, None, path, ids)
        lrc, L, lerr = read(hopchain, 'libevtx', path, ids)
        want = sorted(r + 1 for r, e in enumerate(IDS) if ids == 'all' or str(e) in ids.split(','))
        if nrc != 0 or lrc != 0:
            print('--ids %s: exit codes native %d, libevtx %d: %s %s' % (ids, nrc, lrc, nerr, lerr))
            bad += 1
        if sorted(N) != want or sorted(L) != want:
            print('--ids %s: records native %s, libevtx %s, want %s' %
                  (ids, sorted(N), sorted(L), want))
            bad += 1
        for rid in sorted(set(N) & set(L)):
            if N[rid] != L[rid]:
                print('--ids %s: record %d: native %s\n  libevtx %s' % (ids, rid, N[rid], L[rid]))
                bad += 1
        # the UserData values, whatever both readers agree on
        for rid in want:
            eid = IDS[rid - 1]
            vals = list(N.get(rid, {}).get('data', {}).values())
            if N.get(rid, {}).get('event_id') != eid or (
                    eid != 4624 and 'alice-%d' % rid not in vals):
                print('--ids %s: record %d: %r' % (ids, rid, N.get(rid)))
                bad += 1
    print('%d records, %d problems' % (len(IDS), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
