#!/usr/bin/python3
"""The golden tests of hopchain's command line (stdlib only): one runner,
one case format, for tests/cli/cases.json (commands on the samples and on
files made per case) and tests/query/cases.json (the query commands on
case stores of the samples).

Each case in a cases file is one command line with what must come of it:
  name        unique in its file
  args        argv after the program; "{tmp}" is a per-case scratch
              directory, "{src}" the source root (cwd is always {src}),
              "{db}" the case store of `db`, "{corpus}" the shared corpus
              (--corpus, relative to {src} when it can be: the meson
              option `corpus`); where the store's or the corpus's path
              appears in stdout it reads "{db}" / "{corpus}"
  db          optional: a sample set (a directory under samples/); its case
              store is built once per run (hcdb.py, `hopchain ingest`), and
              its path in stdout reads "{db}" before the comparison
  files       optional {relative path under {tmp}: text}: made before the run
              ("{dir}/" as a key makes an empty directory)
  env         optional extra environment (e.g. TZ, LC_ALL)
  requires    optional list of paths under {src} ("{corpus}/..." for the
              corpus); the case is skipped when one is missing (samples not
              generated yet, the corpus absent)
  exit        expected exit code
  stdout      golden file under expected/ beside the cases file (exact bytes), or
  stdout_regex  a regular expression the whole stdout must match, or
  stdout_empty  true
  stderr_empty  true, or
  stderr_regex  a regular expression searched in stderr (re.S)
  stderr_lines  exact number of lines on stderr
  stderr_no_raw_control  true: no byte < 0x20 other than newline, and no
              DEL, on stderr (hostile names must arrive escaped)
A sanitizer report on stderr always fails a case. Every file in expected/
must be some case's golden (no stale golden).

Usage: run_golden.py --hopchain BIN --cases FILE [--src DIR] [--corpus DIR]
                     [--update] [NAME...]
--update rewrites the goldens (stdout) of the named cases, of all cases
when none is named, from the current binary: only then, never by default,
and only for a case whose other checks (exit code, stderr) pass; review the
diff before committing. Exit 0 all passed, 1 a case failed, 77 nothing ran.
"""

import argparse
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hcdb  # noqa: E402
import hctest  # noqa: E402

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def subst(s, tmp, src, db, corpus):
    s = s.replace('{tmp}', tmp).replace('{src}', src).replace('{corpus}', corpus)
    return s.replace('{db}', db) if db else s


