# syntax=docker/dockerfile:1
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ALERTBOT_CONFIG=/config/config.toml

WORKDIR /app

# Pinned dependencies first, so a code change does not reinstall them.
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY feeds ./feeds
COPY storage ./storage
RUN pip install --no-deps . && pip check

RUN groupadd --system --gid 10001 alertbot \
    && useradd --system --uid 10001 --gid alertbot --home-dir /data --shell /usr/sbin/nologin alertbot \
    && mkdir -p /data /config \
    && chown alertbot:alertbot /data

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]

# The default database URL is relative (data/alertbot.db), so it lands under /data/data;
# operators usually set database.url = "sqlite+aiosqlite:////data/alertbot.db".
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
