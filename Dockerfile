# Goalsite production image: gunicorn serves the web app (WhiteNoise serves the
# static files collected at build time); the same image runs the Celery worker
# and beat. See docker-compose.yml and README.md.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=goalsite.settings \
    GOALSITE_VAR_DIR=/app/var

# An unprivileged user runs every process; the code stays owned by root.
RUN groupadd --system --gid 10001 goalsite \
    && useradd --system --uid 10001 --gid goalsite --create-home --home-dir /home/goalsite \
       --shell /usr/sbin/nologin goalsite

# Every runtime dependency is pinned in requirements.txt (all ship wheels:
# psycopg-binary bundles libpq, so no compiler or system libraries are needed).
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv "$VIRTUAL_ENV" \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

WORKDIR /app
COPY . .

# Hashed, compressed static files for WhiteNoise. The secret key below exists
# only for this build step and is not part of the image's environment.
RUN DEBUG=0 \
    SECRET_KEY=collectstatic-build-only-key-never-used-at-runtime-0123456789 \
    GOALSITE_VAR_DIR=/tmp/build-var \
    python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build-var \
    && python -m compileall -q goalsite apps \
    && chmod 0755 docker/entrypoint.sh \
    && install -d -o goalsite -g goalsite -m 0750 /app/var /app/var/beat

USER goalsite:goalsite
EXPOSE 8000

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["gunicorn", "goalsite.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--no-control-socket", "--access-logfile", "-"]
