# Tansiq: the README's entry points. `make run` and `make test` set everything up.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-unit test-browser bench fmt lint migrations-check schema-check messages \
	compilemessages check install db env lock audit docs

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

# A local .env for development: a random SECRET_KEY, DEBUG on, the demo's relaxed MFA.
.env:
	@sed -e "s|^SECRET_KEY=.*|SECRET_KEY=dev-$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(40))')|" \
	     -e "s|^DEBUG=.*|DEBUG=true|" -e "s|^TANSIQ_REQUIRE_MFA=.*|TANSIQ_REQUIRE_MFA=false|" \
	     -e "s|^BENEFICIARY_KEYS=.*|BENEFICIARY_KEYS=$$($(PYTHON) -c 'import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())')|" \
	     -e "s|^BENEFICIARY_HASH_KEY=.*|BENEFICIARY_HASH_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(40))')|" \
	     -e "s|^MFA_KEYS=.*|MFA_KEYS=$$($(PYTHON) -c 'import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())')|" \
	     .env.example > .env
	@echo "Created .env for development (edit it to configure Tansiq)."

# A .env made before beneficiaries existed lacks their keys: add generated ones (real
# environment variables still win over .env).
env: .env
	@grep -q '^BENEFICIARY_KEYS=.' .env || { sed -i '/^BENEFICIARY_KEYS=/d' .env; \
	  echo "BENEFICIARY_KEYS=$$($(PYTHON) -c 'import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())')" >> .env; \
	  echo "Added BENEFICIARY_KEYS to .env."; }
	@grep -q '^BENEFICIARY_HASH_KEY=.' .env || { sed -i '/^BENEFICIARY_HASH_KEY=/d' .env; \
	  echo "BENEFICIARY_HASH_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(40))')" >> .env; \
	  echo "Added BENEFICIARY_HASH_KEY to .env."; }
	@grep -q '^MFA_KEYS=.' .env || { sed -i '/^MFA_KEYS=/d' .env; \
	  echo "MFA_KEYS=$$($(PYTHON) -c 'import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())')" >> .env; \
	  echo "Added MFA_KEYS to .env."; }

# Starts the embedded PostgreSQL unless DATABASE_URL is set (environment or .env).
db: install env
	@$(PY) -m coordination.embedded_db ensure

compilemessages: install
	@$(PY) manage.py compile_translations

# The user guide (docs/, mkdocs.yml) into .data/help/, which /help/ serves.
docs: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

run: db compilemessages docs
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py run_stack --host $(HOST) --port $(PORT)

test: db compilemessages
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -m browser tests/browser $(PYTEST_ARGS)

test-unit: db compilemessages
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

test-browser: db compilemessages
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -m browser tests/browser $(PYTEST_ARGS)

bench: db compilemessages
	@$(PY) manage.py migrate --no-input -v 0
	$(PY) -m bench

fmt: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

lint: install env
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	@git ls-files -z '*.py' | xargs -0 $(VENV)/bin/django-upgrade --target-version 5.2 \
		|| (echo "django-upgrade rewrote files: commit its changes"; exit 1)
	$(VENV)/bin/lint-imports

migrations-check: db
	$(PY) manage.py makemigrations --check --dry-run

schema-check: db
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# Extract translatable strings into coordination/locale/*/LC_MESSAGES/django.po (needs GNU gettext),
# for every language in settings.LANGUAGES: adding one there and running this is all it takes.
messages: install env
	$(PY) manage.py makemessages $$($(PY) -c "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'coordination.settings'); django.setup(); from django.conf import settings; print(' '.join('-l ' + code for code, _ in settings.LANGUAGES))") --no-obsolete --no-location \
		--ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'bench/*' --ignore '.data/*'

check: lint migrations-check schema-check audit

# requirements*.txt compiled from requirements*.in with every package's hashes (all its
# wheels, whatever the platform). Add or bump a line in a .in file, then run this.
PIP_COMPILE = $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links
lock: install
	$(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) --output-file=requirements-docs.txt requirements-docs.in
	$(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

# Known vulnerabilities in the locked requirements (PyPI's advisory data through
# pip-audit). Fails on a vulnerability; when the service cannot be reached it says so
# loudly and does not fail (an audit that did not run is never reported as passed).
audit: install
	@$(PY) -m coordination.audit requirements.txt requirements-dev.txt
