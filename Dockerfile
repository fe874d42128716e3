# Tansiq's production image: gunicorn serving coordination.wsgi, static files by whitenoise.
# The same image runs the Celery worker and beat (see docker-compose.yml).
# The user guide, built in its own stage (its tools are not needed at run time).
FROM python:3.11-slim AS docs
WORKDIR /src
COPY requirements.txt requirements-docs.txt ./
RUN pip install --no-cache-dir --require-hashes -r requirements-docs.txt
COPY mkdocs.yml .
COPY docs docs
RUN NO_MKDOCS_2_WARNING=1 mkdocs build --strict --quiet -d /src/site

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango (WeasyPrint draws the referral slip PDF with it) and Noto fonts for Arabic and
# Latin text on the slip.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        fonts-noto-core \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user runs everything; root only installs.
RUN groupadd --system tansiq && useradd --system --gid tansiq --home-dir /app tansiq

WORKDIR /app
COPY requirements.txt .
RUN pip install --require-hashes -r requirements.txt

COPY . .
# Static files and translations are built into the image. The SECRET_KEY here only lets
# settings load; no database is touched (DATABASE_URL is never connected to).
RUN SECRET_KEY=build-only-not-secret DATABASE_URL=postgres://build@localhost/build \
        python manage.py collectstatic --no-input --verbosity 0 \
    && SECRET_KEY=build-only-not-secret DATABASE_URL=postgres://build@localhost/build \
        python manage.py compile_translations \
    && mkdir -p /app/.data && chown tansiq:tansiq /app/.data
COPY --from=docs --chown=tansiq:tansiq /src/site /app/.data/help

USER tansiq
EXPOSE 8000

# Healthy when /health/ready answers 200: PostgreSQL, Redis and the broker answer within
# their budget and every migration is applied (503 otherwise; coordination/health.py).
# The first allowed host is sent as Host; /health/ is exempt from the HTTPS redirect.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD \
    python -c "import http.client, os, sys; host = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.*') or 'localhost'; c = http.client.HTTPConnection('127.0.0.1', 8000, timeout=4); c.request('GET', '/health/ready', headers={'Host': host}); sys.exit(c.getresponse().status != 200)"

# 3 processes x 4 threads per container: requests mostly wait on PostgreSQL, and more
# capacity comes from more containers (docker-compose up --scale web=N). Tune it with
# GUNICORN_CMD_ARGS in .env, e.g. GUNICORN_CMD_ARGS="--bind 0.0.0.0:8000 --workers 5".
# No gunicorn access log: it would print query strings; Tansiq logs each request itself
# (a JSON line with the path, status, duration and request id; coordination/observability.py).
ENV GUNICORN_CMD_ARGS="--bind 0.0.0.0:8000 --workers 3 --threads 4 --timeout 60 --max-requests 2000 --max-requests-jitter 200"
CMD ["gunicorn", "coordination.wsgi"]
