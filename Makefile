# 共享专家联盟 · developer and CI entry points.
#   make run    fresh clone -> site on http://127.0.0.1:8000 (SQLite, tasks eager, e-mail on the console; no services)
#   make test   the whole suite on PostgreSQL + Redis (browser and worker tests included)
#   make lint   ruff;  make messages   refresh and compile the English translation
# Every variable below can be overridden from the environment or the command line.

PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/alliance
RUN_DATABASE_URL ?= sqlite:///$(CURDIR)/db.sqlite3
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

RUN_ENV := DJANGO_SETTINGS_MODULE=config.settings.local DATABASE_URL=$(RUN_DATABASE_URL) \
	CELERY_TASK_ALWAYS_EAGER=1 EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
TEST_ENV := DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=$(DATABASE_URL)

.PHONY: run test lint messages compile-messages ensure-db worker install install-dev clean-stamps

run: install node_modules/.installed compile-messages
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	@if $(RUN_ENV) $(PY) manage.py help --commands | grep -qx seed_demo; then \
		$(RUN_ENV) $(PY) manage.py seed_demo; \
	else \
		echo "seed_demo is not available yet: starting with an empty site"; \
	fi
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev node_modules/.installed ensure-db compile-messages
	$(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

# A real worker with the beat scheduler (the periodic resend of pending notifications); needs Redis.
worker: install
	$(VENV)/bin/celery -A config.celery_app worker -B -l info

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev

$(PY):
	$(PYTHON) -m venv $(VENV)

# Stamp files: reinstall only when a requirements file changed since the last install.
$(VENV)/.installed-runtime: requirements.txt | $(PY)
	$(PIP) install --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

node_modules/.installed: package-lock.json package.json
	npm ci --no-audit --no-fund
	touch $@

compile-messages: | $(PY)
	@if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1 && command -v msgfmt >/dev/null 2>&1; then \
		$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules; \
	else \
		echo "no .po files (or no msgfmt): skipping compilemessages"; \
	fi

define ENSURE_DB_PY
import os
import dj_database_url
import psycopg
from psycopg import sql
config = dj_database_url.parse(os.environ["DATABASE_URL"])
if "postgresql" in config["ENGINE"]:
    options = {"host": config.get("HOST") or None, "port": config.get("PORT") or None,
               "user": config.get("USER") or None, "password": config.get("PASSWORD") or None}
    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10, **options) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if exists is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print("created database", config["NAME"])
endef
export ENSURE_DB_PY

ensure-db: install
	DATABASE_URL=$(DATABASE_URL) $(PY) -c "$$ENSURE_DB_PY"

clean-stamps:
	rm -f $(VENV)/.installed-runtime $(VENV)/.installed-dev node_modules/.installed
