# valuecase: two commands on a fresh machine.
#   make reports   build the environment, run the report suite on the bundled sample, write reports/index.html
#   make test      build the environment (with test extras and Debian chromium), run the whole test suite

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SAMPLE := valuecase/datasets/sample
OUT    ?= reports
JOBS   ?= 2
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: reports test test-fast lab env env-test chromium java lint bench sample clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-run the install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,lab]"
	touch $@ $(VENV)/.installed

env: $(VENV)/.installed
env-test: $(VENV)/.installed-test

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium (headless browser for report tests)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@chromium --version

java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing a Java runtime (Apache Spark engine tests)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }
	@java -version 2>&1 | head -1

reports: env
	$(BIN)/valuecase report --out $(OUT) --jobs $(JOBS)

test: env-test chromium java
	$(BIN)/ruff check valuecase tests benchmarks conftest.py
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadgroup

# The inner loop: everything but the Apache Spark tests and the in-browser checks (CI runs all).
test-fast: env-test chromium
	$(BIN)/ruff check valuecase tests benchmarks conftest.py
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadgroup -m "not spark and not browser"

lab: env-test
	$(BIN)/python -m ipykernel install --sys-prefix --name valuecase --display-name "valuecase (.venv)"
	$(BIN)/jupyter lab --notebook-dir=valuecase/reporting/notebooks

bench: env-test
	$(BIN)/python benchmarks/bench_panel.py
	$(BIN)/python benchmarks/bench_roi.py
	$(BIN)/python benchmarks/bench_report.py

sample: env
	$(BIN)/valuecase synth --out $(SAMPLE)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
