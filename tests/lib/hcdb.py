"""Case stores for the query tests: the ONE place that knows how a test
database is made: `hopchain ingest` into a new case, as a responder does
(tests/case/test_case.py checks ingest and `analyze --db` agree).

Sample directories are given relative to the source root and the command
runs there, so the file paths in the store (and in golden output) are
`samples/NAME/HOST.evtx` wherever the tree lives."""
import os
import subprocess

import hctest


def make_db(hopchain, src, sample, db):
    """Builds the case store `db` from samples/`sample` (a directory name
    under samples/, or a path relative to `src`). Raises on failure."""
    rel = sample if os.sep in sample else os.path.join("samples", sample)
    if os.path.exists(db):
        os.unlink(db)
    env = hctest.hopchain_env()
    p = subprocess.run([hopchain, "ingest", "--quiet", "--db", db, rel], cwd=src, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("building %s from %s failed (exit %d): %s"
                           % (db, rel, p.returncode, p.stderr.decode("utf-8", "replace")))
    return db


def sample_sets(src):
    """Every sample directory that holds .evtx files, sorted."""
    root = os.path.join(src, "samples")
    out = []
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        if os.path.isdir(d) and any(f.lower().endswith(".evtx") for f in os.listdir(d)):
            out.append(name)
    return out


class Stores:
    """Builds each sample's store once per run, in a scratch directory."""

    def __init__(self, hopchain, src, tmp):
        self.hopchain, self.src, self.tmp, self.made = hopchain, src, tmp, {}

    def get(self, sample):
        if sample not in self.made:
            self.made[sample] = make_db(self.hopchain, self.src, sample,
                                        os.path.join(self.tmp, sample + ".db"))
        return self.made[sample]
