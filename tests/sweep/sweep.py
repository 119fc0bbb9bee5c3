#!/usr/bin/python3
"""The sanitizer sweep: hopchain on every file of ../shared/corpus, as an
attacker or a careless user would feed it, so that what issue 8 found
stays fixed. Exit 77 (skip) when the corpus is absent.

Every regular file of the corpus is an input, whatever it is (logs, JSON,
licences, archives, scripts); the OTRF archives (.zip, .tar.gz) are
unpacked and the evtx_dump references (.jsonl.gz) uncompressed into a
temporary directory, and their contents are inputs too. For each input:

  events --format jsonl INPUT
  analyze --format json --min-hops 1 INPUT   (not for inputs over 16 MiB:
      the one is derived/stitched_security_48MB.evtx, a copy of other
      files' chunks, which `events` and the case below read anyway)

and then, into one new case, every input: `ingest` (its per-file summary
as csv), `ingest` again (each input already in the case), `correlate`,
`chains` and `sql` on it.
Each run must end by itself (a hang is a failure), with an exit code the
README documents for it (0, 1 or 3), and with no report of
AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer or valgrind
on stderr. Meant for the address+undefined build (.ci/run) and, with
--valgrind and --subset damaged, for a valgrind run of the damaged and odd
files (all of them under valgrind would take hours).

usage: sweep.py --hopchain BIN --corpus DIR [--valgrind VALGRIND]
                [--subset all|damaged] [--only REGEX] [--jobs N] [--timeout S] [--list]
(--only: the inputs whose corpus path matches, to chase one failure)
"""
import argparse
import concurrent.futures
import gzip
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import hctest  # noqa: E402

# What a sanitizer or valgrind prints when it finds something.
REPORT = re.compile(rb"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                    rb"UndefinedBehaviorSanitizer|==\d+== (Invalid|Conditional jump|"
                    rb"Use of uninitialised|Syscall param|Mismatched free|"
                    rb"\d+ bytes in \d+ blocks are definitely lost)|"
                    rb"ERROR SUMMARY: [1-9]")
OK_EXITS = {0, 1, 3}
ANALYZE_MAX = 16 << 20
# The files a valgrind run takes (--subset damaged): the damaged and odd
# logs (derived/, the corrupt parser-test files) and a small one of each
# other kind (a clean .evtx, an OTRF archive of JSON).
DAMAGED = re.compile(r"derived/security_(bitflip|header_only|truncated)|"
                     r"omerbenamram-evtx/samples_(sample_with_a_bad_chunk_magic|"
                     r"Application_no_crc32|security_bad_string_cache|issue_201|"
                     r"sample-with-zero-data-size-event|sample-with-irregular-bool-values|"
                     r"Security_short_selected)\.evtx$|"
                     r"python-evtx/tests_data_(dns_log_malformed|issue_38)\.evtx$|"
                     r"chainsaw/.*\.evtx$|compound_GoldenSAML")


def unpack(archive, dest):
    """Regular files only, by base name (nothing escapes `dest`); returns
    the paths written."""
    os.makedirs(dest, exist_ok=True)
    out = []
    low = archive.lower()
    if low.endswith(".tar.gz"):
        with tarfile.open(archive) as t:
            for m in t.getmembers():
                if m.isfile():
                    p = os.path.join(dest, os.path.basename(m.name))
                    with open(p, "wb") as f:
                        f.write(t.extractfile(m).read())
                    out.append(p)
    elif low.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            for m in z.infolist():
                if not m.is_dir():
                    p = os.path.join(dest, os.path.basename(m.filename))
                    with open(p, "wb") as f:
                        f.write(z.read(m))
                    out.append(p)
    elif low.endswith(".gz"):
        p = os.path.join(dest, os.path.basename(archive)[:-3])
        with gzip.open(archive) as g, open(p, "wb") as f:
            shutil.copyfileobj(g, f)
        out.append(p)
    return out


def inputs(corpus, tmp, subset, only=None):
    """(label, path) of every input: the corpus files and what the archives hold."""
    out = []
    for root, dirs, files in os.walk(corpus):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, corpus)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            picked = (subset == "all" or DAMAGED.search(rel)) and \
                (not only or re.search(only, rel))
            if picked:
                out.append((rel, path))
            if re.search(r"\.(zip|tar\.gz|gz)$", name, re.I) and picked:
                dest = os.path.join(tmp, "unpacked", re.sub(r"[^\w.-]", "_", rel))
                for p in unpack(path, dest):
                    out.append((rel + "!" + os.path.basename(p), p))
    return out


