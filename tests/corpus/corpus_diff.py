#!/usr/bin/python3
"""Differential test of `hopchain events` against python-evtx over the shared
corpus of public .evtx files (../shared/corpus; exit 77 = skip when absent).

For every .evtx file:
  * hopchain must not crash: exit code 0, 1 or 3, never a signal, never a
    timeout (every file, including derived/ damaged ones and the 48 MB
    stitched benchmark file);
  * for every logon-related record python-evtx renders, the hopchain event
    with the same EventRecordID must agree on EventID, Version, Computer,
    Channel, TimeCreated and every EventData Name -> value.
Where the two readers disagree on which records they can read, the
intersection is compared and the one-sided counts are reported.
derived/security_bitflip_chunk2.evtx must keep its 2,178 readable records
and report errors (exit 3).

Normalisations (rendering differences, not data), applied to both sides:
  N1 TimeCreated: python-evtx prints `YYYY-MM-DD HH:MM:SS.ffffff`, computed
     with float arithmetic (BinaryParser.parse_filetime), so its microseconds
     are sometimes one off the truncated 100 ns value. hopchain's 7-digit
     UTC time is converted back to FILETIME ticks and rendered through
     python-evtx's own parse_filetime(); the strings must then be equal.
  N2 GUID letter case: libevtx prints GUIDs in upper case, python-evtx in
     lower case; a value that is exactly `{8-4-4-4-12 hex}` is lower-cased.
  N3 XML-restricted characters: python-evtx deletes U+0001-U+0008, U+000B,
     U+000C, U+000E-U+001F, U+007F-U+0084, U+0086-U+009F from values
     (Views.RESTRICTED_CHARS); they are deleted from hopchain's values too.
  N4 A Data element python-evtx renders empty (`<Data Name="X"></Data>`) is
     the empty string on both sides.
  N6 python-evtx gives an unnamed <Data> (classic events) no Name; hopchain
     names them Data[1], Data[2]... in order; the same names are used here.
  N7 A value hopchain cut at HC_MAX_FIELD_LEN bytes (event marked
     "truncated": true) must be a prefix of python-evtx's value.
  Only met with --all-ids (typed values outside the logon events):
  N8 booleans: python-evtx prints True/False, libevtx true/false.
  N9 FILETIME/SYSTEMTIME values: python-evtx `YYYY-MM-DD HH:MM:SS[.ffffff]`
     (float arithmetic), libevtx `YYYY-MM-DDTHH:MM:SS.fff[ffffff]Z`: equal
     when both parse as times less than 2 microseconds apart.
  N10 string arrays: python-evtx renders one Data element holding
     `<string>a</string>\n<string>b</string>...`, libevtx one Data element
     per item, which also renumbers unnamed Data[n]; such records are
     counted as not comparable, not compared.
  N11 binary values: python-evtx prints base64, libevtx upper-case hex;
     equal when they decode to the same bytes.
  N12 python-evtx renders an empty unnamed <Data></Data> (and whitespace-only
     text) where libevtx renders no Data element or an empty one: an empty
     or blank value equals an absent unnamed Data[n] or an empty value.
  N5 Not a normalisation of data but of our reading of python-evtx's XML:
     python-evtx leaves CR raw in values and an XML parser folds CR LF into
     LF, so CR is turned into `&#13;` before parsing (PrivilegeList values
     are `Se...Privilege\r\n\t\t\tSe...`).
Nothing else is normalised: any other difference is a mismatch.

With --all-ids (suite slow) every record python-evtx renders is compared,
whatever its event id (hopchain is run a second time with --ids set to the
ids python-evtx saw in that file, when there are at most 256 of them).

Usage: corpus_diff.py --hopchain BIN --corpus DIR [--jobs 2] [--all-ids] [--verbose]
"""

import argparse
import concurrent.futures
import csv
import datetime
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402

