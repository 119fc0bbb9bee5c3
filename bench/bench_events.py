#!/usr/bin/python3
"""Extraction throughput, side by side in one run: `hopchain events --ids
4624,4625 --format jsonl` with the native reader (1 and 2 threads), with
`--reader libevtx`, and libevtx's own `evtxexport -f xml`, run in turn on the
same files, so that the ratios mean something on a shared, noisy machine.

usage: bench/bench_events.py [--hopchain PATH] [--runs N] [--big-mb 512]
                             [--slow-runs N] [--corpus DIR] [FILE...]

Without FILEs: ../shared/corpus/derived/stitched_security_48MB.evtx and a
--big-mb file stitched from it with the corpus's derived/stitch_evtx.py into
the temporary directory (never into the repository; kept for later runs).
For every file and tool it prints the median wall time, MB/s of input by
wall and by CPU time (user + system of the child: what one core does, the
figure that survives a busy machine), the peak resident memory, and the
ratios of the paired runs (median of run-by-run ratios). Also the reader
alone (bench/read_speed: no output), and the load average before and after.
The slow tools (libevtx, evtxexport) run --slow-runs times (default 1 on
files over 100 MB; 0 leaves them out). Needs evtxexport (Debian libevtx-utils) for its column.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


TIME = '/usr/bin/time'  # Debian's package "time"


def run(cmd):
    """(wall s, cpu s, peak RSS MiB) of one run, output discarded. The peak
    comes from /usr/bin/time when it is there: a child of this Python
    process inherits its ~28 MiB as the floor of ru_maxrss (Linux carries
    the high-water mark across fork and exec), a child of time(1) a few."""
    with tempfile.NamedTemporaryFile('r') as tf:
        timed = os.path.exists(TIME)
        full = [TIME, '-f', '%M', '-o', tf.name] + cmd if timed else cmd
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        rc = os.waitstatus_to_exitcode(status)
        if rc not in (0, 3):
            sys.exit('bench: %s failed with exit code %d' % (' '.join(cmd), rc))
        peak = ru.ru_maxrss / 1024
        if timed:
            lines = tf.read().split()
            if lines and lines[-1].isdigit():
                peak = int(lines[-1]) / 1024
    return wall, ru.ru_utime + ru.ru_stime, peak


def machine():
    la = os.getloadavg()
    top = subprocess.run(['ps', '-eo', 'pcpu,comm', '--sort=-pcpu'], capture_output=True,
                         text=True).stdout.splitlines()[1:6]
    return 'load %.2f %.2f %.2f on %d CPUs; busiest: %s' % (
        la[0], la[1], la[2], os.cpu_count(), ', '.join(' '.join(t.split()) for t in top))


def big_file(corpus, mb):
    path = os.path.join(tempfile.gettempdir(), 'hopchain-bench-%dMB.evtx' % mb)
    if not os.path.exists(path):
        src = os.path.join(corpus, 'derived', 'stitched_security_48MB.evtx')
        subprocess.run([sys.executable, os.path.join(corpus, 'derived', 'stitch_evtx.py'),
                        '--size-mb', str(mb), '--out', path + '.tmp', src], check=True,
                       stdout=subprocess.DEVNULL)
        os.rename(path + '.tmp', path)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--hopchain', default=os.path.join(HERE, '..', 'build', 'cli', 'hopchain'))
    ap.add_argument('--read-speed', default=os.path.join(HERE, '..', 'build', 'bench',
                                                          'read_speed'))
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--slow-runs', type=int, default=None)
    ap.add_argument('--big-mb', type=int, default=512, help='0: no big file')
    ap.add_argument('--corpus', default=os.path.join(HERE, '..', '..', 'shared', 'corpus'))
    ap.add_argument('files', nargs='*')
    a = ap.parse_args()
    files = a.files
    if not files:
        f48 = os.path.join(a.corpus, 'derived', 'stitched_security_48MB.evtx')
        if not os.path.exists(f48):
            sys.exit('bench: no input files (is ../shared/corpus there?)')
        files = [f48] + ([big_file(a.corpus, a.big_mb)] if a.big_mb else [])
    have_export = shutil.which('evtxexport') is not None
    ids = ['--ids', '4624,4625', '--format', 'jsonl']
    print('before:', machine())
    for f in files:
        mb = os.path.getsize(f) / 1e6
        with open(f, 'rb') as fh:  # into the page cache
            while fh.read(1 << 24):
                pass
        tools = [('native, 1 thread', [a.hopchain, '--threads', '1', 'events'] + ids + [f], False),
                 ('native, 2 threads', [a.hopchain, '--threads', '2', 'events'] + ids + [f],
                  False),
                 ('libevtx, 1 thread', [a.hopchain, '--threads', '1', '--reader', 'libevtx',
                                        'events'] + ids + [f], True)]
        if have_export:
            tools.append(('evtxexport -f xml', ['evtxexport', '-f', 'xml', f], True))
        if os.path.exists(a.read_speed):
            tools.append(('reader alone, 1 thread', [a.read_speed, '-t', '1', '-i',
                                                     '4624,4625', f], False))
            tools.append(('reader alone, 2 threads', [a.read_speed, '-t', '2', '-i',
                                                      '4624,4625', f], False))
        slow = a.slow_runs if a.slow_runs is not None else (1 if mb > 100 else a.runs)
        res = {name: [] for name, _, _ in tools}
        for r in range(a.runs):  # in turn, so that all see the same noise
            for name, cmd, is_slow in tools:
                if is_slow and r >= slow:
                    continue
                res[name].append(run(cmd))
        print('\n%s (%.1f MB), %d runs (%d of the slow tools)' % (os.path.basename(f), mb,
                                                                   a.runs, slow))
        print('%-27s %9s %10s %10s %9s' % ('tool', 'wall s', 'MB/s wall', 'MB/s cpu',
                                         'peak MiB'))
        med = {}
        tools = [t for t in tools if res[t[0]]]  # --slow-runs 0: the slow ones left out
        for name, _, _ in tools:
            w = statistics.median(x[0] for x in res[name])
            c = statistics.median(x[1] for x in res[name])
            m = max(x[2] for x in res[name])
            med[name] = (w, c)
            print('%-27s %9.3f %10.1f %10.1f %9.1f' % (name, w, mb / w, mb / c, m))

        def ratio(x, y, k):
            # paired: run i of x against run i of y
            pairs = [q[k] / p[k] for p, q in zip(res[x], res[y])]
            return statistics.median(pairs)
        n1 = 'native, 1 thread'
        print('paired ratios (time of the other / time of native, 1 thread; wall, cpu):')
        for other in [t[0] for t in tools[1:] if not t[0].startswith('reader alone')]:
            print('  %-25s %7.2f x %7.2f x' % (other, ratio(n1, other, 0), ratio(n1, other, 1)))
        print('  2 threads speed-up (wall): events %.2f x' % ratio('native, 2 threads', n1, 0),
              end='')
        if 'reader alone, 2 threads' in res:
            print(', reader alone %.2f x' % ratio('reader alone, 2 threads',
                                                  'reader alone, 1 thread', 0), end='')
        print()
    print('\nafter:', machine())


if __name__ == '__main__':
    main()
