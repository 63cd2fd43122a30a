#!/usr/bin/env bash
# Run Goalsite locally: migrate, seed the demo, then web + Celery worker + beat.
# Embedded defaults: SQLite and Kombu's filesystem broker (no services needed);
# set DATABASE_URL / REDIS_URL to use PostgreSQL / Redis instead. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
export DEBUG=${DEBUG:-1}
export SITE_URL=${SITE_URL:-http://127.0.0.1:$PORT}
mkdir -p var/broker/queue var/broker/processed var/mail

"$PY" manage.py migrate --noinput >/dev/null
"$PY" manage.py seed_demo

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "Stopping Goalsite…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

"$PY" -m celery -A goalsite worker --loglevel=INFO --concurrency=2 --hostname="goalsite@%h" &
pids+=($!)
"$PY" -m celery -A goalsite beat --loglevel=INFO &
pids+=($!)
"$PY" manage.py runserver "127.0.0.1:$PORT" --noreload &
pids+=($!)

sleep 2
echo
echo "  Goalsite is running on http://127.0.0.1:$PORT  (web, Celery worker and beat; Ctrl-C stops all)"
echo "  Sign in with any demo person above, e.g. maya@brightwave.example / goalsite-demo-2026"
echo
wait -n "${pids[@]}"