IDS = (4624, 4625, 4634, 4647, 4648, 4672)
BENCH_ONLY = 'derived/stitched_security_48MB.evtx'   # hopchain no-crash check only
BITFLIP = 'derived/security_bitflip_chunk2.evtx'
BITFLIP_READABLE = 2178                               # corpus README, fact 2
HC_MAX_FIELD_LEN = 65536                              # parsers/event.h
HC_TIMEOUT = 300                                      # seconds per hopchain run
NS = '{http://schemas.microsoft.com/win/2004/08/events/event}'
GUID_RE = re.compile(r'^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-'
                     r'[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$')
# python-evtx's Views.RESTRICTED_CHARS (N3)
RESTRICTED_RE = re.compile('[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F]')


def norm_value(v):
    v = RESTRICTED_RE.sub('', v or '')                           # N3, N4
    if GUID_RE.match(v):                                          # N2
        v = v.lower()
    return v


# ---------------------------------------------------------------- python side

def from_xml(root):
    """(EventRecordID, fields) of one python-evtx record's parsed XML."""
    sysn = root.find(NS + 'System')

    def text(tag):
        e = sysn.find(NS + tag)
        return (e.text or '').strip() if e is not None else ''

    tc = sysn.find(NS + 'TimeCreated')
    data, unnamed = {}, 0
    ed = root.find(NS + 'EventData')
    if ed is not None:
        for d in ed.findall(NS + 'Data'):
            name = d.get('Name')
            if name is None:            # N6: unnamed <Data> (classic events)
                unnamed += 1
                name = 'Data[%d]' % unnamed
            data[name] = d.text or ''
    return int(text('EventRecordID')), {
        'event_id': int(text('EventID') or -1),
        'version': int(text('Version') or 0),
        'computer': text('Computer'),
        'channel': text('Channel'),
        'time': tc.get('SystemTime') if tc is not None else None,
        'data': data,
    }


def py_render(path, wanted):
    """Runs in a worker process: every record python-evtx can render whose
    EventID is in `wanted` (None = all), as {record_id: fields}, plus the
    counts of rendered records and of errors."""
    import Evtx.Evtx as evtx

    out, rendered, errors, ids = {}, 0, 0, set()
    try:
        with evtx.Evtx(path) as log:
            for chunk in log.chunks():
                try:
                    for rec in chunk.records():
                        try:
                            # N5: keep CR: python-evtx leaves it raw and an XML
                            # parser would fold CR LF into LF
                            x = rec.xml().replace('\r', '&#13;')
                            root = ET.fromstring(x)
                        except Exception:
                            errors += 1
                            continue
                        try:
                            rid, rec_out = from_xml(root)
                        except Exception:
                            errors += 1
                            continue
                        rendered += 1
                        ids.add(rec_out['event_id'])
                        if wanted is None or rec_out['event_id'] in wanted:
                            out[rid] = rec_out
                except Exception:
                    errors += 1      # the rest of this chunk is unreadable
    except Exception:
        errors += 1                  # the file itself
    return out, rendered, errors, ids


# -------------------------------------------------------------- hopchain side

def run_hopchain(binary, path, ids):
    cmd = [binary, 'events', '--format', 'jsonl',
           '--ids', ','.join(str(i) for i in sorted(ids)), path]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=HC_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, None, b'timeout', time.monotonic() - t0
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def hc_events(stdout):
    import json
    ev = {}
    dups = 0
    for line in stdout.decode('utf-8').splitlines():
        o = json.loads(line)
        if o['record_id'] in ev:
            dups += 1
        ev[o['record_id']] = o
    return ev, dups


def ticks_of(rfc3339):
    """hopchain's `YYYY-MM-DDTHH:MM:SS.fffffffZ` -> FILETIME ticks."""
    m = re.match(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{7})Z$', rfc3339)
    if not m:
        return None
    y, mo, d, h, mi, s, f = (int(x) for x in m.groups())
    days = (datetime.date(y, mo, d) - datetime.date(1601, 1, 1)).days
    return ((days * 86400 + h * 3600 + mi * 60 + s) * 10_000_000) + f


