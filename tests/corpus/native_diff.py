#!/usr/bin/python3
"""Differential test of hopchain's two EVTX readers over the shared corpus
(../shared/corpus; exit 77 = skip when absent): the native reader (the
default) against `--reader libevtx`, record for record.

For every .evtx file of the corpus:
  * neither reader crashes or hangs: exit 0, 1 or 3, no sanitizer report;
  * where libevtx reads the file, every event it gives is given by the
    native reader too, equal in every key of the `events` JSONL contract
    (System values, every EventData Name -> value, the normalised fields;
    `file` aside). The native reader may give more only where libevtx
    reported records it could not read (exit 3): damaged chunks, BinXML
    libevtx 20181227 does not support;
  * where libevtx cannot read the file (it refuses it, or reads nothing and
    reports errors: the forwarded multi-host logs of evtx-to-mitre-attack,
    corpus fact 1), the native reader's events must equal the independent
    parser's reference output in reference/evtx_dump/ (omerbenamram/evtx
    0.8.1, see its README): EventID, Version, Computer, Channel, EventRecordID,
    TimeCreated to 100 ns, and every EventData Name -> value (the reference
    writes numbers of forwarded records as text, as they are stored).

By default the logon family (hopchain's default event ids) is compared; with
--all-ids (suite slow) every event id the reference saw in the file (up to
256; else the default ids).

Usage: native_diff.py --hopchain BIN --corpus DIR [--all-ids] [--only SUBSTR] [--verbose]
"""

import argparse
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402

TIMEOUT = 600


def run(binary, reader, path, ids):
    cmd = [binary, '--threads', '1']
    if reader:
        cmd += ['--reader', reader]
    cmd += ['events', '--format', 'jsonl']
    if ids:
        cmd += ['--ids', ','.join(str(i) for i in sorted(ids))]
    cmd.append(path)
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, [], b'timeout'
    ev = []
    if p.returncode in (0, 3):
        for line in p.stdout.decode('utf-8').split('\n'):
            if not line:
                continue
            ev.append(json.loads(line))
    return p.returncode, ev, p.stderr


def keyed(events):
    out, seen = {}, {}
    for e in events:
        k = (e['record_id'], e.get('recovered', False))
        seen[k] = seen.get(k, 0) + 1
        out[k + (seen[k],)] = e
    return out


def ref_records(refdir, rel):
    path = os.path.join(refdir, rel.replace('/', '__') + '.jsonl.gz')
    if not os.path.exists(path):
        return None
    out = {}
    with gzip.open(path, 'rt', encoding='utf-8') as f:
        for line in f:
            try:
                e = json.loads(line)['Event']
            except (ValueError, KeyError):
                continue
            s = e.get('System', {})
            try:
                out[int(text(s.get('EventRecordID')))] = e
            except (TypeError, ValueError):
                continue
    return out


def text(v):
    """A reference value as the text Windows stored."""
    if isinstance(v, dict):
        v = v.get('#text')
    if v is None:
        return ''
    if isinstance(v, bool):
        return 'true' if v else 'false'
    return str(v)


def ref_data(r):
    """The reference's EventData as Name -> text, unnamed <Data> (which it
    writes as one "Data" key, a list when there are several) as hopchain
    names them: Data[1], Data[2]...; UserData: the wrapper's leaf values."""
    if 'EventData' in r or 'UserData' not in r:
        out = {}
        ed = r.get('EventData') or {}
        if not isinstance(ed, dict):
            return out
        for k, v in ed.items():
            if k.startswith('#'):
                continue
            if k == 'Data':
                items = v.get('#text') if isinstance(v, dict) else v
                if not isinstance(items, list):
                    items = [items]
                for i, x in enumerate(items, 1):
                    out['Data[%d]' % i] = text(x)
                continue
            out[k] = text(v)
        return out
    ud = r.get('UserData') or {}
    wrap = next(iter(ud.values()), {}) if isinstance(ud, dict) else {}
    return {k: text(v) for k, v in (wrap or {}).items()
            if not k.startswith('#') and not isinstance(v, (dict, list))}


