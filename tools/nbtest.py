"""Test notebooks as `nbdev-test` does (its `test_nb`, its skip flags and cell timeout from pyproject.toml), in a given
order: `python tools/nbtest.py --workers 2 a.ipynb b.ipynb ...`. Each worker process takes the next notebook when it
is free and keeps its imports, so listing the slowest notebooks first makes the run last about (sum of times) / workers.
Prints `passed NAME SECONDS` or `FAILED NAME SECONDS` per notebook (a failing one's traceback above it); exit code 1
when any fails."""
import argparse, sys, time
from pathlib import Path
from fastcore.parallel import parallel
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.test import test_nb

def run(fn, **kw):
    "One notebook: (passed, seconds); the lines are printed as soon as it ends."
    print(f'Starting {fn.name}', flush=True)
    t0 = time.time(); ok, _ = test_nb(fn, **kw); dt = time.time() - t0
    print(f"{'passed' if ok else 'FAILED'} {fn.name} {dt:.0f}s", flush=True)
    return ok, dt

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('notebooks', nargs='+', help='notebook files, in the order to start them')
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--flags', default='', help='space-separated test flags to run that are normally skipped')
    a = ap.parse_args()
    cfg = get_config()
    skip = cfg.tst_flags.split() if isinstance(cfg.tst_flags, str) else list(cfg.tst_flags)
    files = [Path(f).absolute() for f in a.notebooks]
    with working_directory(cfg.nbs_path):
        res = parallel(run, files, skip_flags=skip, force_flags=a.flags.split(), basepath=cfg.config_path,
                       cell_timeout=cfg.cell_timeout or None, n_workers=a.workers, pause=0.01)
    sys.exit(0 if all(ok for ok, _ in res) else 1)