def py_time_of(ticks):
    """N1: render FILETIME ticks exactly as python-evtx does."""
    from Evtx.BinaryParser import parse_filetime
    return parse_filetime(ticks).isoformat(' ')


TIME_RE = re.compile(r'^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$')


def as_time(v):
    """N9: seconds since 1601 (float) of a rendered time value, or None."""
    m = TIME_RE.match(v)
    if not m:
        return None
    try:
        d = datetime.datetime.strptime(m.group(1) + ' ' + m.group(2), '%Y-%m-%d %H:%M:%S')
    except ValueError:
        return None
    frac = float('0.' + m.group(3)) if m.group(3) else 0.0
    return (d - datetime.datetime(1601, 1, 1)).total_seconds() + frac


def same_typed(a, b):
    """N8, N9: the same value rendered by the two libraries' type printers."""
    if a in ('True', 'False') and b == a.lower():
        return True
    if re.fullmatch(r'(?:[0-9A-F]{2})+', b):                       # N11
        import base64
        import binascii
        try:
            raw = base64.b64decode(a, validate=True)
            if raw == bytes.fromhex(b):
                return True
            # cut at HC_MAX_FIELD_LEN (N7)
            if len(b) >= HC_MAX_FIELD_LEN - 8 and raw.startswith(bytes.fromhex(b)):
                return True
        except (binascii.Error, ValueError):
            pass
    ta, tb = as_time(a), as_time(b)
    return ta is not None and tb is not None and abs(ta - tb) < 2e-6


def compare(rel, rid, py, hc, problems):
    def bad(what, a, b):
        problems.append('%s: record %d: %s: python-evtx %r, hopchain %r' % (rel, rid, what, a, b))

    if py['event_id'] != hc['event_id']:
        bad('EventID', py['event_id'], hc['event_id'])
    if py['version'] != hc['version']:
        bad('Version', py['version'], hc['version'])
    if norm_value(py['computer']) != norm_value(hc['computer']):
        bad('Computer', py['computer'], hc['computer'])
    if norm_value(py['channel']) != norm_value(hc['channel']):
        bad('Channel', py['channel'], hc['channel'])
    t = ticks_of(hc['time'])
    if t is None or py['time'] != py_time_of(t):
        bad('TimeCreated', py['time'], hc['time'])
    pd, hd = py['data'], hc.get('data', {})
    for name in sorted(set(pd) | set(hd), key=str):
        if name not in hd and name.startswith('Data[') and not pd[name].strip():
            continue                                              # N12
        if name in hd and name in pd and not pd[name].strip() and not hd[name]:
            continue                                              # N12
        if name not in hd:
            bad('EventData %s' % name, pd[name], '(absent)')
        elif name not in pd:
            bad('EventData %s' % name, '(absent)', hd[name])
        elif norm_value(pd[name]) != norm_value(hd[name]):
            if same_typed(pd[name], hd[name]):
                continue
            # N7: hopchain cuts values at HC_MAX_FIELD_LEN bytes and says so
            # ("truncated": true); a cut inside a UTF-8 sequence shows as U+FFFD
            cut = norm_value(hd[name]).rstrip('\ufffd')
            if hc.get('truncated') and len(hd[name].encode('utf-8')) >= HC_MAX_FIELD_LEN - 8 \
                    and norm_value(pd[name]).startswith(cut):
                continue
            bad('EventData %s' % name, pd[name], hd[name])


def load_manifest(corpus):
    man = {}
    path = os.path.join(corpus, 'manifest.tsv')
    if os.path.exists(path):
        with open(path, newline='') as f:
            for row in csv.DictReader(f, delimiter='\t'):
                man[row['file']] = row
    return man