def dnum(k):
    m = re.match(r'^Data\[(\d+)\]$', k)
    return int(m.group(1)) if m else 0


def ticks(s):
    """hctest.ticks, None for what is no time."""
    try:
        return hctest.ticks(s)
    except ValueError:
        return None


def ref_ids(refdir, rel):
    recs = ref_records(refdir, rel)
    if not recs:
        return None
    ids = set()
    for e in recs.values():
        try:
            ids.add(int(text(e['System']['EventID'])))
        except (KeyError, ValueError):
            pass
    ids = {i for i in ids if 0 <= i <= 65535}
    return ids if 0 < len(ids) <= 256 else None


def compare_ref(rel, ev, ref, problems):
    compared = 0
    for e in ev:
        r = ref.get(e['record_id'])
        if r is None:
            problems.append('%s: record %d: not in the reference output' % (rel, e['record_id']))
            continue
        s = r.get('System', {})

        def bad(what, a, b):
            problems.append('%s: record %d: %s: reference %r, native %r' %
                            (rel, e['record_id'], what, a, b))
        if text(s.get('EventID')) != str(e['event_id']):
            bad('EventID', text(s.get('EventID')), e['event_id'])
        if text(s.get('Version') or '0') != str(e['version']):
            bad('Version', text(s.get('Version')), e['version'])
        for k, mine in (('Computer', 'computer'), ('Channel', 'channel')):
            if text(s.get(k)) != e[mine]:
                bad(k, text(s.get(k)), e[mine])
        tc = (s.get('TimeCreated') or {}).get('#attributes', {}).get('SystemTime')
        if ticks(tc) != ticks(e['time']):
            bad('TimeCreated', tc, e['time'])
        rd = ref_data(r)
        hd = e.get('data', {})
        if 'UserData' in r:
            # the reference nests UserData; only its leaf text values compare
            hd = {k: v for k, v in hd.items() if k in rd}
            rd = {k: v for k, v in rd.items() if k in hd}
        # unnamed <Data>: the reference leaves out the empty ones (N12 of
        # corpus_diff.py): compare the non-empty values in order
        unnamed = re.compile(r'^Data\[\d+\]$')
        ru = [v for k, v in sorted(rd.items(), key=lambda kv: dnum(kv[0])) if unnamed.match(k) and v]
        hu = [v for k, v in sorted(hd.items(), key=lambda kv: dnum(kv[0])) if unnamed.match(k) and v]
        # (evtx_dump 0.8.1 also splits a value at each entity reference, as
        # `[&gt;]` in forwarded PowerShell records: compared joined)
        if ru != hu and ''.join(ru) != ''.join(hu):
            bad('unnamed Data values', ru, hu)
        rd = {k: v for k, v in rd.items() if not unnamed.match(k)}
        hd = {k: v for k, v in hd.items() if not unnamed.match(k)}
        if rd != hd:
            for k in sorted(set(rd) | set(hd)):
                if rd.get(k) != hd.get(k):
                    bad('EventData %s' % k, rd.get(k), hd.get(k))
        compared += 1
    return compared


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--hopchain', required=True)
    ap.add_argument('--corpus', required=True)
    ap.add_argument('--all-ids', action='store_true')
    ap.add_argument('--only')
    ap.add_argument('--verbose', action='store_true')
    a = ap.parse_args()
    hctest.need_corpus(a.corpus)
    corpus = os.path.realpath(a.corpus)
    refdir = os.path.join(corpus, 'reference', 'evtx_dump')
    files = []
    for d, dirs, fs in os.walk(corpus):
        dirs.sort()
        for f in sorted(fs):
            if f.lower().endswith('.evtx'):
                rel = os.path.relpath(os.path.join(d, f), corpus)
                if not a.only or a.only in rel:
                    files.append(rel)
    if not files:
        hctest.skip('no .evtx files under %s' % corpus)
    problems, notes = [], []
    st = dict(same=0, native_more=0, by_ref=0, ref_compared=0, events=0)
    t0 = time.monotonic()
    for rel in files:
        path = os.path.join(corpus, rel)
        ids = ref_ids(refdir, rel) if a.all_ids else None
        res = {}
        for reader in ('native', 'libevtx'):
            rc, ev, err = run(a.hopchain, reader if reader != 'native' else None, path, ids)
            res[reader] = (rc, ev, err)
            if rc is None:
                problems.append('%s: %s reader timed out' % (rel, reader))
            elif rc < 0:
                problems.append('%s: %s reader killed by %s' % (rel, reader,
                                                                 signal.Signals(-rc).name))
            elif rc not in (0, 1, 3):
                problems.append('%s: %s reader exit %d' % (rel, reader, rc))
            if b'Sanitizer' in err or b'runtime error:' in err:
                problems.append('%s: %s reader: sanitizer report:\n%s' %
                                (rel, reader, err.decode('utf-8', 'replace')[-2000:]))
        nrc, nev, nerr = res['native']
        lrc, lev, lerr = res['libevtx']
        if nrc is None or lrc is None:
            continue
        st['events'] += len(nev)
        if lrc == 1 or (not lev and nev and lrc == 3):
            # libevtx cannot read it: the reference decides
            ref = ref_records(refdir, rel)
            if ref is None:
                notes.append('%s: libevtx cannot read it and there is no reference '
                             '(native: %d events, exit %s)' % (rel, len(nev), nrc))
                continue
            st['by_ref'] += 1
            st['ref_compared'] += compare_ref(rel, nev, ref, problems)
            if a.verbose:
                print('reference %-80s native %d events' % (rel[:80], len(nev)), flush=True)
            continue
        # (the stitched benchmark log repeats record ids: the n-th of each)
        N, L = keyed(nev), keyed(lev)
        for k in sorted(set(L) - set(N)):
            problems.append('%s: record %s: libevtx reads it, the native reader does not' %
                            (rel, k[0]))
        for k in sorted(set(L) & set(N)):
            x = dict(N[k])
            y = dict(L[k])
            x.pop('file', None)
            y.pop('file', None)
            if x != y:
                for f in sorted(set(x) | set(y)):
                    if x.get(f) != y.get(f):
                        if f == 'data':
                            for d in sorted(set(x['data']) | set(y['data'])):
                                if x['data'].get(d) != y['data'].get(d):
                                    problems.append('%s: record %s: data %s: libevtx %r, '
                                                    'native %r' % (rel, k[0], d,
                                                                   y['data'].get(d),
                                                                   x['data'].get(d)))
                        else:
                            problems.append('%s: record %s: %s: libevtx %r, native %r' %
                                            (rel, k[0], f, y.get(f), x.get(f)))
        more = set(N) - set(L)
        if more:
            if lrc != 3:
                problems.append('%s: native reads %d records libevtx does not, yet libevtx '
                                'reported nothing (e.g. %s)' % (rel, len(more),
                                                                sorted(more)[:5]))
            st['native_more'] += len(more)
            notes.append('%s: native reads %d records libevtx reported unreadable' %
                         (rel, len(more)))
        st['same'] += len(set(L) & set(N))
        if a.verbose:
            print('compared %-80s %d records (native %d)' % (rel[:80], len(L), len(N)),
                  flush=True)
    for n in notes:
        print('note:', n)
    for p in problems[:200]:
        print('MISMATCH:', p)
    if len(problems) > 200:
        print('... %d more' % (len(problems) - 200))
    print('summary: %d files; %d records equal in both readers; %d more read by the native '
          'reader where libevtx failed; %d files libevtx cannot read compared with the '
          'reference (%d records); %d mismatches; %.0fs' %
          (len(files), st['same'], st['native_more'], st['by_ref'], st['ref_compared'],
           len(problems), time.monotonic() - t0))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
