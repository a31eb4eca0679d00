#!/usr/bin/env bash
# Set up everything gmfpt needs, idempotently: a virtual env with the package (editable), its dev tools and the
# cluster extra (Ray, which a test starts locally),
# the Fashion-MNIST files (Debian's dataset-fashion-mnist where apt works, else a one-time download), and Debian's
# chromium for the browser tests (Playwright drives it; no browser is downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
stamp="$VENV/.gmfpt-installed"
want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "gmfpt setup: installing the package and its dependencies into $VENV (first time: a few minutes)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev,cluster]' 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  echo "$want" > "$stamp"
fi

deb=/usr/share/datasets/fashion-mnist
if [ ! -e "$deb/train-images-idx3-ubyte.gz" ] && [ -z "${GMFPT_FMNIST_DIR:-}" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "gmfpt setup: installing Debian's dataset-fashion-mnist"
    apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq dataset-fashion-mnist >/dev/null; }
  fi
  if [ ! -e "$deb/train-images-idx3-ubyte.gz" ]; then
    "$VENV/bin/python" -c "import gmfpt_nb.data as d; d.fmnist_dir()" 2>/dev/null || \
      "$VENV/bin/python" -c "import gmfpt_nb.data as d; print('gmfpt setup: Fashion-MNIST downloaded to', d.download_fmnist())"
  fi
fi

if ! command -v chromium >/dev/null && [ -z "${GMFPT_CHROMIUM:-}" ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "gmfpt setup: installing Debian's chromium (for the browser tests)"
  apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq chromium >/dev/null; } || echo "gmfpt setup: could not install chromium; the browser tests will fail (set GMFPT_CHROMIUM to a Chromium binary)"
fi
