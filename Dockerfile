# syntax=docker/dockerfile:1
# The dashboard's image: one image for the web server, the workers and the one-shot migration
# (docker-compose.yml chooses the command). README.md, "Production", explains how to run it.

# --- Build stage: front-end libraries from the npm registry, exactly as package-lock.json pins
# them. Node.js stays in this stage; only the files the pages load reach the final image.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- Final image: Python and the application, run as an unprivileged user.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

RUN groupadd --system --gid 10001 dashboard \
    && useradd --system --uid 10001 --gid dashboard --home-dir /app --shell /usr/sbin/nologin dashboard

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# settings.STATICFILES_DIRS serves Chart.js from node_modules/chart.js/dist.
COPY --from=assets /build/node_modules/chart.js/dist node_modules/chart.js/dist

# Static files are collected, compressed and fingerprinted once, here; whitenoise serves them.
# The key below exists only for this command; the real one is given at run time.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --no-input
# var/ holds the SQLite database when a single container runs without DATABASE_URL.
RUN mkdir -p var && chown dashboard:dashboard var

USER dashboard
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
