#!/usr/bin/python3
"""String values of every short length with one unit of interest at every
place, read by both EVTX readers (parsers/binxml.c: ascii_value, the loads
that overlap at a string's end, and utf16_put behind it). Each record
holds, for one length n and one unit u, n Data fields: field k is n ASCII
letters with u at place k. Lengths 0 to 20 and 255 to 258 (around the
short path's bound); units: e-acute, the euro sign, NUL (ends the
string), 0x80 (the first unit above ASCII), DEL (the last ASCII one), the
byte order mark (dropped only at the start), a lone low surrogate. Each
value must be what the libevtx path reads, and what the rules say
(utf16_text below), so a reader agreeing with libevtx on a wrong rule
fails too. A value that is a byte order mark alone kills libevtx 20181227
(libfwevt_xml_tag_get_utf8_xml_value_string_size): its backend must report
those records (exit code 3) and read every other.

usage: binxml_strings.py --hopchain BIN --workdir DIR"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from binxml_types import (Chunk, chunk_bytes, eventdata, evtx_file, read_both,  # noqa: E402
                          record, subst, sysvals, system)

UNITS = [0xe9, 0x20ac, 0x0000, 0x0080, 0x007f, 0xfeff, 0xdc00]
LENGTHS = list(range(0, 21)) + [255, 256, 257, 258]


def units_of(n, k, u):
    """n letters, unit u at place k (k < 0: none)."""
    return [u if i == k else 0x61 + (i * 7 + n) % 26 for i in range(n)]


def utf16_text(units):
    """The value as the readers render a string: a leading byte order mark
    dropped, NUL ends it, an unpaired surrogate is U+FFFD, one linefeed is
    empty."""
    if units and units[0] in (0xfeff, 0xfffe):
        units = units[1:]
    out, i = [], 0
    while i < len(units):
        c = units[i]
        if c == 0:
            break
        if 0xd800 <= c <= 0xdbff:
            lo = units[i + 1] if i + 1 < len(units) else None
            i += 1
            c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00) \
                if lo is not None and 0xdc00 <= lo <= 0xdfff else 0xfffd
        elif 0xdc00 <= c <= 0xdfff:
            c = 0xfffd
        out.append(chr(c))
        i += 1
    s = ''.join(out)
    return '' if s == '\n' else s


def cases():
    """(record's fields, each as (name, units))"""
    for n in LENGTHS:
        for u in UNITS:
            places = range(n) if n <= 20 else [0, 1, n // 2, n - 9, n - 8, n - 2, n - 1]
            yield [('k%d' % k, units_of(n, k, u)) for k in places] or \
                [('none', units_of(n, -1, u))]
    yield [('swapped_mark', [0xfffe]), ('after', units_of(3, -1, 0))]


def build():
    chunks, c, rid, first, last = [], Chunk(), 1, 1, 0
    want, fields_of = {}, {}
    for fields in cases():
        def body(cc, fields=fields):
            system(cc, lambda c2: eventdata(
                c2, [(nm, [subst(6 + i, 0x01)]) for i, (nm, _) in enumerate(fields)]))
        vals = sysvals(rid, 4624) + [(0x01, struct.pack('<%dH' % len(us), *us))
                                     for _, us in fields]
        guid = struct.pack('<QQ', rid, 0x5354524e47)  # a template of its own
        mark, names = len(c.b), dict(c.names)
        c.refs = True  # names defined once a chunk, then referenced
        start = record(c, rid, body, vals, guid)
        if len(c.b) > 60000:  # this record to a new chunk
            del c.b[mark:]
            c.names = names
            chunks.append(chunk_bytes(c, first, rid, last, number=first))
            c, first = Chunk(), rid
            c.refs = True
            start = record(c, rid, body, vals, guid)
        last = start
        want[rid] = {nm: utf16_text(us) for nm, us in fields}
        fields_of[rid] = fields
        rid += 1
    chunks.append(chunk_bytes(c, first, rid, last, number=first))
    return evtx_file(chunks, rid), want, fields_of


def main():
    data, want, fields_of = build()
    nrc, N, nerr, lrc, L, lerr = read_both('binxml_strings.evtx', data)
    bad = 0
    lone = {rid for rid, fields in want.items()
            if any(us in ([0xfeff], [0xfffe]) for _, us in fields_of[rid])}
    if nrc != 0 or lrc != (3 if lone else 0):
        print('exit codes: native %d, libevtx %d: %s %s' % (nrc, lrc, nerr[:500], lerr[:500]))
        bad += 1
    if set(want) - set(L) != lone or not all(
            'record %d: a string value that is a byte order mark alone' % rid in lerr
            for rid in lone):
        print('libevtx: not read %s, want %s reported: %s' % (
            sorted(set(want) - set(L)), sorted(lone), lerr[:500]))
        bad += 1
    for rid, fields in sorted(want.items()):
        got, ref = N.get(rid, {}).get('data'), L.get(rid, {}).get('data')
        if got != fields:
            bad += 1
            if bad < 20:
                print('record %d: native %r\n  want %r' % (rid, got, fields))
        if rid not in lone and ref != got and not any('\ufffd' in v for v in fields.values()):
            bad += 1
            if bad < 20:
                print('record %d: native %r\n  libevtx %r' % (rid, got, ref))
    print('%d records (%d values) in %d chunks, %d that libevtx is not given: %d problems' % (
        len(want), sum(len(f) for f in want.values()), data.count(b'ElfChnk\0'), len(lone), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
