#!/usr/bin/env bash
# Idempotent machine + project setup for `make setup` (and every target that depends on it).
#
# 1. As root, install the Debian packages the tests and `make run-distributed` need when any is missing
#    (redis-server, postgresql, chromium, msgfmt from gettext, docker-compose, a CJK font): one `apt-get update`, then a non-interactive install.
# 2. Create .venv (python3 -m venv) and install the pinned requirements.txt, only when its hash changed.
# 3. `npm ci && npm run vendor` (ECharts and friends into web/static/vendor), only when package-lock changed.
# 4. Compile translations (locale/**/*.po -> .mo) when a .po is newer than its .mo.
# Fast when already done: every step is skipped behind a stamp or a presence check.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
say() { printf '[setup] %s\n' "$*"; }

# --- 1. Debian packages -----------------------------------------------------------------------
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-liberation)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
# A real PostgreSQL for the distributed integration tests (initdb into a temp dir; Debian keeps the server
# binaries in /usr/lib/postgresql/<version>/bin, off PATH).
command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
# Debian's docker-compose validates docker-compose.yml without an engine (tests/test_deploy_compose.py).
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
# A CJK font so headless Chromium renders the Chinese UI (screenshots, browser tests) instead of boxes.
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi
if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
    else
        say "WARNING: missing ${missing[*]} and not root: install them with your package manager" >&2
    fi
fi

# --- 2. Python virtualenv + pinned requirements ------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
req_hash=$(sha256sum requirements.txt | cut -d' ' -f1)
req_stamp="$VENV/.requirements.sha256"
if [ "$(cat "$req_stamp" 2>/dev/null || true)" != "$req_hash" ]; then
    say "installing requirements.txt"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r requirements.txt
    echo "$req_hash" >"$req_stamp"
fi

# --- 3. Front-end assets (vendored, served offline) -------------------------------------------
if [ -f package.json ]; then
    lock_file=package-lock.json
    lock_hash=$( (cat package.json; cat "$lock_file" 2>/dev/null || true) | sha256sum | cut -d' ' -f1)
    lock_stamp=node_modules/.twin-assets.sha256
    if [ "$(cat "$lock_stamp" 2>/dev/null || true)" != "$lock_hash" ] || [ ! -d web/static/vendor ]; then
        if command -v npm >/dev/null 2>&1; then
            say "installing front-end assets (npm ci && npm run vendor)"
            if [ -f "$lock_file" ]; then
                npm ci --no-audit --no-fund --loglevel=error </dev/null
            else
                npm install --no-audit --no-fund --loglevel=error </dev/null
            fi
            npm run --silent vendor </dev/null
            echo "$lock_hash" >"$lock_stamp"
        else
            say "WARNING: npm not found: charts will not load until web/static/vendor is built" >&2
        fi
    fi
fi

# --- 4. Translations ----------------------------------------------------------------------------
if [ -d locale ] && command -v msgfmt >/dev/null 2>&1; then
    stale=0
    while IFS= read -r -d '' po; do
        mo="${po%.po}.mo"
        if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then stale=1; break; fi
    done < <(find locale -name '*.po' -print0)
    if [ "$stale" = 1 ]; then
        say "compiling translations"
        "$VENV/bin/python" manage.py compilemessages -v 0 --ignore=.venv --ignore=node_modules </dev/null
    fi
fi
say "ok"
