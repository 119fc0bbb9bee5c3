#!/usr/bin/python3
"""Damaged .evtx files made here from a sample (with --corpus DIR: from the
corpus's velociraptor log instead; skipped when it is absent), read by both
EVTX readers:
every record id a chunk header claims must be read or reported, with exit 3
when anything was not read (issue 8, item 2), and one bad chunk header must
cost at most that chunk (item 3).

The damage (tests/damage/evtxdamage.py), each file made at run time:
  * the first record's size field set to 0x20000, 0, 8 and 0xFFFFFFF0, both
    chunk CRCs recomputed (samples/seed-no-credssp/server1.evtx, file offset
    4612; and chunk 2 of the velociraptor log);
  * the file header's header-size field set to 0xFFFFFFFF, CRC recomputed;
  * one bit flipped in a chunk header's header-size or free-space offset
    field (velociraptor offsets 135208 and 135218; the sample's chunk 0).
For the native reader the records the damage did not touch are all kept. For
--reader libevtx, which refuses a file for one bad chunk header, the message
must say so and name the native reader.

usage: test_damage.py --hopchain BIN [--corpus DIR] [--workdir DIR]
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evtxdamage as dmg  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402

SAMPLE = os.path.join(HERE, '..', '..', 'samples', 'seed-no-credssp', 'server1.evtx')
VELO = 'velociraptor/artifacts_testdata_files_RDPAuth_Security.evtx'
RANGE_RE = re.compile(r'chunk \d+: records? (\d+)(?:-(\d+))?(?: \(\d+\))?(?: not read|:)')

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print('FAIL:', msg)


def read(hopchain, reader, path):
    cmd = [hopchain, '--threads', '1']
    if reader:
        cmd += ['--reader', reader]
    cmd += ['events', '--ids', 'all', '--format', 'jsonl', path]
    p = subprocess.run(cmd, capture_output=True, timeout=300)
    ids = [json.loads(l)['record_id'] for l in p.stdout.decode().split('\n') if l]
    err = p.stderr.decode('utf-8', 'replace')
    reported = set()
    for m in RANGE_RE.finditer(err):
        a = int(m.group(1))
        b = int(m.group(2) or a)
        reported.update(range(a, b + 1))
    return p.returncode, ids, reported, err


def claims(data):
    """Record ids every chunk header claims."""
    out = set()
    for c in range((len(data) - dmg.HEADER) // dmg.CHUNK):
        base = dmg.HEADER + c * dmg.CHUNK
        if data[base:base + 8] == b'ElfChnk\0':
            first, last = dmg.chunk_range(data, c)
            out.update(range(first, last + 1))
    return out


def accounted(name, hopchain, reader, path, claimed, want_all=None):
    """Every claimed id read or reported; exit 3 when any was not read."""
    rc, ids, reported, err = read(hopchain, reader, path)
    label = '%s (%s)' % (name, reader or 'native')
    check(rc in (0, 3), '%s: exit %s, want 0 or 3: %s' % (label, rc, err[-300:]))
    missing = claimed - set(ids) - reported
    check(not missing, '%s: record ids neither read nor reported: %s' %
          (label, sorted(missing)[:10]))
    if claimed - set(ids):
        check(rc == 3, '%s: %d records not read, yet exit %s' %
              (label, len(claimed - set(ids)), rc))
        check(os.path.basename(path) in err, '%s: the message does not name the file' % label)
    if want_all is not None:
        check(len(ids) >= want_all, '%s: %d records read, want at least %d' %
              (label, len(ids), want_all))
    return rc, ids, err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--hopchain', required=True)
    ap.add_argument('--corpus', help="damage the corpus's velociraptor log instead of the "
                    "sample (skipped, 77, when it is absent)")
    ap.add_argument('--workdir')
    a = ap.parse_args()
    if a.corpus:
        hctest.need_corpus(os.path.join(a.corpus, VELO))
        sources = [('velociraptor', open(os.path.join(a.corpus, VELO), 'rb').read(), 2)]
    else:
        sources = [('sample', open(SAMPLE, 'rb').read(), 0)]
    work = tempfile.mkdtemp(prefix='hc-damage-', dir=a.workdir)

    for name, data, chunk in sources:
        claimed = claims(data)
        # item 2: bad record sizes, CRCs fixed so that only the size is wrong
        for size in (0x20000, 0, 8, 0xFFFFFFF0):
            path = os.path.join(work, '%s-size-%x.evtx' % (name, size))
            with open(path, 'wb') as f:
                f.write(dmg.set_u32(data, dmg.first_record_size_offset(data, chunk), size))
            rc, ids, err = accounted('%s size %#x' % (name, size), a.hopchain, None, path,
                                     claimed, want_all=len(claimed) - 1)
            check(rc == 3, '%s size %#x (native): exit %s, want 3' % (name, size, rc))
            check('chunk %d' % chunk in err, '%s size %#x: chunk %d not named' %
                  (name, size, chunk))
            accounted('%s size %#x' % (name, size), a.hopchain, 'libevtx', path, claimed)
        # the header-size field of the file header
        path = os.path.join(work, '%s-header-size.evtx' % name)
        with open(path, 'wb') as f:
            f.write(dmg.set_u32(data, 32, 0xFFFFFFFF))
        rc, ids, err = accounted('%s header size' % name, a.hopchain, None, path, claimed,
                                 want_all=len(claimed))
        check(rc == 0, '%s header size (native): exit %s, want 0 (every record read)' %
              (name, rc))
        accounted('%s header size' % name, a.hopchain, 'libevtx', path, claimed)
        # item 3: one bit of a chunk header, CRCs left to find it
        base = dmg.HEADER + chunk * dmg.CHUNK
        for field, off in (('header size', base + 40), ('free space', base + 50)):
            path = os.path.join(work, '%s-flip-%d.evtx' % (name, off))
            with open(path, 'wb') as f:
                f.write(dmg.flip(data, off, 1))
            rc, ids, err = accounted('%s %s bit' % (name, field), a.hopchain, None, path,
                                     claimed, want_all=len(claimed))
            check(rc == 3, '%s %s bit (native): exit %s, want 3 (damage reported)' %
                  (name, field, rc))
            check('offset %d' % base in err and 'chunk %d' % chunk in err,
                  '%s %s bit: the bad chunk is not named with its offset: %s' %
                  (name, field, err[-300:]))
            lrc, _, _, lerr = read(a.hopchain, 'libevtx', path)
            if lrc == 1:
                check('libevtx cannot open' in lerr and 'native reader' in lerr,
                      '%s %s bit (libevtx): refusal not explained: %s' %
                      (name, field, lerr[-300:]))
            else:
                accounted('%s %s bit' % (name, field), a.hopchain, 'libevtx', path, claimed)
    # --recover: the last record of the sample's chunk made slack (free-space
    # offset and last record id moved before it, CRCs fixed): read only with
    # --recover, marked recovered, never twice
    data = bytearray(sources[0][1])
    base = dmg.HEADER
    last_off = struct.unpack_from('<I', data, base + 44)[0]
    first, last = dmg.chunk_range(data, 0)
    struct.pack_into('<I', data, base + 48, last_off)
    struct.pack_into('<Q', data, base + 32, last - 1)
    dmg.fix_crcs(data, 0)
    path = os.path.join(work, 'sample-slack.evtx')
    with open(path, 'wb') as f:
        f.write(bytes(data))
    for flag, want in (([], []), (['--recover'], [(last, True)])):
        p = subprocess.run([a.hopchain, 'events', '--ids', 'all', '--format', 'jsonl'] + flag +
                           [path], capture_output=True, timeout=60)
        ev = [json.loads(l) for l in p.stdout.decode().split('\n') if l]
        got = [(e['record_id'], e['recovered']) for e in ev if e['record_id'] == last]
        check(p.returncode == 0 and got == want,
              'slack record %s: exit %d, got %s, want %s' % (flag, p.returncode, got, want))
        check(len(ev) == len(set((e['record_id'], e['recovered']) for e in ev)),
              'slack record %s: a record printed twice' % flag)
    print('%d failures' % len(failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
