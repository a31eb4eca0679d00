#!/usr/bin/env bash
# Build the documentation site offline, with one command, and without Quarto:
#   1. write nbs/sidebar.yml from the notebooks in nbs/ (see below);
#   2. check that nbdev will not run notebook work while building the docs (see below);
#   3. nbdev-proc-nbs: nbdev's own pre-processing of the notebooks into _proc/ (show_doc, directives, ...);
#   4. smalldocs render _proc: the site, in _proc/_docs (nbs/nbdev.yml sets output-dir: _docs);
#   5. tools/mathml.py: every formula rendered as MathML at build time (no CDN), then the site is copied to _docs/
#      where Quarto's `nbdev-docs` would put it (both folders are gitignored).
# Usage: bash tools/docs.sh             build the site
#        bash tools/docs.sh --sidebar   only rewrite nbs/sidebar.yml (the deploy workflow runs this before nbdev-docs)
# Env: VENV (default .venv), GMFPT_DOCS_TIMEOUT (seconds for nbdev-proc-nbs, default 900), GMFPT_DOCS_WORKERS (default 2),
#      GMFPT_DOCS_ALLOW_MIXED=1 (skip step 2).
# Idempotent: nbdev-proc-nbs only re-processes notebooks newer than their copy in _proc/; the site is rebuilt in full.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export PATH="$PWD/$VENV/bin:$PATH" MPLBACKEND=Agg PYTHONWARNINGS=ignore::DeprecationWarning
fail() { echo "docs: FAILED: $*" >&2; exit 1; }
step() { echo "docs: $* ($((SECONDS - t0))s)"; t0=$SECONDS; }
t0=$SECONDS
[ -x "$VENV/bin/python" ] || fail "no virtual environment at $VENV (run: make setup)"

# The sidebar is generated, not written by hand, so that it never goes stale: a notebook added to nbs/ appears in it on
# the next build, in its place in the data flow. Order: Home (index), the library's layers 00-15 (store, data, spaces,
# gms, zoo, manifold, networks, openset, attribution, baselines, evaluate, beyond, fingerprints, analysis, report,
# pipeline), the figures and tables 5x, the command line and demo (17, 18), then the reliability page (16) and anything
# else. (The reliability notebook is numbered before the command line so that the test runner, which takes notebooks in
# name order on two workers, runs its long crash tests beside the pipeline's tiny main job rather than after it.) The file is written only when its content changes, and is read by
# both smalldocs and Quarto (nbs/_quarto.yml names it in metadata-files), so the deployed site has the same navigation.
python - <<'PY' || fail "could not write nbs/sidebar.yml"
import re
from pathlib import Path
import yaml

nbs = Path("nbs")
pages = sorted(p.name for p in nbs.iterdir() if p.is_file() and p.suffix in (".ipynb", ".qmd", ".md")
               and not p.name.startswith(("_", ".")) and p.stem.lower() != "readme")
num = lambda n: int(m.group(1)) if (m := re.match(r"(\d+)_", n)) else None
home, groups = [], {"Library": [], "Figures and tables": [], "Command line and demo": [], "More": []}
for n in pages:
    k = num(n)
    if Path(n).stem == "index": home.append(n)
    elif k is not None and k <= 15: groups["Library"].append(n)
    elif k is not None and 50 <= k <= 59: groups["Figures and tables"].append(n)
    elif k is not None and 17 <= k <= 18: groups["Command line and demo"].append(n)
    else: groups["More"].append(n)
rank = lambda n: (0 if "reliab" in n.lower() else 1, num(n) if num(n) is not None else 10**6, n)
groups = {s: sorted(v, key=rank if s == "More" else (lambda n: (num(n), n))) for s, v in groups.items()}
contents = [{"text": "Home", "href": h} for h in home] + [{"section": s, "contents": v} for s, v in groups.items() if v]
text = ("# Written by tools/docs.sh from the pages in nbs/; do not edit (your changes would be overwritten).\n"
        "# Change the order in tools/docs.sh.\n" + yaml.safe_dump({"website": {"sidebar": {"contents": contents}}}, sort_keys=False))
f = nbs / "sidebar.yml"
if not f.exists() or f.read_text() != text:
    f.write_text(text)
    print("docs: wrote nbs/sidebar.yml")
PY
[ "${1:-}" = "--sidebar" ] && exit 0
step "sidebar"

