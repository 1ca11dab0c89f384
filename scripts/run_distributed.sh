#!/usr/bin/env bash
# `make run-distributed`: the same product on a real Redis server, Celery worker(s) on the `simulations`
# queue, Celery beat (the stale-run reaper) and daphne. Ctrl-C (or any child dying) stops every child.
#
# Environment (all optional):
#   DATABASE_URL   e.g. postgres://twin:twin@127.0.0.1:5432/twin   (default: SQLite in var/)
#   REDIS_URL      e.g. redis://10.0.0.5:6379/0   (default: a redis-server started here on REDIS_PORT)
#   REDIS_PORT     port of the local redis-server when REDIS_URL is not given (default 6379)
#   SECRET_KEY     required when DEBUG=0
#   DEBUG          default 1 here (local HTTP); set DEBUG=0 behind a TLS proxy for production
#   ALLOWED_HOSTS  comma separated (default 127.0.0.1,localhost)
#   WORKERS        number of Celery worker processes (default 2), WORKER_CONCURRENCY per worker (default 1)
#   HOST, PORT     daphne bind address (default 127.0.0.1:8000)
#   TWIN_RUN_BUDGET_BYTES, TWIN_WORKER_MEMORY_LIMIT_BYTES, TWIN_QUOTA_* , TWIN_RESULT_RETENTION_DAYS
#                  budgets and per-user quotas of a shared server (docs/operations.md)
set -euo pipefail
cd "$(dirname "$0")/.."

export TWIN_MODE=distributed
export DEBUG=${DEBUG:-1}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WORKERS=${WORKERS:-2}
WORKER_CONCURRENCY=${WORKER_CONCURRENCY:-1}
DEMO_PASSWORD=${DEMO_PASSWORD:-demo-twin}
VAR_DIR=${TWIN_VAR_DIR:-var}
mkdir -p "$VAR_DIR/redis" "$VAR_DIR/log"
BIN=.venv/bin

pids=()
cleanup() {
    trap - INT TERM EXIT
    echo
    echo "[run-distributed] stopping ${#pids[@]} processes"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.2
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

if [ -z "${REDIS_URL:-}" ]; then
    REDIS_PORT=${REDIS_PORT:-6379}
    export REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"
    echo "[run-distributed] starting redis-server on 127.0.0.1:${REDIS_PORT} (data in $VAR_DIR/redis)"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$VAR_DIR/redis" --save "" --appendonly no \
        --protected-mode yes --loglevel warning &
    pids+=($!)
    for _ in $(seq 1 50); do
        redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
fi
export REDIS_URL

$BIN/python manage.py migrate --noinput -v 0
$BIN/python manage.py load_demo --password "$DEMO_PASSWORD"
if [ "$DEBUG" = 0 ] || [ "$DEBUG" = false ]; then
    $BIN/python manage.py collectstatic --noinput -v 0
fi

for i in $(seq 1 "$WORKERS"); do
    $BIN/celery -A twin worker -Q simulations -c "$WORKER_CONCURRENCY" --pool prefork -n "sim${i}@%h" \
        --loglevel INFO --logfile "$VAR_DIR/log/worker${i}.log" &
    pids+=($!)
done
$BIN/celery -A twin beat --loglevel INFO --schedule "$VAR_DIR/celerybeat-schedule" \
    --logfile "$VAR_DIR/log/beat.log" &
pids+=($!)
$BIN/daphne -b "$HOST" -p "$PORT" twin.asgi:application &
pids+=($!)

echo
echo "  Twin (distributed) at  http://${HOST}:${PORT}/"
echo "  Demo login:            demo / ${DEMO_PASSWORD}"
echo "  Redis:                 ${REDIS_URL}"
echo "  Workers:               ${WORKERS} x ${WORKER_CONCURRENCY} on queue 'simulations' (logs in $VAR_DIR/log/)"
echo "  Stop with Ctrl-C."
echo
# Stop everything as soon as any child exits (a crashed worker should not go unnoticed).
wait -n "${pids[@]}" || true
echo "[run-distributed] a process exited; shutting down"
