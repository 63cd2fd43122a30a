#!/bin/sh
# Container entrypoint. The web command (gunicorn) applies pending database
# migrations before it starts, so a new image version is ready on first request;
# set GOALSITE_MIGRATE_ON_START=0 to run `python manage.py migrate` yourself.
# Any other command (celery worker/beat, manage.py …) runs unchanged.
set -eu

if [ "${1:-}" = "gunicorn" ] && [ "${GOALSITE_MIGRATE_ON_START:-1}" != "0" ]; then
    python manage.py migrate --noinput
fi

exec "$@"
