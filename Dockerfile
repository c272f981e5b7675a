# syntax=docker/dockerfile:1

# Stage 1: every wheel the bot needs (pinned dependencies and the bot itself).
FROM python:3.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /build

COPY requirements.lock pyproject.toml README.md ./
COPY bot ./bot
COPY feeds ./feeds
COPY storage ./storage
RUN pip wheel --no-deps --wheel-dir wheels -r requirements.lock
# The message catalogs compiled (.po -> .mo) with the pinned Babel, so the bot's wheel carries
# the .mo files as well as the .po files they come from.
RUN pip install --no-index --no-deps wheels/[bB]abel-*.whl \
    && pybabel compile --domain messages --directory bot/locales --statistics
RUN pip wheel --no-deps --wheel-dir wheels .

# Stage 2: the runtime: no compiler, no sources, no pip cache; runs as a user of its own.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ALERTBOT_CONFIG=/config/config.toml

WORKDIR /app

# The wheels are mounted for this one step, not copied: they stay out of the image.
RUN --mount=type=bind,from=build,source=/build/wheels,target=/app/wheels pip install --no-index --no-deps wheels/*.whl && pip check

RUN groupadd --system --gid 10001 alertbot \
    && useradd --system --uid 10001 --gid alertbot --home-dir /data --shell /usr/sbin/nologin alertbot \
    && mkdir -p /data /config \
    && chown alertbot:alertbot /data

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]

# `health` asks the database, and /healthz when [web] listen is set.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot", "health"]

# The default database URL is relative (data/alertbot.db), so it lands under /data/data;
# operators usually set database.url = "sqlite+aiosqlite:////data/alertbot.db".
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