# To render show_doc, nbdev-proc-nbs runs the exported cells and *every cell that imports anything* (even inside a
# function) of a notebook with docs. A cell that imports and also does work (trains, runs the main job, starts the demo, writes ../reports, which
# resolves against the repository root there) would then run at docs time, usually failing for want of the variables
# of the cells before it. Fail early and name them, with nbdev's own rules: the fix is to put the imports in a cell of
# their own (nbdev's FAQ). GMFPT_DOCS_ALLOW_MIXED=1 skips this check.
if [ "${GMFPT_DOCS_ALLOW_MIXED:-0}" != 1 ]; then
  python - <<'PY' || fail "notebook cells that mix imports with other code (listed above); GMFPT_DOCS_ALLOW_MIXED=1 skips this check"
import ast, glob, re, sys, warnings
warnings.simplefilter("ignore")
from nbdev.process import NBProcessor
from nbdev.processors import _ast_contains, _do_eval, _get_nm, _show_docs, _want_doc

# what a cell that nbdev runs for its imports may also hold: definitions (they run nothing), `try: import ...`
SAFE = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Try)

bad = []
for f in sorted(glob.glob("nbs/[!_.]*.ipynb")):
    nb = NBProcessor(f).nb
    first = nb.cells[0].source if nb.cells else ""
    if re.search(r"^skip_showdoc:\s*true", first, re.M | re.I):
        continue
    trees = [t for c in nb.cells if c.cell_type == "code" for t in (c.parsed_() or [])]
    if not (any(_want_doc(c) for c in nb.cells) or {_get_nm(t) for t in _show_docs(trees)}):
        continue  # nbdev runs nothing in a notebook without docs
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code" or c.directives_.keys() & {"export", "exports", "exporti", "exec_doc"} or not _do_eval(c):
            continue
        t = c.parsed_()
        if _ast_contains(t, (ast.Import, ast.ImportFrom)) and not all(isinstance(n, SAFE) for n in t):
            bad.append(f"  {f} cell {i} (id {c.get('id', '?')}): {c.source.strip().splitlines()[0][:90]}")
if bad:
    print("docs: nbdev-proc-nbs would run these notebook cells while building the docs, because each imports (nbdev runs\n"
          "every cell that imports) and also does other work. Split each: the imports (and any function that imports) in a\n"
          "cell of their own, the work in another (cell numbers count from 0):", *bad, sep="\n")
    sys.exit(1)
PY
  step "pre-check"
fi

# nbdev-proc-nbs checks for Quarto and, when it is missing, runs nbdev's installer (sudo, a download, a prompt). This
# build does not use Quarto, so when there is none a stand-in `quarto` on PATH (it only says so and exits 1) keeps
# nbdev from trying; stdin is /dev/null and a timeout bounds it in any case.
stub=$(mktemp -d); trap 'rm -rf "$stub"' EXIT
if ! command -v quarto >/dev/null; then
  printf '#!/bin/sh\necho "quarto is not installed; tools/docs.sh renders with smalldocs" >&2\nexit 1\n' >"$stub/quarto"
  chmod +x "$stub/quarto"
fi
log="$stub/proc.log"
set +e
PATH="$stub:$PATH" timeout "${GMFPT_DOCS_TIMEOUT:-900}" nbdev-proc-nbs --n-workers "${GMFPT_DOCS_WORKERS:-2}" </dev/null >"$log" 2>&1
rc=$?
set -e
if [ "$rc" != 0 ]; then
  tail -n 40 "$log" >&2
  [ "$rc" = 124 ] && fail "nbdev-proc-nbs timed out after ${GMFPT_DOCS_TIMEOUT:-900}s (GMFPT_DOCS_TIMEOUT)"
  fail "nbdev-proc-nbs exited with $rc; see the error above (a notebook cell that nbdev runs for the docs failed?)"
fi
[ -d _proc ] && [ -f _proc/_quarto.yml ] || fail "nbdev-proc-nbs did not produce _proc/ (with _quarto.yml)"
missing=""
for f in nbs/*.ipynb nbs/*.qmd nbs/*.md; do
  [ -e "$f" ] || continue
  b=$(basename "$f"); case "$b" in _*|.*) continue;; esac
  [ -f "_proc/$b" ] || missing="$missing $b"
done
[ -z "$missing" ] || fail "nbdev-proc-nbs did not produce these pages in _proc/:$missing"
step "nbdev-proc-nbs"

smalldocs render _proc --quiet || fail "smalldocs render _proc failed"
[ -f _proc/_docs/index.html ] || fail "smalldocs wrote no _proc/_docs/index.html"
python tools/mathml.py _proc/_docs || fail "could not render the maths as MathML (tools/mathml.py)"
rm -rf _docs && cp -r _proc/_docs _docs
step "smalldocs render"
echo "docs: site in $PWD/_docs ($(find _docs -name '*.html' | wc -l) html pages; also in _proc/_docs)"