def run_case(case, a, src, expected, stores):
    """Returns (status, messages): status is 'pass', 'fail' or 'skip'."""
    reqs = [subst(r, '', src, None, a.corpus) for r in case.get('requires', [])]
    if 'db' in case:
        reqs.append(os.path.join('samples', case['db']))
    for req in reqs:
        if not os.path.exists(os.path.join(src, req)):
            return 'skip', ['%s not present' % os.path.normpath(os.path.join(src, req))]
    msgs = []
    db = stores.get(case['db']) if 'db' in case else None
    tmp = tempfile.mkdtemp(prefix='hc-golden-')
    try:
        for rel, text in case.get('files', {}).items():
            p = os.path.join(tmp, rel)
            if rel.endswith('/'):
                os.makedirs(p, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, 'wb') as f:
                f.write(text.encode('utf-8'))
        # relative paths in args are relative to the source root: stable output
        argv = [a.hopchain] + [subst(x, tmp, src, db, a.corpus) for x in case['args']]
        try:
            p = hctest.run(argv, cwd=src, env=hctest.hopchain_env(**case.get('env', {})))
        except hctest.subprocess.TimeoutExpired:
            return 'fail', ['timed out']
        out, err = p.stdout, p.stderr
        if db:
            out = out.replace(db.encode(), b'{db}')
        if any('{corpus}' in x for x in case['args']):
            out = out.replace(a.corpus.encode(), b'{corpus}')
        errs = err.decode('utf-8', 'replace')

        if p.returncode != case['exit']:
            msgs.append('exit code %d, want %d; stderr: %s' % (p.returncode, case['exit'],
                                                               errs[:400]))
        if 'stdout_regex' in case and not re.fullmatch(case['stdout_regex'],
                                                       out.decode('utf-8', 'replace'), re.S):
            msgs.append('stdout does not match %r:\n%s' % (case['stdout_regex'],
                                                          out.decode('utf-8', 'replace')[:600]))
        if case.get('stdout_empty') and out:
            msgs.append('stdout not empty: %r' % out[:300])
        if case.get('stderr_empty') and err:
            msgs.append('stderr not empty: %r' % err[:300])
        if 'stderr_regex' in case:
            rx = subst(case['stderr_regex'], re.escape(tmp), re.escape(src), None,
                       re.escape(a.corpus))
            if not re.search(rx, errs, re.S):
                msgs.append('stderr does not match %r:\n%s' % (rx, errs[:600]))
        if 'stderr_lines' in case and len(err.splitlines()) != case['stderr_lines']:
            msgs.append('%d lines on stderr, want %d:\n%s' % (len(err.splitlines()),
                                                              case['stderr_lines'], errs[:600]))
        if case.get('stderr_no_raw_control'):
            raw = sorted({c for c in err if (c < 0x20 and c != 0x0A) or c == 0x7F})
            if raw:
                msgs.append('raw control bytes on stderr %s: %r' % ([hex(c) for c in raw],
                                                                   err[:300]))
        if hctest.sanitizer_report(err):
            msgs.append('sanitizer report:\n' + errs)
        if 'stdout' in case:
            gold = os.path.join(expected, case['stdout'])
            if a.update and not msgs:
                with open(gold, 'wb') as f:
                    f.write(out)
                print('      updated %s (%d bytes)' % (os.path.relpath(gold, src), len(out)))
            elif not os.path.exists(gold):
                msgs.append('golden file %s missing (run with --update %s)'
                            % (gold, case['name']))
            elif not a.update:
                with open(gold, 'rb') as f:
                    want = f.read()
                if out != want:
                    msgs.append('stdout differs from %s at %s'
                                % (os.path.relpath(gold, src),
                                   hctest.first_difference(want, out)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ('fail' if msgs else 'pass'), msgs


def main():
    ap = argparse.ArgumentParser(description='golden command-line tests of hopchain')
    ap.add_argument('--hopchain', required=True)
    ap.add_argument('--cases', required=True)
    ap.add_argument('--src', default=SRC)
    ap.add_argument('--corpus', default=os.path.join(SRC, '..', 'shared', 'corpus'),
                    help='the shared corpus (default: ../shared/corpus beside the source root)')
    ap.add_argument('--update', action='store_true',
                    help='rewrite the goldens of the named cases (all when none is named)')
    ap.add_argument('names', nargs='*', help='run only these cases')
    a = ap.parse_args()
    a.hopchain = os.path.abspath(a.hopchain)
    src = os.path.abspath(a.src)
    a.corpus = os.path.abspath(a.corpus)
    rel = os.path.relpath(a.corpus, src)
    if not rel.startswith(os.pardir + os.sep + os.pardir + os.sep):
        a.corpus = rel    # cwd is src: outputs name it as a user would type it
    expected = os.path.join(os.path.dirname(os.path.abspath(a.cases)), 'expected')

    with open(a.cases, encoding='utf-8') as f:
        cases = json.load(f)
    names = [c['name'] for c in cases]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        print('duplicate case names: %s' % ', '.join(dup))
        return 1
    unknown = sorted(set(a.names) - set(names))
    if unknown:
        print('no such case: %s' % ', '.join(unknown))
        return 1
    stale = sorted(set(os.listdir(expected)) - {c['stdout'] for c in cases if 'stdout' in c}) \
        if os.path.isdir(expected) else []
    if stale:
        print('FAIL  goldens no case compares: %s' % ', '.join(stale))
    if a.names:
        cases = [c for c in cases if c['name'] in a.names]
    if a.update:
        cases = [c for c in cases if 'stdout' in c]

    counts = {'pass': 0, 'fail': 0, 'skip': 0}
    tmp = tempfile.mkdtemp(prefix='hc-golden-stores-')
    stores = hcdb.Stores(a.hopchain, src, tmp)
    try:
        for case in cases:
            status, msgs = run_case(case, a, src, expected, stores)
            counts[status] += 1
            print('%-5s %s' % (status.upper(), case['name']))
            for m in msgs:
                print('      ' + m.replace('\n', '\n      '))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('%d passed, %d failed, %d skipped' % (counts['pass'], counts['fail'], counts['skip']))
    if counts['fail'] or stale:
        return 1
    if counts['pass'] == 0:
        print('SKIP: no case could run (what each lacked is above)')
        return 77
    return 0


if __name__ == '__main__':
    sys.exit(main())
