# The two commands: `make reproduce` runs the main job on the embedded default (Fashion-MNIST, quick preset);
# `make test` runs every test. Both set up what they need first (tools/setup.sh, idempotent); so does `make docs`, which
# builds the docs site offline into _docs/ (tools/docs.sh; tools/check_site.py checks it in a browser).
PRESET ?= quick
.PHONY: setup reproduce test docs export clean-nbs readme lab

setup:
	bash tools/setup.sh

reproduce: setup
	.venv/bin/gmfpt reproduce --preset $(PRESET)

test: setup
	bash tools/test.sh

# the docs site, built offline (nbdev-proc-nbs + smalldocs, no Quarto) into _docs/; tools/check_site.py checks it
docs: setup
	bash tools/docs.sh

export: setup
	.venv/bin/nbdev-export

clean-nbs: setup
	.venv/bin/nbdev-clean

readme: setup
	.venv/bin/python tools/readme.py

# JupyterLab on the notebooks (the source of the package): installs the `lab` extra once, then opens nbs/
lab: setup
	.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[lab]'
	cd nbs && ../.venv/bin/jupyter lab
