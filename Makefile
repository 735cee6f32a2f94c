# Looop: `make run` starts the app with a demo organisation; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install serve lint format bench db-stop e2e-deps

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	LOOOP_DEBUG=1 LOOOP_PUBLIC_PORT=:$(PORT) $(PY) manage.py setup_database
	LOOOP_DEBUG=1 LOOOP_PUBLIC_PORT=:$(PORT) $(PY) manage.py demo
	@# The web server and one job worker. A background job of a script ignores Ctrl-C, so the
	@# script stops the worker itself when the server ends, however it ends.
	LOOOP_DEBUG=1 LOOOP_PUBLIC_PORT=:$(PORT) sh -c '$(PY) manage.py procrastinate worker & \
		worker=$$!; trap "kill $$worker 2>/dev/null; wait $$worker; exit 0" EXIT INT TERM; \
		$(PY) manage.py runserver 127.0.0.1:$(PORT)'

test: install e2e-deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

e2e-deps:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null)
	@[ ! -f tests/sso/oidc_provider/package.json ] || (cd tests/sso/oidc_provider && npm ci --silent --no-audit --no-fund)

# Production settings: SECRET_KEY and LOOOP_TRUSTED_PROXIES are required; cookies are secure.
# Each worker is replaced after about 5,000 requests (jittered, so they do not restart
# together), which bounds what any slow growth of its memory can reach.
# Metrics: each worker writes its figures under PROMETHEUS_MULTIPROC_DIR, emptied at start.
# One request per worker process (sync): under the GIL, threads sharing a process stretch each
# other's requests, and the learner home's p99 doubled (docs/performance.md, Learner home).
# GUNICORN_WORKER_CLASS=gthread GUNICORN_THREADS=4 gives threads back (docs/operations.md).
serve: export PROMETHEUS_MULTIPROC_DIR ?= $(CURDIR)/.looop/metrics-$(PORT)
serve: install
	@[ -n "$$LOOOP_TRUSTED_PROXIES" ] || { echo "make serve: set LOOOP_TRUSTED_PROXIES to the number of proxies in front of Looop (0 if none); see README.md" >&2; exit 2; }
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py setup_database
	$(VENV)/bin/gunicorn looop.wsgi:application --bind 127.0.0.1:$(PORT) \
		--workers $${WEB_CONCURRENCY:-4} --worker-class $${GUNICORN_WORKER_CLASS:-sync} \
		--threads $${GUNICORN_THREADS:-1} --keep-alive 75 \
		--max-requests $${GUNICORN_MAX_REQUESTS:-5000} \
		--max-requests-jitter $${GUNICORN_MAX_REQUESTS_JITTER:-500} \
		--config python:looop.gunicorn_conf

lint: install
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix . && $(PY) -m ruff format .

db-stop:
	$(PY) -m looop.embedded_db stop
