# softmax-lab: `make lab` starts the course, `make test` runs every test. Both build .venv first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; students are rarely root, CI containers often are.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test venv execute figures present bench screenshots clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

## Start JupyterLab on the notebooks (token authentication on, localhost only).
## Extra JupyterLab options, e.g. `make lab LAB_ARGS="--port=8899 --no-browser"` (default: none).
LAB_ARGS ?=
lab: $(STAMP)
	$(PY) -m jupyterlab --ServerApp.root_dir=notebooks --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) $(LAB_ARGS)

## Unit, property, notebook (nbval, strict) and browser tests.
test: $(STAMP)
	$(PY) -m pytest

## Re-execute every notebook top to bottom in a fresh kernel and store the outputs (authors only).
execute: $(STAMP)
	$(PY) tools/execute_notebooks.py notebooks/*.ipynb

## Regenerate every figure in images/ from the course's plotting code (tools/figures.py).
figures: $(STAMP)
	MPLBACKEND=Agg $(PY) tools/figures.py images

## Temperature demo for a lecture, as a Voila app (no code, large fonts): listens on 127.0.0.1 only, with a
## fresh random token; open the printed http://127.0.0.1:PORT/?token=... URL. `make present PORT=8867`
## picks another port; `make present NO_BROWSER=1` does not try to open a browser (headless, ssh -L).
PORT ?= 8866
present: $(STAMP)
	$(PY) -m voila present/temperature.ipynb --port=$(PORT) --Voila.ip=127.0.0.1 --token --theme=light $(if $(NO_BROWSER),--no-browser,)

## Softmax kernels vs scipy, PyTorch CPU 1 thread (if installed) and a plain copy: time, ratios, memory
## (issue 7). Takes a few minutes; `make bench ARGS=--quick` for the small shapes only.
bench: $(STAMP)
	$(PY) -m benchmarks.softmax $(ARGS)

## Time one temperature-slider update of the explorer widget (50 classes; budget 50 ms).
.PHONY: bench-widgets
bench-widgets: $(STAMP)
	$(PY) -m benchmarks.widgets --classes 50 --compare
	$(PY) -m benchmarks.widgets --classes 50 --presenter

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

## Screenshots of the temperature demo in JupyterLab and in the Voila presenter -> images/screenshot-*.png
## (headless Debian chromium; runs on temporary copies, never touches notebooks/).
screenshots: $(STAMP)
	$(PY) tools/screenshots.py images

## The course as a static site in site/ (git-ignored), from the stored notebooks: no kernel, no CDN; the
## temperature explorer runs in the browser. MathJax comes from npm (package-lock.json). View it with
## `python3 -m http.server --directory site 8000`; publishing it is described in the README.
.PHONY: site
site: $(STAMP)
	$(PY) tools/build_site.py site