def run(cmd, timeout, env):
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
        return p.returncode, p.stderr, time.monotonic() - t0
    except subprocess.TimeoutExpired as e:
        return None, (e.stderr or b"") + b"\n(timed out)", time.monotonic() - t0


def judge(label, cmd, rc, err):
    """The problems of one run (empty when it passed)."""
    bad = []
    if rc is None:
        bad.append("did not end (hangs)")
    elif rc not in OK_EXITS:
        bad.append("exit %d (%s)" % (rc, "signal %d" % -rc if rc < 0 else "not 0, 1 or 3"))
    m = REPORT.search(err)
    if m:
        start = max(0, err.rfind(b"\n", 0, max(0, m.start() - 200)))
        bad.append("a sanitizer/valgrind report:\n" +
                   err[start:start + 3000].decode("utf-8", "replace"))
    return ["%s: %s: %s" % (label, " ".join(cmd[-4:]), b) for b in bad]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hopchain", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--valgrind", help="run hopchain under this valgrind")
    ap.add_argument("--subset", choices=("all", "damaged"), default="all")
    ap.add_argument("--only", help="only inputs whose corpus path matches this regex")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=900, help="seconds per run")
    ap.add_argument("--list", action="store_true", help="print the inputs and stop")
    a = ap.parse_args()
    hctest.need_corpus(a.corpus)
    hc = os.path.abspath(a.hopchain)
    env = hctest.hopchain_env()
    # a sanitizer's report must not pass for hopchain's exit 1
    env["ASAN_OPTIONS"] = "exitcode=99:detect_leaks=1:" + env.get("ASAN_OPTIONS", "")
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:" + env.get("UBSAN_OPTIONS", "")
    pre = [a.valgrind, "--error-exitcode=99", "--leak-check=full",
           "--errors-for-leak-kinds=definite", "--quiet"] if a.valgrind else []
    tmp = tempfile.mkdtemp(prefix="hc-sweep-")
    failures, slow = [], []
    t_start = time.monotonic()
    try:
        files = inputs(a.corpus, tmp, a.subset, a.only)
        if a.list:
            for label, _ in files:
                print(label)
            return 0
        jobs = []
        for label, path in files:
            jobs.append((label, pre + [hc, "events", "--format", "jsonl", path]))
            if os.path.getsize(path) <= ANALYZE_MAX:
                jobs.append((label, pre + [hc, "analyze", "--format", "json", "--min-hops", "1",
                                           path]))
        with concurrent.futures.ThreadPoolExecutor(max(1, a.jobs)) as ex:
            futs = {ex.submit(run, cmd, a.timeout, env): (label, cmd) for label, cmd in jobs}
            for f in concurrent.futures.as_completed(futs):
                label, cmd = futs[f]
                rc, err, dt = f.result()
                failures += judge(label, cmd, rc, err)
                slow.append((dt, label, cmd[len(pre) + 1]))
        # every input into one case: the whole corpus through the store
        # and correlated together, then read back
        case = os.path.join(tmp, "all.db")
        every = [p for _, p in files]
        for cmd in (pre + [hc, "ingest", "--quiet", "--db", case, "--format", "csv"] + every,
                    pre + [hc, "ingest", "--quiet", "--db", case] + every,
                    pre + [hc, "correlate", "--quiet", "--db", case, "--skew", "1m"],
                    pre + [hc, "chains", "--db", case, "--format", "json", "--min-hops", "1"],
                    pre + [hc, "sql", "--db", case, "--format", "csv",
                           "SELECT computer, event_id, count(*) FROM events GROUP BY 1, 2"]):
            rc, err, dt = run(cmd, a.timeout, env)
            failures += judge("(all inputs)", cmd[:len(pre) + 4], rc, err)
            slow.append((dt, "(all inputs)", cmd[len(pre) + 1]))
            jobs.append(("(all inputs)", cmd))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    slow.sort(reverse=True)
    per = {}
    for t, _, c in slow:
        per[c] = per.get(c, 0) + t
    print("sweep: %d inputs, %d runs in %.0f s (%s); slowest: %s" % (
        len(files), len(jobs), time.monotonic() - t_start,
        ", ".join("%s %.0f s" % kv for kv in sorted(per.items())),
        ", ".join("%s %s %.1f s" % (c, l, t) for t, l, c in slow[:5])))
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
