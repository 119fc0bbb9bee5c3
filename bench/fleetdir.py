"""The generated fleet the benchmarks share: its command-line options and
the directory, made once with bench/fleet.py and reused when present."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def add_args(ap):
    """The fleet's options and the binaries, on an argparse parser."""
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--hosts", type=int, default=300)
    ap.add_argument("--chains", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--witnesses", type=float, default=0.0, metavar="R",
                    help="fleet.py --witnesses: connection records (default 0: none)")
    ap.add_argument("--hopchain", default=os.path.join(ROOT, "build", "cli", "hopchain"))
    ap.add_argument("--evtxgen", default=os.path.join(ROOT, "build", "writer", "hc-evtxgen"))
    ap.add_argument("--out", default=None, help="fleet directory (reused when present)")


def ensure(a):
    """Makes the fleet of options `a` unless it is there. Returns (directory,
    ground-truth JSON path, the .evtx logs by name): the directory also
    holds fleet.py's and the benchmarks' own .json files, which are no
    input."""
    wit = getattr(a, "witnesses", 0.0) or 0.0
    out = a.out or os.path.join(ROOT, "build", f"bench-fleet-{a.events}" +
                                (f"-w{wit:g}" if wit else ""))
    truth = os.path.join(out, "fleet.truth.json")
    if not os.path.exists(truth):
        subprocess.run([sys.executable, os.path.join(HERE, "fleet.py"), "-o", out,
                        "--hosts", str(a.hosts), "--events", str(a.events),
                        "--chains", str(a.chains), "--seed", str(a.seed),
                        "--witnesses", f"{wit:g}", "--evtxgen", a.evtxgen], check=True)
    logs = sorted(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".evtx"))
    return out, truth, logs
