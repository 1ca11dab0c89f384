# Image for every service of docker-compose.yml (web = daphne, worker, beat); the command picks the role.
# Stage 1: front-end assets (ECharts) vendored from the npm registry; nothing is loaded from a CDN at run time.
FROM node:20-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/vendor.mjs scripts/
RUN npm ci --no-audit --no-fund && npm run vendor

# Stage 2: the Python application.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TWIN_MODE=distributed TWIN_VAR_DIR=/var/lib/twin
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
COPY --from=assets /src/web/static/vendor web/static/vendor
# Build-time only values: compile translations and collect static files (served by WhiteNoise).
RUN SECRET_KEY=build-only DEBUG=0 REDIS_URL=redis://127.0.0.1:6379/0 DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        python manage.py compilemessages -v 0 \
    && SECRET_KEY=build-only DEBUG=0 REDIS_URL=redis://127.0.0.1:6379/0 DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        python manage.py collectstatic --noinput -v 0 \
    && rm -f /tmp/build.sqlite3
RUN useradd --create-home --uid 1000 twin && mkdir -p /var/lib/twin && chown twin /var/lib/twin
USER twin
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "twin.asgi:application"]
