#!/usr/bin/python3
"""Every BinXML value type and token, in a small .evtx file made here, read
by both EVTX readers: the native reader must give what the libevtx path
gives, field for field (and may read more only where libevtx reports a
record unreadable).

Each record is a template instance whose definition (inline) is
  <Event xmlns=...><System><Provider Name=%0/><EventID>%1</EventID>
  <Version>%2</Version><TimeCreated SystemTime=%3/><EventRecordID>%4
  </EventRecordID><Channel>%5</Channel><Computer>%6</Computer></System>
  <EventData><Data Name="...">%6</Data>...</EventData></Event>
with one Data per value under test (%6 on), or the EventData as a nested BinXML
value (%6 of type 0x21, as Security records have it), or literal content:
value text, character and entity references, a literal of one linefeed. Values: strings (with XML
specials, non-ASCII, an embedded NUL, a leading byte order mark, unpaired
surrogates, one linefeed, empty), ANSI, every integer width signed and
unsigned (negative ones too: libevtx prints sign and magnitude), floats
(zero, fractions, huge, tiny, infinities, NaN), booleans, binary, GUID,
size (4 and 8 bytes), FILETIME, SYSTEMTIME, SID, hex 32/64, arrays of
strings and integers, optional substitutions without a value.

usage: binxml_types.py --hopchain BIN --workdir DIR"""
import argparse
import json
import os
import struct
import subprocess
import sys
import zlib

NS = 'http://schemas.microsoft.com/win/2004/08/events/event'


def u16s(s):
    return s.encode('utf-16-le')


class Chunk:
    def __init__(self):
        self.b = bytearray(512)
        self.names = {}     # text -> offset of the names defined inline
        self.refs = False   # name a defined name by reference, not again inline

    def pos(self):
        return len(self.b)


def name(c, text):
    """An inline name at the current position: its offset."""
    off = c.pos()
    h = 0
    for u in struct.unpack('<%dH' % len(text), u16s(text)):
        h = (h * 65599 + u) & 0xffffffff
    c.b += struct.pack('<IHH', 0, h & 0xffff, len(text)) + u16s(text) + b'\0\0'
    c.names.setdefault(text, off)
    return off


def name_ref(c, text):
    """A name reference: to the name defined before in the chunk when
    c.refs is set and there is one, else to the name written inline here."""
    if c.refs and text in c.names:
        c.b += struct.pack('<I', c.names[text])
    else:
        c.b += struct.pack('<I', c.pos() + 4)
        name(c, text)


def elem_open(c, nm, attrs):
    start = c.pos()
    c.b += bytes([0x41 if attrs else 0x01]) + struct.pack('<HI', 0xffff, 0)
    name_ref(c, nm)
    return start


def elem_done(c, start):
    struct.pack_into('<I', c.b, start + 3, c.pos() - (start + 7))


def attrs(c, items):
    """items: [(name, writer(c))]"""
    at = c.pos()
    c.b += b'\0\0\0\0'
    for i, (an, w) in enumerate(items):
        c.b += bytes([0x06 if i == len(items) - 1 else 0x46])
        name_ref(c, an)
        w(c)
    struct.pack_into('<I', c.b, at, c.pos() - at - 4)


