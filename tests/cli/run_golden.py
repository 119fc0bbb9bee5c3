#!/usr/bin/python3
"""Golden command-line tests for hopchain (stdlib only).

Each case in cases.json is one command line with what must come of it:
  name        unique; also the default golden file name
  args        argv after the program; "{tmp}" is a per-case scratch
              directory, "{src}" the source root (cwd is always {src})
  files       optional {relative path under {tmp}: text}: made before the run
              ("{dir}/" as a key makes an empty directory)
  env         optional extra environment (e.g. TZ, LC_ALL)
  requires    optional list of paths under {src}; the case is skipped when one
              is missing (samples not generated yet)
  exit        expected exit code
  stdout      golden file under expected/ (exact bytes), or
  stdout_regex  a regular expression the whole stdout must match, or
  stdout_empty  true
  stderr_empty  true, or
  stderr_regex  a regular expression searched in stderr (re.S)
  stderr_lines  exact number of lines on stderr
  stderr_no_raw_control  true: no byte < 0x20 other than newline, and no
              DEL, on stderr (hostile names must arrive escaped)

Usage: run_golden.py --hopchain BIN [--src DIR] [--cases FILE] [--update]
                     [NAME...]
--update rewrites the golden stdout files from the current binary (only then;
never by default); review the diff before committing. Exit 0 all passed, 1 a
case failed, 77 nothing ran.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def subst(s, tmp, src):
    return s.replace('{tmp}', tmp).replace('{src}', src)


def run_case(case, a, src):
    """Returns (status, messages): status is 'pass', 'fail' or 'skip'."""
    for req in case.get('requires', []):
        if not os.path.exists(os.path.join(src, req)):
            return 'skip', ['%s not present' % req]
    msgs = []
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
        argv = [a.hopchain] + [subst(x, tmp, src) for x in case['args']]
        env = dict(os.environ)
        env.update({'NO_COLOR': '1', 'TERM': 'dumb'})
        env.update(case.get('env', {}))
        try:
            p = subprocess.run(argv, cwd=src, env=env, capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            return 'fail', ['timed out']
        out, err = p.stdout, p.stderr
        errs = err.decode('utf-8', 'replace')

        if p.returncode != case['exit']:
            msgs.append('exit code %d, want %d' % (p.returncode, case['exit']))
        if 'stdout' in case:
            gold = os.path.join(HERE, 'expected', case['stdout'])
            if a.update:
                with open(gold, 'wb') as f:
                    f.write(out)
                msgs.append('updated %s (%d bytes)' % (os.path.relpath(gold, src), len(out)))
            elif not os.path.exists(gold):
                msgs.append('golden file %s missing (run with --update)' % gold)
            else:
                with open(gold, 'rb') as f:
                    want = f.read()
                if out != want:
                    wl, gl = want.splitlines(), out.splitlines()
                    for i in range(max(len(wl), len(gl))):
                        w = wl[i] if i < len(wl) else b'(end)'
                        g = gl[i] if i < len(gl) else b'(end)'
                        if w != g:
                            msgs.append('stdout differs from %s at line %d:\n  want %r\n  got  %r'
                                        % (case['stdout'], i + 1, w[:300], g[:300]))
                            break
        if 'stdout_regex' in case and not re.fullmatch(case['stdout_regex'],
                                                       out.decode('utf-8', 'replace'), re.S):
            msgs.append('stdout does not match %r:\n%s' % (case['stdout_regex'],
                                                          out.decode('utf-8', 'replace')[:600]))
        if case.get('stdout_empty') and out:
            msgs.append('stdout not empty: %r' % out[:300])
        if case.get('stderr_empty') and err:
            msgs.append('stderr not empty: %r' % err[:300])
        if 'stderr_regex' in case:
            rx = subst(case['stderr_regex'], re.escape(tmp), re.escape(src))
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
        if b'AddressSanitizer' in err or b'runtime error:' in err or b'LeakSanitizer' in err:
            msgs.append('sanitizer report:\n' + errs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if a.update:
        return 'pass', msgs
    return ('fail' if msgs else 'pass'), msgs


def main():
    ap = argparse.ArgumentParser(description='golden CLI tests for hopchain')
    ap.add_argument('--hopchain', required=True)
    ap.add_argument('--src', default=os.path.dirname(os.path.dirname(HERE)))
    ap.add_argument('--cases', default=os.path.join(HERE, 'cases.json'))
    ap.add_argument('--update', action='store_true',
                    help='rewrite the golden stdout files from the current binary')
    ap.add_argument('names', nargs='*', help='run only these cases')
    a = ap.parse_args()
    a.hopchain = os.path.abspath(a.hopchain)
    src = os.path.abspath(a.src)

    with open(a.cases) as f:
        cases = json.load(f)
    seen = set()
    for c in cases:
        if c['name'] in seen:
            print('duplicate case name %s' % c['name'])
            return 1
        seen.add(c['name'])
    if a.names:
        cases = [c for c in cases if c['name'] in a.names]
    if a.update:
        cases = [c for c in cases if 'stdout' in c]

    counts = {'pass': 0, 'fail': 0, 'skip': 0}
    for case in cases:
        status, msgs = run_case(case, a, src)
        counts[status] += 1
        print('%-5s %s' % (status.upper(), case['name']))
        for m in msgs:
            print('      ' + m.replace('\n', '\n      '))
    print('%d passed, %d failed, %d skipped' % (counts['pass'], counts['fail'], counts['skip']))
    if counts['fail']:
        return 1
    if counts['pass'] == 0:
        return 77
    return 0


if __name__ == '__main__':
    sys.exit(main())
