# The two commands of the README:  make run  ·  make test
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
SYSTEM_PACKAGES := chromium fonts-wqy-microhei

.PHONY: run test lint bench system-packages services clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[test]"
	touch $@ $(STAMP)

## make run: install if needed, then run the center with the demo city at http://127.0.0.1:8050
run: $(STAMP)
	$(VENV)/bin/ecc serve $(ARGS)

## make test: install what tests need (system packages too, when root), then run the whole suite
test: $(TEST_STAMP) system-packages
	ECC_REQUIRE_SERVICES=$${ECC_REQUIRE_SERVICES:-0} $(PY) -m pytest $(PYTEST_ARGS)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

## Chromium and a CJK font for the browser tests; installed with apt-get when running as root
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "please install:$$missing (browser tests will skip without them)"; fi; \
	fi

bench: $(TEST_STAMP)
	$(PY) -m bench.ingest
	$(PY) -m bench.push_latency

clean:
	rm -rf $(VENV) var artifacts .pytest_cache
