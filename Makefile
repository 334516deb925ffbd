# brokerdesk: `make run` starts the demo platform, `make test` runs every check. Both set up what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup lint bench demo messages clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/brokerdesk migrate --no-input -v0
	$(BIN)/brokerdesk demo
	$(BIN)/brokerdesk run

test: setup
	scripts/run-tests

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

bench: setup
	scripts/run-bench

messages: setup
	cd src/brokerdesk && ../../$(BIN)/brokerdesk makemessages -l zh_Hans -l en --no-obsolete && ../../$(BIN)/brokerdesk compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
