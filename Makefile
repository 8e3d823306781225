# The two commands of the README, and the steps they are made of.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8001

.PHONY: serve test test-fast install install-test browser test-debs lint bench docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python browser test-debs
	$(BIN)/pip install --quiet -e ".[test]"
	$(PYTHON) -m venv .venv-cff
	.venv-cff/bin/pip install --quiet "cffconvert==2.0.0"

# Debian's Chromium for the browser test (never a downloaded browser build)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

# Debian packages of the test extra: ICU headers to build PyICU (followthemoney's), and LaTeX
# for the test that compiles the BibTeX entry
TEST_DEBS := libicu-dev pkg-config g++ texlive-latex-base
test-debs:
	@dpkg -s $(TEST_DEBS) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(TEST_DEBS) >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $(TEST_DEBS) >/dev/null; fi; }

# Main job: install, build the default snapshot, validate, serve on 127.0.0.1:$(PORT).
# With RAW_URL (or $$AWARDS_RAW_URL) set, a machine without a raw root first pulls the raw
# archive from there (`awards raw pull --if-missing`); without, the build says how to get one.
RAW_URL ?= $(AWARDS_RAW_URL)
serve: install
	@if [ -n "$(RAW_URL)" ]; then $(BIN)/awards raw pull --if-missing "$(RAW_URL)"; fi
	$(BIN)/awards serve --build --port $(PORT)

# The test suite (what CI runs)
test: install-test
	AWARDS_CFFCONVERT=$(CURDIR)/.venv-cff/bin/cffconvert $(BIN)/pytest -q -p no:cacheprovider
	$(BIN)/ruff check src tests scripts examples
	$(BIN)/ruff format --check src tests scripts examples

# The fast tier alone (unit tests: no build of raw data, no subprocess, no server, no browser),
# under a minute; `make test` above runs it with every other tier
FAST_TIER := not integration and not browser and not slow
test-fast: install-test
	$(BIN)/pytest -q -p no:cacheprovider -m "$(FAST_TIER)"

bench: install
	$(BIN)/python scripts/benchmark.py

docs: install
	$(BIN)/awards docs
