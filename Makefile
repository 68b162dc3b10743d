# Two entry points (see README): `make study` runs the main job, `make test` runs the test suite.
# Both create a virtual environment in .venv and install into it. torch==2.13.0 is installed first so that the
# package's `torch>=2.4` is already satisfied and pip never pulls a multi-GB CUDA build on a CPU-only machine.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TORCH  ?= torch==2.13.0
PRESET ?= quick
OUT    ?= out/$(PRESET)

.PHONY: install install-dev browser study test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e ".[dev,ray]"

# Headless Chromium + ChromeDriver for the report's browser test (Debian packages).
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

study: install
	$(BIN)/equiscale study --preset $(PRESET) --out $(OUT)

lint: install-dev
	$(BIN)/ruff check src tests benchmarks

# One BLAS/OpenMP thread per process: tests are many small problems, and oversubscribed threads only slow them down.
test: install-dev browser
	$(BIN)/ruff check src tests benchmarks
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -q

bench: install-dev
	$(BIN)/pip install --quiet -e ".[bench]"
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
