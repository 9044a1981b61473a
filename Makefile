# make serve: set up and run the fake on its default data.   make test: set up and run every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 23373

.PHONY: setup serve test lint fixtures clean

setup: $(STAMP)

# Rebuilt whenever pyproject.toml changes; from scratch on a fresh clone.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/fake-beeper serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check fake_beeper tests
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check fake_beeper tests

# Regenerate the committed default dataset (seed 7, 400 chats, 12 accounts).
fixtures: $(STAMP)
	$(BIN)/fake-beeper generate --seed 7 --count 400 --accounts 12 --out fixtures/default_chats.jsonl --force

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
