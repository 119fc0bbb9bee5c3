#!/usr/bin/python3
"""Template plans kept across chunks (parsers/binxml.c, plan_reuse): a file
made here whose chunks define the same templates again, as Windows does,
read by both EVTX readers; the native reader must give what the libevtx path
gives, record for record, and the fields named below.

  chunk 0: template A (Data alpha, beta), names inline.
  chunk 1: a filler first, so A lands elsewhere: A again (a plan to reuse,
           its inline names relocated); then A' with A's GUID and size and
           one Data Name differing ("alphx"): not A's plan.
  chunk 2: template X (Data gamma), names inline; template Y (Data delta),
           its names all references to X's.
  chunk 3: a filler, X again (its names elsewhere), Y again (references to
           the new places: Y's plan holds).
  chunk 4: X' (X with the first attribute name, Provider's Name, spelt
           "Nome"), Y again: its references (Y names X's first "Name")
           name "Nome", so Y's plan does not hold (delta is no Data Name
           there).

usage: binxml_reuse.py --hopchain BIN --workdir DIR"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from binxml_types import (Chunk, chunk_bytes, eventdata, evtx_file, read_both,  # noqa: E402
                          record, subst, sysvals, system, u16s)

GUID_A = bytes(range(16, 32))
GUID_X = bytes(range(32, 48))
GUID_Y = bytes(range(48, 64))
GUID_F = bytes(range(64, 80))


def body(fields):
    """A template body: System, then Data elements named `fields`, each
    one string substitution from 6 on."""
    return lambda c: system(c, lambda c2: eventdata(
        c2, [(nm, [subst(6 + i, 0x01)]) for i, nm in enumerate(fields)]))


def rec(c, rid, fields, guid, refs=False):
    c.refs = refs
    vals = sysvals(rid, 4624) + [(0x01, u16s('%s-%d' % (nm, rid))) for nm in fields]
    return record(c, rid, body(fields), vals, guid)


def build():
    chunks, rid = [], 1
    script = [
        [(['alpha', 'beta'], GUID_A, False)],
        [(['filler'], GUID_F, False), (['alpha', 'beta'], GUID_A, False),
         (['alphx', 'beta'], GUID_A, False)],
        [(['gamma'], GUID_X, False), (['delta'], GUID_Y, True)],
        [(['filler', 'more'], GUID_F, False), (['gamma'], GUID_X, False),
         (['delta'], GUID_Y, True)],
        [(['gamma'], GUID_X, False), (['delta'], GUID_Y, True)],
    ]
    for n, recs in enumerate(script):
        c = Chunk()
        first = rid
        if n == 4:
            # X' spells attribute Name "Nome": written as X is, then patched
            # in its inline name, so that every offset stays X's
            last = rec(c, rid, ['gamma'], GUID_X)
            at = c.names['Name']
            c.b[at + 8:at + 16] = u16s('Nome')
            h = 0
            for u in struct.unpack('<4H', u16s('Nome')):
                h = (h * 65599 + u) & 0xffffffff
            struct.pack_into('<H', c.b, at + 4, h & 0xffff)
            rid += 1
            recs = recs[1:]
        for fields, guid, refs in recs:
            last = rec(c, rid, fields, guid, refs)
            rid += 1
        chunks.append(chunk_bytes(c, first, rid, last, number=first))
    return evtx_file(chunks, rid)


def main():
    bad = 0
    nrc, N, nerr, lrc, L, lerr = read_both('binxml_reuse.evtx', build())
    if nrc != 0 or lrc != 0:
        print('exit codes: native %d, libevtx %d: %s %s' % (nrc, lrc, nerr, lerr))
        bad += 1
    if sorted(N) != sorted(L) or len(N) != 11:
        print('records: native %s, libevtx %s' % (sorted(N), sorted(L)))
        bad += 1
    for rid in sorted(set(N) & set(L)):
        x, y = dict(N[rid]), dict(L[rid])
        x.pop('file', None)
        y.pop('file', None)
        if x != y:
            print('record %d: native %s\n           libevtx %s' % (rid, x, y))
            bad += 1
    # what each record must say, whatever both readers agree on
    want = {1: 'alpha', 3: 'alpha', 4: 'alphx', 5: 'gamma', 6: 'delta', 8: 'gamma',
            9: 'delta', 10: 'gamma'}
    for rid, nm in want.items():
        if N.get(rid, {}).get('data', {}).get(nm) != '%s-%d' % (nm, rid):
            print('record %d: %s is %r' % (rid, nm, N.get(rid, {}).get('data')))
            bad += 1
    if 'delta' in N.get(11, {}).get('data', {}):
        print('record 11: a Data named through "Nome": %r' % N.get(11))
        bad += 1
    print('%d records, %d problems' % (len(N), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
