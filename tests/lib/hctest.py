"""Helpers shared by the Python tests (stdlib only): one copy of each.

Scripts import it with
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
    import hctest
  check(cond, what)   counts a check; prints "FAIL: what" on stderr when it
                      does not hold; returns cond. hctest.checks and
                      hctest.failures count them, summary(name) ends a run.
  hopchain_env(**extra)  the environment hopchain runs in under a test: the
                      caller's (TZ and locale pass through: CI runs the suite
                      under another zone and locale) with NO_COLOR=1 and
                      TERM=dumb
  run(argv, ...)      subprocess.run with that environment and a timeout
  skip(why)           prints "SKIP: why" and exits 77 (meson: skipped); the
                      reason is in the test log
  need_corpus(path)   skip() unless `path` (a directory or file of the
                      shared corpus) exists
  sanitizer_report(stderr)  True when a sanitizer report is in it
  first_difference(want, got)  where two byte strings first differ, by line
  csv_rows(text)      CSV text -> list of dicts
  ticks(s)            RFC 3339 / python-evtx time -> 100 ns ticks since 1970
"""
import calendar
import csv
import io
import os
import re
import subprocess
import sys

checks = 0
failures = 0


def check(cond, what):
    global checks, failures
    checks += 1
    if not cond:
        failures += 1
        print(f"FAIL: {what}", file=sys.stderr)
    return cond


def summary(name):
    """Prints the counts; the exit status: 1 when a check failed, else 0."""
    print(f"{name}: {checks} checks, {failures} failed")
    return 1 if failures else 0


def skip(why):
    print(f"SKIP: {why}", flush=True)
    sys.exit(77)


def need_corpus(path):
    if not os.path.exists(path):
        skip(f"{path} absent: no shared corpus there (meson option corpus, "
             "-Dcorpus=DIR; default ../shared/corpus)")


def hopchain_env(**extra):
    env = dict(os.environ, NO_COLOR="1", TERM="dumb")
    env.update(extra)
    return env


def run(argv, timeout=120, env=None, **kw):
    """subprocess.run(argv) with hopchain_env() (or `env`), output captured."""
    kw.setdefault("capture_output", True)
    return subprocess.run(argv, env=env if env is not None else hopchain_env(),
                          timeout=timeout, **kw)


SANITIZER = (b"AddressSanitizer", b"runtime error:", b"LeakSanitizer")


def sanitizer_report(err):
    if isinstance(err, str):
        err = err.encode("utf-8", "replace")
    return any(m in err for m in SANITIZER)


def first_difference(want, got):
    wl, gl = want.splitlines(), got.splitlines()
    for i in range(max(len(wl), len(gl))):
        w = wl[i] if i < len(wl) else b"(end)"
        g = gl[i] if i < len(gl) else b"(end)"
        if w != g:
            return "line %d:\n  want %r\n  got  %r" % (i + 1, w[:300], g[:300])
    return "(same lines, different bytes)"


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z?$")


def ticks(t):
    """RFC 3339 / python-evtx time ("2021-02-12T12:33:07.4694964Z", a space
    for the T, fraction and Z optional) -> 100 ns ticks since 1970 (UTC,
    whatever TZ says). ValueError when it is no such time."""
    m = TIME.match(t or "")
    if not m:
        raise ValueError("bad time %r" % (t,))
    secs = calendar.timegm(tuple(int(x) for x in m.groups()[:6]))
    return secs * 10_000_000 + int(((m.group(7) or "") + "0000000")[:7])
