#!/usr/bin/env bash
# `make run`: embedded mode (SQLite, in-process workers) under daphne. HOST=0.0.0.0 serves a classroom on this
# machine's network: DEBUG is forced off, the secret key is generated once in var/secret_key (0600), the
# allowed hosts are this machine's names and addresses (twin/settings.py), and the URLs to give students are
# printed. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
DEMO_PASSWORD=${DEMO_PASSWORD:-demo-twin}
PY=.venv/bin/python
export TWIN_MODE=embedded

if "$PY" -c "import sys; from twin.netinfo import is_loopback; sys.exit(0 if is_loopback(sys.argv[1]) else 1)" "$HOST"; then
    urls="http://$HOST:$PORT/"
    where="this machine only"
else
    if [ "${DEBUG:-0}" != "0" ]; then
        echo "  DEBUG=$DEBUG ignored: serving beyond loopback ($HOST) always runs with DEBUG off."
    fi
    export DEBUG=0
    urls=$("$PY" -m twin.netinfo "$HOST" "$PORT")
    where="your network: give students one of these addresses"
fi

echo
echo "  Twin running for $where"
for url in $urls; do echo "    $url"; done
first=$(echo "$urls" | head -n 1)
echo "  Demo login:      demo / $DEMO_PASSWORD"
echo "  API docs:        ${first}api/docs/"
echo "  Stop with Ctrl-C."
echo
exec .venv/bin/daphne -b "$HOST" -p "$PORT" twin.asgi:application
