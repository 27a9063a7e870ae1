# softmax-lab: `make lab` starts the course, `make test` runs every test. Both build .venv first.
#
# .venv holds the exact versions the stored notebook outputs were made with (requirements.lock, generated
# from requirements.txt by `make lock`), installed by uv (from PyPI) in seconds.
ifeq ($(OS),Windows_NT)
PYTHON ?= python
BIN    := Scripts
else
PYTHON ?= python3
BIN    := bin
endif
VENV   := .venv
PY     := $(VENV)/$(BIN)/python
STAMP  := $(VENV)/.installed
UV_VERSION := 0.13.9
# JupyterLab refuses to run as root unless told; students are rarely root, CI containers often are.
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

.PHONY: lab test venv figures present bench screenshots clean lock test-oldest test-newest check-portability

venv: $(STAMP)

# A new virtual environment with uv in it, then the locked versions and this package (editable).
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(PY) -m uv pip install --quiet --python $(PY) -r requirements.lock
	touch $(STAMP)

## Regenerate requirements.lock from requirements.txt: the newest versions in its ranges, one set for every
## platform (Linux, macOS, Windows) and Python >= 3.11. Re-run `make editions` afterwards and commit both.
lock: $(STAMP)
	$(PY) -m uv pip compile requirements.txt --universal --fork-strategy fewest --python-version 3.11 \
		--quiet -o requirements.lock

# Build a throw-away environment $(1) from a resolution of requirements.txt ($(2): lowest-direct or highest)
# and run the unit tests and every notebook (they must run without error; stored outputs are compared only
# under the lock, whose versions made them).
define versions_run
	rm -rf $(1) && $(PYTHON) -m venv $(1)
	$(1)/$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(1)/$(BIN)/python -m uv pip compile requirements.txt --resolution $(2) --python $(1)/$(BIN)/python \
		--quiet -o $(1)/requirements.txt
	$(1)/$(BIN)/python -m uv pip install --quiet --python $(1)/$(BIN)/python -r $(1)/requirements.txt
	grep -E '^(numpy|scipy|matplotlib|ipywidgets|anywidget|jupyterlab|voila|nbval|pytest|hypothesis)==' $(1)/requirements.txt
	$(1)/$(BIN)/python -m pytest -p no:cacheprovider -q -o addopts= tests --ignore=tests/test_browser.py \
		--ignore=tests/test_site.py --ignore=tests/test_portability.py
	$(1)/$(BIN)/python -m pytest -p no:cacheprovider -q -o addopts= --nbval-lax --nbval-current-env notebooks present
endef

## The oldest versions requirements.txt allows (its lower bounds): build them in .venv-oldest and run the
## unit tests and every notebook there.
test-oldest:
	$(call versions_run,.venv-oldest,lowest-direct)

## The newest versions requirements.txt allows today (ignoring the lock), in .venv-newest, run the same way.
test-newest:
	$(call versions_run,.venv-newest,highest)

## Would the stored outputs hold on another machine? Strict nbval in a kernel that rounds differently
## (part of `make test`, as tests/test_portability.py; this runs it alone, with its report).
check-portability: $(STAMP)
	$(PY) tools/check_portability.py

## Start JupyterLab on the notebooks (token authentication on, localhost only).
## Extra JupyterLab options, e.g. `make lab LAB_ARGS="--port=8899 --no-browser"` (default: none).
LAB_ARGS ?=
lab: $(STAMP)
	$(PY) -m jupyterlab --ServerApp.root_dir=notebooks --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) $(LAB_ARGS)

## Unit, property, notebook (nbval, strict: student edition and solutions), portability and browser tests,
## on every core (pytest-xdist; the cells of one notebook stay in one worker, in order).
test: $(STAMP)
	$(PY) -m pytest -n auto --dist loadscope

## From each source/NN-x.ipynb, write and execute its student edition (notebooks/), worked solutions
## (solutions/) and instructor edition (instructor/); `make editions ARGS=--check` only says what is out of date.
.PHONY: editions
editions: $(STAMP)
	$(PY) tools/editions.py $(ARGS)

## Regenerate every figure in images/ from the course's plotting code (tools/figures.py).
figures: $(STAMP)
	MPLBACKEND=Agg $(PY) tools/figures.py images

## A demo for a lecture, as a Voila app (no code, large fonts): listens on 127.0.0.1 only, with a
## fresh random token; open the printed http://127.0.0.1:PORT/?token=... URL. `make present DEMO=simplex`
## picks another demo (present/DEMO.ipynb; default: temperature); `make present PORT=8867` another port;
## `make present NO_BROWSER=1` does not try to open a browser (headless, ssh -L).
PORT ?= 8866
DEMO ?= temperature
present: $(STAMP)
	@test -f present/$(DEMO).ipynb || { echo "no demo present/$(DEMO).ipynb; demos: $(basename $(notdir $(wildcard present/*.ipynb)))"; exit 2; }
	JUPYTER_PATH=$(CURDIR)/present/jupyter $(PY) -m voila present/$(DEMO).ipynb --template=softmax-present \
		--port=$(PORT) --Voila.ip=127.0.0.1 --token --theme=light $(if $(NO_BROWSER),--no-browser,)

## Softmax kernels vs scipy, PyTorch CPU 1 thread (if installed) and a plain copy: time, ratios, memory
## (issue 7). Takes a few minutes; `make bench ARGS=--quick` for the small shapes only.
bench: $(STAMP)
	$(PY) -m benchmarks.softmax $(ARGS)

## The temperature explorer and the static site in headless chromium: one slider update for 50 classes
## (frame budget 16 ms), site build time, page weight, navigation to a responsive slider.
.PHONY: bench-widgets
bench-widgets: $(STAMP)
	$(PY) benchmarks/static_site.py

clean:
	rm -rf $(VENV) .venv-oldest .venv-newest .pytest_cache .hypothesis

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
