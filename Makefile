# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The address printed in every QR code (the public verification page): this server unless set.
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
TEST_SYSPKGS := zbar-tools poppler-utils
# Debian's Chromium for the browser journeys (tests/e2e): installed by `make test` when run as root,
# otherwise the journeys skip and the apt command is printed.
TEST_OPTIONAL_SYSPKGS := chromium

.PHONY: run test setup sysdeps sysdeps-test catalogs db clean

run: setup db
	@$(BIN)/counter demo-logins
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C to stop); QR codes point to $(PUBLIC_BASE_URL)/verify/"
	@PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/gunicorn --workers 1 --threads 8 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

test: sysdeps-test $(VENV)/.installed-test catalogs
	$(BIN)/lint-imports --config .importlinter
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: sysdeps $(VENV)/.installed catalogs

sysdeps:
	@bash scripts/sysdeps.sh

sysdeps-test:
	@bash scripts/sysdeps.sh $(TEST_SYSPKGS)
	@bash scripts/sysdeps.sh --optional $(TEST_OPTIONAL_SYSPKGS)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed

catalogs:
	@$(BIN)/python scripts/i18n.py compile

# Creates or upgrades the SQLite database under instance/ and loads demo data on the first run only.
db:
	@$(BIN)/counter db upgrade
	@$(BIN)/counter seed-demo
	@$(BIN)/counter init-signing

clean:
	rm -rf $(VENV) *.egg-info
