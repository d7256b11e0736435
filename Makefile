# L'Établi: `make run` serves the forum with demo data, `make test` runs the whole suite.
SHELL := /bin/bash
# Settings in .env (HOST, PORT, REDIS_URL…) apply to `make run` too.
-include .env
export
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app forum
HOST ?= 127.0.0.1
PORT ?= 8000
# Without Redis, rate limits live in the process's memory: one process, several threads.
WORKERS := $(if $(REDIS_URL),--workers 4,--workers 1 --threads 8)
CATALOGUES := $(wildcard forum/translations/*/LC_MESSAGES/messages.po)

.PHONY: run test install install-test translations browser bench-tools lint format extract-messages clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

translations: $(CATALOGUES:.po=.mo)

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

run: install translations
	$(FLASK) db upgrade
	$(FLASK) taxonomy load
	$(FLASK) demo load
	@echo "L'Établi : http://$(HOST):$(PORT)"
	$(BIN)/gunicorn --bind $(HOST):$(PORT) $(WORKERS) 'forum:create_app()'

# Installs Debian's package $(1) when its command $(2) is missing, for $(3); as root only.
define apt_install
	@if ! command -v $(2) >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's $(1) for $(3)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
		else \
			echo "$(1) is missing: $(4) (sudo apt-get install $(1))"; \
		fi; \
	fi
endef

# Browser tests drive Debian's chromium (never a browser downloaded by a tool).
browser:
	$(call apt_install,chromium,/usr/bin/chromium,the browser tests,the browser tests will be skipped)

# The benchmark (bench/run.py) drives Debian's wrk.
bench-tools:
	$(call apt_install,wrk,wrk,the benchmark,the benchmark's smoke test will be skipped)

test: install-test translations browser bench-tools
	env -u TEST_DATABASE_URL $(BIN)/pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "--- PostgreSQL: $$TEST_DATABASE_URL"; \
		$(BIN)/pytest -q; \
	fi

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --sort-output -o forum/translations/messages.pot .
	$(BIN)/pybabel update -i forum/translations/messages.pot -d forum/translations --no-fuzzy-matching --width 100

clean:
	rm -rf $(VENV) .pytest_cache