def python_can_render(row):
    """The manifest's python-evtx run rendered at least one record."""
    if row is None:
        return True            # unknown file: try it
    try:
        return int(row.get('python_evtx_records') or 0) > 0
    except ValueError:
        return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--hopchain', required=True)
    ap.add_argument('--corpus', required=True)
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--verbose', action='store_true')
    ap.add_argument('--all-ids', action='store_true',
                    help='compare records of every event id, not only the logon ones')
    ap.add_argument('--only', help='substring: compare only matching files (debugging)')
    a = ap.parse_args()

    hctest.need_corpus(a.corpus)
    try:
        import Evtx.Evtx  # noqa: F401
    except ImportError:
        hctest.skip('python-evtx not importable by %s' % sys.executable)

    corpus = os.path.realpath(a.corpus)
    man = load_manifest(corpus)
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

    problems = []          # mismatches and failures: any -> exit 1
    notes = []             # disagreements on readability: reported only
    stats = dict(files=len(files), py_files=0, compared=0, hc_only=0, py_only=0,
                 hc_exit={}, py_rendered=0, py_errors=0)
    t0 = time.monotonic()

    # python-evtx is slow: start it first, on the largest files first
    py_jobs = {}
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=max(1, a.jobs))
    todo = [f for f in files if f != BENCH_ONLY and python_can_render(man.get(f))]
    todo.sort(key=lambda f: -os.path.getsize(os.path.join(corpus, f)))
    for rel in todo:
        wanted = None if (rel == BITFLIP or a.all_ids) else frozenset(IDS)
        py_jobs[rel] = pool.submit(py_render, os.path.join(corpus, rel), wanted)

    # hopchain on every file (no-crash check), collecting its events
    hc_out = {}
    for rel in files:
        rc, out, err, secs = run_hopchain(a.hopchain, os.path.join(corpus, rel), IDS)
        stats['hc_exit'][rc] = stats['hc_exit'].get(rc, 0) + 1
        if a.verbose:
            print('hopchain %-90s exit %s %.1fs' % (rel[:90], rc, secs), flush=True)
        if rc is None:
            problems.append('%s: hopchain timed out after %ds' % (rel, HC_TIMEOUT))
            continue
        if rc < 0:
            problems.append('%s: hopchain killed by signal %s' % (rel, signal.Signals(-rc).name))
            continue
        if rc not in (0, 1, 3):
            problems.append('%s: hopchain exit code %d (want 0, 1 or 3): %s' %
                            (rel, rc, err.decode('utf-8', 'replace')[-500:]))
            continue
        if b'AddressSanitizer' in err or b'runtime error:' in err or b'LeakSanitizer' in err:
            problems.append('%s: sanitizer report:\n%s' % (rel, err.decode('utf-8', 'replace')))
        if rc == 1 and out:
            problems.append('%s: exit 1 but printed events' % rel)
        try:
            hc_out[rel] = (rc, hc_events(out), err)
        except ValueError as e:
            problems.append('%s: hopchain printed invalid JSONL: %s' % (rel, e))

    # compare
    for rel in todo:
        try:
            py, rendered, errors, ids = py_jobs[rel].result()
        except Exception as e:
            notes.append('%s: python-evtx worker failed: %s' % (rel, e))
            continue
        stats['py_files'] += 1
        stats['py_rendered'] += rendered
        stats['py_errors'] += errors
        if rel not in hc_out:
            continue
        rc, (hc, dups), err = hc_out[rel]
        if dups:
            problems.append('%s: hopchain printed %d duplicate record ids' % (rel, dups))

        if rel == BITFLIP:
            # every event id python saw, so that hopchain keeps every record
            allids = sorted(i for i in ids if 0 < i <= 65535)
            brc, bout, berr, _ = run_hopchain(a.hopchain, os.path.join(corpus, rel), allids)
            if brc != 3:
                problems.append('%s: exit %s, want 3 (records unreadable)' % (rel, brc))
            if not berr.strip():
                problems.append('%s: no error reported on stderr' % rel)
            if brc in (0, 1, 3):
                ball, _ = hc_events(bout)
                if len(ball) != BITFLIP_READABLE:
                    problems.append('%s: hopchain kept %d records, want %d' %
                                    (rel, len(ball), BITFLIP_READABLE))
                if rendered != BITFLIP_READABLE:
                    notes.append('%s: python-evtx rendered %d, expected %d' %
                                 (rel, rendered, BITFLIP_READABLE))
                print('%s: hopchain kept %d records (exit %s, %d stderr lines), '
                      'python-evtx %d' % (rel, len(ball), brc,
                                          len(berr.splitlines()), rendered))
            py = {k: v for k, v in py.items() if v['event_id'] in IDS}
        elif a.all_ids:
            allids = sorted(i for i in ids if 0 < i <= 65535)
            if 0 < len(allids) <= 256 and len(allids) == len(ids):
                rc, out, err, _ = run_hopchain(a.hopchain, os.path.join(corpus, rel), allids)
                if rc not in (0, 1, 3):
                    problems.append('%s: hopchain exit code %s with --ids %s' % (rel, rc, allids))
                    continue
                hc, dups = hc_events(out)
            else:
                py = {k: v for k, v in py.items() if v['event_id'] in IDS}

        if a.all_ids:   # N10
            arrays = [k for k, v in py.items()
                      if any('<string>' in x for x in v['data'].values())]
            stats['not_comparable'] = stats.get('not_comparable', 0) + len(arrays)
            for k in arrays:
                py.pop(k)
                hc.pop(k, None)
        both = sorted(set(py) & set(hc))
        py_only = sorted(set(py) - set(hc))
        hc_only = sorted(set(hc) - set(py))
        for rid in both:
            compare(rel, rid, py[rid], hc[rid], problems)
        stats['compared'] += len(both)
        stats['py_only'] += len(py_only)
        stats['hc_only'] += len(hc_only)
        row = man.get(rel) or {}
        if py_only or hc_only:
            notes.append('%s: compared %d; only python-evtx read %d %s; only hopchain read %d %s '
                         '(manifest: libevtx rc %s records %s, python-evtx rc %s records %s '
                         'errors %s; hopchain exit %s)' %
                         (rel, len(both), len(py_only), py_only[:5], len(hc_only), hc_only[:5],
                          row.get('libevtx_2018_rc'), row.get('libevtx_2018_records'),
                          row.get('python_evtx_rc'), row.get('python_evtx_records'),
                          row.get('python_evtx_errors'), rc))
            # a record python-evtx renders that hopchain silently lost is a bug:
            # hopchain must either read it or say that something was unreadable
            if py_only and rc == 0:
                problems.append('%s: %d records python-evtx renders are missing from '
                                'hopchain output, yet hopchain exited 0 (e.g. %s)' %
                                (rel, len(py_only), py_only[:5]))
        elif a.verbose:
            print('compared %-80s %d records' % (rel[:80], len(both)))
    pool.shutdown()

    for n in notes:
        print('note:', n)
    kinds = {}
    for p in problems:
        k = re.sub(r': record \d+: ', ': ', p).split(': python-evtx')[0]
        kinds[k] = kinds.get(k, 0) + 1
    if len(kinds) > 1:
        for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
            print('%6d x %s' % (n, k[:200]))
    shown = problems[:200]
    for p in shown:
        print('MISMATCH:', p)
    if len(problems) > len(shown):
        print('... %d more' % (len(problems) - len(shown)))
    print('summary: %d files (%d through python-evtx), hopchain exit codes %s; '
          '%d records compared, %d only in python-evtx, %d only in hopchain; '
          'python-evtx rendered %d records with %d errors; %d not comparable (N10); '
          '%d mismatches; %.0fs' %
          (stats['files'], stats['py_files'],
           dict(sorted(stats['hc_exit'].items(), key=lambda kv: str(kv[0]))),
           stats['compared'], stats['py_only'], stats['hc_only'], stats['py_rendered'],
           stats['py_errors'], stats.get('not_comparable', 0), len(problems),
           time.monotonic() - t0))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
