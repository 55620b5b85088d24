# Everything a fresh machine needs: `make build` (the release) and `make test` (the suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# The machines set PYTHONDONTWRITEBYTECODE=1, and then every process compiles every module it
# imports again (torch: 3.0 s instead of 1.4 s). Python's default is restored for all that make
# runs: a module is compiled once, when something first imports it, instead of all 14,000 files
# of the venv at install (30 s). Kernels that run notebooks keep it off (their folders stay clean).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: build test check lint durations experiment benchmark browser clean

build: $(STAMP)
	$(BIN)/eecs182 build
	$(BIN)/eecs182 sandbox

test: $(STAMP) lint
	$(BIN)/python -m pytest

# The fast loop while writing code: the linters, then every test that costs under half a second
# (tests/durations.json, from `make durations`), leaving out the browser and sandbox ones.
check: $(STAMP) lint
	$(BIN)/python -m pytest -m "not slow and not browser and not sandbox"

# ruff (pyproject.toml: lint and import order) and mypy (mypy.ini: the judge's, the kernel's and
# the kinds' types).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m mypy

# Measure what each test costs: the whole suite, writing tests/durations.json (commit it).
durations: $(STAMP)
	$(BIN)/python -m pytest --record-durations

experiment: $(STAMP)
	$(BIN)/eecs182 run disc01 experiment --out dist/experiment

benchmark: $(STAMP)
	$(BIN)/python benchmarks/relu_experiment.py

# torch first and pinned, by pip: it is the CPU wheel on the machines' disk (uv does not look
# there); anything that pulls torch in afterwards then finds it satisfied instead of downloading
# a multi-GB CUDA build. The other 150 packages go in with uv: 5 s instead of pip's 20 to 27 s,
# the same versions. Neither compiles bytecode: a module's is written when first imported (above).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile torch==2.13.0 uv
	$(BIN)/python -m uv pip install --quiet --python $(BIN)/python -e '.[test]'
	$(MAKE) --no-print-directory browser
	touch $@

# Debian's chromium, which playwright (from pip) drives in the browser tests, and poppler's
# pdftoppm, which rasterises the PDFs the tests look at. Only root can install them; elsewhere
# install the `chromium` and `poppler-utils` packages yourself.
browser:
	@missing=""; command -v chromium >/dev/null || missing="chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "missing $$missing and only root can install it: the browser and PDF tests will fail"; fi

clean:
	rm -rf dist .pytest_cache .mypy_cache
