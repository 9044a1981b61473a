# make serve: set up and run the fake on its default data.   make test: set up and run every test.
# make contract BEEPER_BASE_URL=… BEEPER_ACCESS_TOKEN=… [BEEPER_PROFILE=P]: the contract suite against any server.
# make test-lowest: the tests on the lowest versions pyproject.toml allows.  make lock: refresh both locks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOWEST := .venv-lowest
LOWEST_STAMP := $(LOWEST)/.installed
COMPILE := $(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --quiet
HOST ?= 127.0.0.1
PORT ?= 23373

TS_CLIENT := contract_tests/typescript
NPM_STAMP := $(TS_CLIENT)/node_modules/.installed
MOCKS := bench/mocks
MOCKS_STAMP := $(MOCKS)/node_modules/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The suite on every core and one more worker (pytest-xdist): many tests wait on a subprocess, a
# socket or a slow fake, and the extra worker keeps the cores busy meanwhile (on 2 cores: 231 s
# against 247 s with two, the mean of two runs each). The slowest tests are spread out as workers
# free up. make test XDIST= runs it in one process.
# (=, not :=: counted only when a recipe uses it, not on every make serve.)
WORKERS = $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')
XDIST ?= -n $(WORKERS) --dist worksteal

.PHONY: setup serve test test-lowest test-wheel docs dist lock contract stress bench lint fixtures pools clean

# Rebuilt whenever pyproject.toml or the lock changes; from scratch on a fresh clone. The exact
# versions come from constraints.txt (the lock), so every run installs the same thing. pip installs
# uv (at the lock's version) and uv installs the rest: 5-10x faster, and from uv's cache on a
# second clone of the same machine. --compile-bytecode: each of the suite's many Python processes
# imports from .pyc files, not from source, even where PYTHONDONTWRITEBYTECODE is set.
UV_VERSION := $(shell grep -m1 '^uv==' constraints.txt)
UV := $(BIN)/uv

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check '$(UV_VERSION)'
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt -e '.[test]'
	touch $(STAMP)

# The lowest version of every dependency that pyproject.toml allows (constraints-lowest.txt, uv's
# lowest-direct resolution), in a venv of its own: the tests of tests/ must pass there too.
$(LOWEST_STAMP): pyproject.toml constraints-lowest.txt $(STAMP)
	test -x $(LOWEST)/bin/python || $(PYTHON) -m venv $(LOWEST)
	$(UV) pip install --quiet --compile-bytecode --python $(LOWEST)/bin/python -c constraints-lowest.txt -e '.[test]'
	touch $(LOWEST_STAMP)

test-lowest: $(LOWEST_STAMP)
	env -u BEEPER_BASE_URL -u BEEPER_ACCESS_TOKEN -u BEEPER_PROFILE -u BEEPER_OPERATIONS -u BEEPER_MAX_EXAMPLES -u PYTHONOPTIMIZE -u PYTHONDONTWRITEBYTECODE $(LOWEST)/bin/python -m pytest tests -p no:cacheprovider $(XDIST)

# Re-resolve both locks from pyproject.toml (newest and lowest allowed versions); commit the result.
lock: $(STAMP)
	$(COMPILE) -o constraints.txt
	$(COMPILE) --resolution lowest-direct -o constraints-lowest.txt

# The older Python SDKs, one virtualenv each (two versions of a package cannot share one), for the
# compatibility matrix of the version profiles (contract_tests/test_compatibility_matrix.py); their
# dependencies at the lock's versions. 6.0.0 is the main venv's.
OLD_SDKS := 4.1.296 4.3.0 5.0.0
SDKS := .venv-sdks
SDK_STAMPS := $(foreach version,$(OLD_SDKS),$(SDKS)/$(version)/.installed)

$(SDKS)/constraints.txt: constraints.txt
	mkdir -p $(SDKS)
	grep -v '^beeper-desktop-api==' constraints.txt > $@

$(SDKS)/%/.installed: $(SDKS)/constraints.txt $(STAMP)
	test -x $(SDKS)/$*/bin/python || $(UV) venv --quiet --python $(PYTHON) $(SDKS)/$*
	$(UV) pip install --quiet --compile-bytecode --python $(SDKS)/$*/bin/python -c $(SDKS)/constraints.txt 'beeper-desktop-api==$*'
	touch $@

# Everything make test needs. After the variables it names: make expands a rule's prerequisites
# when it reads the rule, so one named before its definition would silently be empty.
setup: $(STAMP) $(NPM_STAMP) $(SDK_STAMPS)

# The official TypeScript SDK, exactly as package-lock.json pins it.
$(NPM_STAMP): $(TS_CLIENT)/package.json $(TS_CLIENT)/package-lock.json
	npm ci --prefix $(TS_CLIENT) --no-audit --no-fund
	touch $(NPM_STAMP)

serve: $(STAMP)
	$(BIN)/fake-beeper serve --host $(HOST) --port $(PORT)

# Every test, against the fake: a BEEPER_BASE_URL left in the shell must not redirect them. Python
# writes its bytecode caches even where PYTHONDONTWRITEBYTECODE is set (some images set it): pytest
# rewrites the asserts of every module of its plugins' packages (Schemathesis, Hypothesis, …) as it
# imports them, and without the cache each worker and each pytest subprocess does it again (a
# collection took 11 s instead of 6.6).
# The set-up is built side by side where one part does not need another (npm beside the venvs,
# the three SDK venvs together), and mypy, the slowest check, runs beside the other three: on a
# fresh clone of a 2-core machine, about 10 s of the half minute before pytest.
test:
	$(MAKE) --no-print-directory -j4 setup
	$(BIN)/mypy & checking=$$!; \
	$(BIN)/ruff check fake_beeper tests contract_tests bench tools conftest.py && $(BIN)/lint-imports --no-cache && \
		NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet; others=$$?; \
	wait $$checking && test $$others = 0
	env -u BEEPER_BASE_URL -u BEEPER_ACCESS_TOKEN -u BEEPER_PROFILE -u BEEPER_OPERATIONS -u BEEPER_MAX_EXAMPLES -u PYTHONOPTIMIZE -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest $(XDIST)

# The documentation site (docs/, mkdocs.yml) into site/, offline; --strict: a broken link, anchor or
# API reference fails. (Material for MkDocs' notice about its successor is silenced: see docs/index.md.)
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# The wheel and the sdist into dist/, as they would be published.
dist: $(STAMP)
	rm -rf dist
	$(BIN)/uv build --out-dir dist

# The wheel installed in a fresh venv outside the clone, with the README's pytest example run against it.
test-wheel: $(STAMP)
	$(BIN)/python tools/test_wheel.py

# 5,000 negative Schemathesis cases and 50 clients for 30 s against a live fake (about 2 min).
stress: $(STAMP)
	$(BIN)/python -m pytest tests/stress -m stress -s -p no:cacheprovider

# contract_tests/ against the server in BEEPER_BASE_URL / BEEPER_ACCESS_TOKEN (the fake if unset),
# held to the stage in BEEPER_PROFILE (the newest if unset; make contract BEEPER_PROFILE=4.2) and to
# the operations in BEEPER_OPERATIONS (all if unset; make contract BEEPER_OPERATIONS=listChats,getChat).
contract: $(STAMP) $(NPM_STAMP) $(SDK_STAMPS)
	env -u PYTHONOPTIMIZE BEEPER_BASE_URL="$(BEEPER_BASE_URL)" BEEPER_ACCESS_TOKEN="$(BEEPER_ACCESS_TOKEN)" \
		BEEPER_PROFILE="$(BEEPER_PROFILE)" BEEPER_OPERATIONS="$(BEEPER_OPERATIONS)" \
		$(BIN)/python -m pytest contract_tests -p no:cacheprovider

# The fake against Prism and Steady under wrk, and its cost over 1k/100k/1M chats (about 12 min
# the first time, which generates the datasets into bench/data/; BENCH_ARGS="--sizes 1000" to trim).
# wrk loads the servers; nginx (Debian's nginx-light) serves the fake's first page as a static
# file beside them. The bench runs its own nginx on a loopback port, from a temporary directory.
bench: $(STAMP) $(MOCKS_STAMP)
	{ command -v wrk && { command -v nginx || test -x /usr/sbin/nginx; }; } >/dev/null || \
		$(SUDO) apt-get install -y -q wrk nginx-light || \
		{ $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q wrk nginx-light; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Prism and Steady, exactly as bench/mocks/package-lock.json pins them.
$(MOCKS_STAMP): $(MOCKS)/package.json $(MOCKS)/package-lock.json
	npm ci --prefix $(MOCKS) --no-audit --no-fund
	touch $(MOCKS_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check fake_beeper tests contract_tests bench tools conftest.py
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# Regenerate the committed default dataset (seed 7, 400 chats, 12 accounts).
fixtures: $(STAMP)
	$(BIN)/fake-beeper generate --seed 7 --count 400 --accounts 12 --out fixtures/default_chats.jsonl --force

# Redraw the word lists that generated chats pick from, with Faker (then `make fixtures`).
pools: $(STAMP)
	$(BIN)/python tools/draw_pools.py fake_beeper/data/pools.json

clean:
	rm -rf $(VENV) $(LOWEST) $(SDKS) .pytest_cache .hypothesis .ruff_cache $(TS_CLIENT)/node_modules $(MOCKS)/node_modules