def text(s, more=False):
    def w(c):
        c.b += bytes([0x45 if more else 0x05, 0x01]) + struct.pack('<H', len(u16s(s)) // 2) + u16s(s)
    return w


def subst(idx, vtype, optional=False):
    def w(c):
        c.b += bytes([0x0e if optional else 0x0d]) + struct.pack('<HB', idx, vtype)
    return w


def leaf(c, nm, content, attr_items=None):
    e = elem_open(c, nm, bool(attr_items))
    if attr_items:
        attrs(c, attr_items)
    if content is None:
        c.b += b'\x03'
    else:
        c.b += b'\x02'
        for w in content:
            w(c)
        c.b += b'\x04'
    elem_done(c, e)


def eventdata(c, fields):
    """fields: [(data name or None, [content writers])]"""
    ed = elem_open(c, 'EventData', False)
    c.b += b'\x02'
    for nm, content in fields:
        leaf(c, 'Data', content, [('Name', text(nm))] if nm is not None else None)
    c.b += b'\x04'
    elem_done(c, ed)


def template(c, body, guid=bytes(range(16))):
    """Template instance with its definition inline; `body(c)` writes the
    element tree."""
    c.b += b'\x0c\x01' + struct.pack('<I', 0x1234)
    c.b += struct.pack('<I', c.pos() + 4)
    c.b += struct.pack('<I', 0) + guid
    size_at = c.pos()
    c.b += b'\0\0\0\0'
    c.b += b'\x0f\x01\x01\x00'
    body(c)
    c.b += b'\x00'
    struct.pack_into('<I', c.b, size_at, c.pos() - size_at - 4)


def values(c, vals):
    """vals: [(type, bytes)]"""
    c.b += struct.pack('<I', len(vals))
    for t, data in vals:
        c.b += struct.pack('<HBB', len(data), t, 0)
    for t, data in vals:
        c.b += data


def system(c, ed_writer):
    e = elem_open(c, 'Event', True)
    attrs(c, [('xmlns', text(NS))])
    c.b += b'\x02'
    s = elem_open(c, 'System', False)
    c.b += b'\x02'
    leaf(c, 'Provider', None, [('Name', subst(0, 0x01, True))])
    leaf(c, 'EventID', [subst(1, 0x06, True)])
    leaf(c, 'Version', [subst(2, 0x04, True)])
    leaf(c, 'TimeCreated', None, [('SystemTime', subst(3, 0x11, True))])
    leaf(c, 'EventRecordID', [subst(4, 0x0a, True)])
    leaf(c, 'Channel', [subst(5, 0x01, True)])
    leaf(c, 'Computer', [text('types.example')])
    c.b += b'\x04'
    elem_done(c, s)
    ed_writer(c)
    c.b += b'\x04'
    elem_done(c, e)


def sysvals(rid, eid):
    return [(0x01, u16s('Types-Provider')), (0x06, struct.pack('<H', eid)),
            (0x04, b'\x01'), (0x11, struct.pack('<Q', 133000000000000000 + rid * 12345671)),
            (0x0a, struct.pack('<Q', rid)), (0x01, u16s('Types'))]


def sid(text_sid):
    p = text_sid.split('-')
    subs = [int(x) for x in p[3:]]
    return bytes([int(p[1]), len(subs)]) + int(p[2]).to_bytes(6, 'big') + \
        b''.join(struct.pack('<I', s) for s in subs)


CASES = [  # (Data name, type, bytes)
    ('str', 0x01, u16s('a<b>&c"d\'e héllo €')),
    ('str_empty', 0x01, b''),
    ('str_lf', 0x01, u16s('\n')),
    ('str_nul', 0x01, u16s('ab\0cd')),
    ('str_bom', 0x01, u16s('\ufeffbom')),
    ('str_lone_high', 0x01, struct.pack('<3H', 0x61, 0xd800, 0x62)),
    ('str_lone_low', 0x01, struct.pack('<2H', 0xdc00, 0x63)),
    ('str_high_at_end', 0x01, struct.pack('<2H', 0x64, 0xd800)),
    ('ansi', 0x02, b'caf\xe9 \x80uro'),
    ('int8', 0x03, b'\xff'), ('int8b', 0x03, b'\x80'), ('int8c', 0x03, b'\x05'),
    ('uint8', 0x04, b'\xff'),
    ('int16', 0x05, struct.pack('<h', -2)), ('uint16', 0x06, struct.pack('<H', 65535)),
    ('int32', 0x07, struct.pack('<i', -100)), ('uint32', 0x08, struct.pack('<I', 4000000000)),
    ('int64', 0x09, struct.pack('<q', -1)), ('uint64', 0x0a, struct.pack('<Q', 2**64 - 1)),
    ('real32', 0x0b, struct.pack('<f', 1.5)), ('real32b', 0x0b, struct.pack('<f', -0.1)),
    ('real32z', 0x0b, struct.pack('<f', 0.0)), ('real32inf', 0x0b, struct.pack('<f', float('inf'))),
    ('real32nan', 0x0b, struct.pack('<I', 0x7fc00001)),
    ('real64', 0x0c, struct.pack('<d', 3.141592653589793)),
    ('real64tiny', 0x0c, struct.pack('<d', 1e-300)), ('real64huge', 0x0c, struct.pack('<d', 1e300)),
    ('real64neg', 0x0c, struct.pack('<d', -123456.789)),
    ('real64ind', 0x0c, struct.pack('<Q', 0xfff8000000000000)),
    ('bool1', 0x0d, struct.pack('<I', 1)), ('bool0', 0x0d, struct.pack('<I', 0)),
    ('bool2', 0x0d, struct.pack('<I', 2)),
    ('binary', 0x0e, bytes([0, 1, 0xab, 0xff])),
    ('guid', 0x0f, bytes(range(16))),
    ('size4', 0x10, struct.pack('<I', 1234)), ('size8', 0x10, struct.pack('<Q', 2**40)),
    ('filetime', 0x11, struct.pack('<Q', 132590000001234567)),
    ('filetime0', 0x11, struct.pack('<Q', 0)),
    ('systime', 0x12, struct.pack('<8H', 2021, 2, 5, 12, 13, 14, 15, 167)),
    ('sid', 0x13, sid('S-1-5-21-1-2-3-500')), ('sid_anon', 0x13, sid('S-1-5-7')),
    ('hex32', 0x14, struct.pack('<I', 0x3e7)), ('hex64', 0x15, struct.pack('<Q', 0x3e7)),
    # every digit in every place of both halves
    ('hex32_digits', 0x14, struct.pack('<I', 0x89abcdef)),
    ('hex32_digits2', 0x14, struct.pack('<I', 0x01234567)),
    ('hex64_digits', 0x15, struct.pack('<Q', 0x0123456789abcdef)),
    ('hex64_digits2', 0x15, struct.pack('<Q', 0xfedcba9876543210)),
    ('str_array', 0x81, u16s('one\0two\0three\0')),
    ('u16_array', 0x86, struct.pack('<3H', 1, 2, 3)),
    ('hex32_array', 0x94, struct.pack('<2I', 10, 11)),
]


def record(c, rid, body, vals, guid=bytes(range(16))):
    start = c.pos()
    c.b += b'**\0\0' + struct.pack('<IQQ', 0, rid, 133000000000000000)
    c.b += b'\x0f\x01\x01\x00'
    template(c, body, guid)
    values(c, vals)
    c.b += b'\x00'
    while (c.pos() - start + 4) % 8:
        c.b += b'\x00'
    c.b += struct.pack('<I', c.pos() + 4 - start)
    struct.pack_into('<I', c.b, start + 4, c.pos() - start)
    return start


def build():
    c = Chunk()
    rid = 100
    last = 0
    # one record per value: the Data element is substitution 7
    for nm, t, data in CASES:
        def body(cc, nm=nm, t=t):
            system(cc, lambda c2: eventdata(c2, [(nm, [subst(6, t)])]))
        last = record(c, rid, body, sysvals(rid, 4624) + [(t, data)])
        rid += 1
    # all values in one record (several Data, one unnamed)
    def body_all(cc):
        system(cc, lambda c2: eventdata(c2, [(nm, [subst(6 + i, t)])
                                             for i, (nm, t, _) in enumerate(CASES)
                                             if not (t & 0x80)] + [(None, [subst(6, 0x01)])]))
    vals = sysvals(rid, 4625) + [(t, d) for _, t, d in CASES if not (t & 0x80)]
    last = record(c, rid, body_all, vals)
    rid += 1
    # literal content: value text in pieces, character and entity references
    def body_lit(cc):
        def lit(c2):
            c2.b += b'\x48' + struct.pack('<H', 0x263a)          # char ref, more
        def ent(c2):
            c2.b += b'\x49' + struct.pack('<I', c2.pos() + 5)   # entity ref, more
            name(c2, 'amp')
        def ent_unknown(c2):
            c2.b += b'\x09' + struct.pack('<I', c2.pos() + 5)
            name(c2, 'nbsp')
        system(cc, lambda c2: eventdata(c2, [('literal', [text('x', True), lit, ent,
                                                          text('y', True), ent_unknown])]))
    last = record(c, rid, body_lit, sysvals(rid, 4624))
    rid += 1
    # a literal that is one linefeed (empty, as libevtx renders it), then a
    # field after it that must keep its own value
    def body_lf(cc):
        system(cc, lambda c2: eventdata(c2, [('lf_literal', [text('\n')]),
                                             ('after_lf', [subst(6, 0x01)])]))
    last = record(c, rid, body_lf, sysvals(rid, 4624) + [(0x01, u16s('kept'))])
    rid += 1
    # optional substitutions without a value: the Data element is left out
    def body_opt(cc):
        system(cc, lambda c2: eventdata(c2, [('present', [subst(6, 0x01, True)]),
                                             ('absent', [subst(7, 0x01, True)])]))
    last = record(c, rid, body_opt, sysvals(rid, 4624) + [(0x01, u16s('here')), (0x00, b'')])
    rid += 1
    # the EventData as a nested BinXML value with its own template
    def body_nested(cc):
        system(cc, lambda c2: subst(6, 0x21, True)(c2))
    inner = Chunk()
    inner.b = bytearray()
    nested_rid = rid
    start = c.pos()
    c.b += b'**\0\0' + struct.pack('<IQQ', 0, rid, 133000000000000000)
    c.b += b'\x0f\x01\x01\x00'
    template(c, body_nested)
    # values: the system ones and the BinXML value, written after its size is known
    sv = sysvals(rid, 4624)
    c.b += struct.pack('<I', len(sv) + 1)
    desc_at = c.pos()
    for t, d in sv:
        c.b += struct.pack('<HBB', len(d), t, 0)
    c.b += b'\0\0\x21\0'
    for t, d in sv:
        c.b += d
    vstart = c.pos()
    c.b += b'\x0f\x01\x01\x00'
    template(c, lambda c2: eventdata(c2, [('inner_a', [subst(0, 0x01)]),
                                          ('inner_b', [subst(1, 0x15)])]))
    values(c, [(0x01, u16s('nested')), (0x15, struct.pack('<Q', 0x1234))])
    c.b += b'\x00'
    struct.pack_into('<H', c.b, desc_at + 4 * len(sv), c.pos() - vstart)
    c.b += b'\x00'
    while (c.pos() - start + 4) % 8:
        c.b += b'\x00'
    c.b += struct.pack('<I', c.pos() + 4 - start)
    struct.pack_into('<I', c.b, start + 4, c.pos() - start)
    last = start
    assert nested_rid == rid
    rid += 1
    return evtx_file([chunk_bytes(c, 100, rid, last)], rid)


def chunk_bytes(c, first, end, last, number=1):
    """The 64 KiB chunk of records `first` to `end` - 1 (record numbers from
    `number`), the last at `last`, its header and CRCs filled in."""
    if len(c.b) > 65536 - 8:
        raise SystemExit('test chunk too big: %d' % len(c.b))
    free = len(c.b)
    chunk = c.b + bytes(65536 - len(c.b))
    chunk[:8] = b'ElfChnk\0'
    struct.pack_into('<QQQQIII', chunk, 8, number, number + end - first - 1, first, end - 1, 128,
                     last, free)
    struct.pack_into('<I', chunk, 52, zlib.crc32(bytes(chunk[512:free])))
    struct.pack_into('<I', chunk, 120, 1)
    struct.pack_into('<I', chunk, 124, zlib.crc32(bytes(chunk[128:512]), zlib.crc32(bytes(chunk[:120]))))
    return bytes(chunk)


def evtx_file(chunks, next_rid):
    """A file header, closed cleanly, and the chunks."""
    hdr = bytearray(4096)
    hdr[:8] = b'ElfFile\0'
    struct.pack_into('<QQQIHHHH', hdr, 8, 0, len(chunks) - 1, next_rid, 128, 1, 3, 4096,
                     len(chunks))
    struct.pack_into('<I', hdr, 124, zlib.crc32(bytes(hdr[:120])))
    return bytes(hdr) + b''.join(chunks)


def read(hopchain, reader, path, ids='all'):
    """(exit code, events by record id, stderr) of `events --ids IDS` with
    `reader` (None: the native one)."""
    cmd = [hopchain] + (['--reader', reader] if reader else []) + \
        ['events', '--ids', ids, '--format', 'jsonl', path]
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    return p.returncode, {e['record_id']: e for e in map(json.loads, filter(
        None, p.stdout.decode().split('\n')))}, p.stderr.decode('utf-8', 'replace')


def workfile(name, data):
    """The command line (--hopchain BIN --workdir DIR) of these tests: `data`
    written to DIR/name. Returns (BIN, the file's path)."""
    ap = argparse.ArgumentParser()
    ap.add_argument('--hopchain', required=True)
    ap.add_argument('--workdir', required=True)
    a = ap.parse_args()
    path = os.path.join(a.workdir, name)
    with open(path, 'wb') as f:
        f.write(data)
    return a.hopchain, path


def read_both(name, data):
    """`data` written as workfile does, read by the native reader and the
    libevtx path: (exit code, events by record id, stderr) of each."""
    hopchain, path = workfile(name, data)
    return read(hopchain, None, path) + read(hopchain, 'libevtx', path)


def main():
    nrc, N, nerr, lrc, L, lerr = read_both('binxml_types.evtx', build())
    bad = 0
    if nrc != 0:
        print('native reader: exit %d: %s' % (nrc, nerr))
        bad += 1
    for rid in sorted(L):
        x, y = dict(N.get(rid, {})), dict(L[rid])
        x.pop('file', None)
        y.pop('file', None)
        if x != y:
            bad += 1
            for k in sorted(set(x) | set(y)):
                if k == 'data':
                    for d in sorted(set(x.get('data', {})) | set(y['data'])):
                        if x.get('data', {}).get(d) != y['data'].get(d):
                            print('record %d: %s: libevtx %r, native %r' %
                                  (rid, d, y['data'].get(d), x.get('data', {}).get(d)))
                elif x.get(k) != y.get(k):
                    print('record %d: %s: libevtx %r, native %r' % (rid, k, y.get(k), x.get(k)))
    more = sorted(set(N) - set(L))
    if more and lrc != 3:
        print('native reads %s, libevtx neither reads nor reports them' % more)
        bad += 1
    # what libevtx cannot read, the native reader reads as written
    if 116 + 1 in N or True:
        lone = N.get(100 + [c[0] for c in CASES].index('str_lone_high'), {}).get('data', {})
        if lone and lone.get('str_lone_high') != 'a\ufffd':
            print('unpaired high surrogate: %r' % lone.get('str_lone_high'))
            bad += 1
    print('%d records: %d equal in both readers, %d read by the native reader only '
          '(libevtx: exit %d); %d problems' % (len(N), len(set(N) & set(L)), len(more), lrc, bad))
    for rid in more:
        print('  native only: record %d %s' % (rid, json.dumps(N[rid].get('data'))[:200]))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
