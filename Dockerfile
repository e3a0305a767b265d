# salesbot: one image for every replica (`salesbot serve`) and for one-off commands (`salesbot demo`, `kb add`).
# Configuration only through environment variables (see .env.example); state lives in PostgreSQL,
# Redis and the /data volume (knowledge index).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SALESBOT_DATA_DIR=/data SALESBOT_LOG_FORMAT=json

WORKDIR /app
# OpenCV (pulled in by rapidocr-onnxruntime, the offline business-card reader) needs libGL and glib at import
RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*
# dependencies first, so a code change does not reinstall them: exactly the versions and file hashes of
# requirements.lock (the runtime dependencies; `bash scripts/lock.sh` makes it from pyproject.toml)
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY salesbot ./salesbot
COPY bot ./bot
COPY adapters ./adapters
COPY agents ./agents
COPY tools ./tools
COPY knowledge ./knowledge
COPY scheduler ./scheduler
COPY prompts ./prompts
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /data salesbot \
    && mkdir -p /data && chown salesbot /data
USER salesbot
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status == 200 else 1)"
CMD ["salesbot", "serve", "--host", "0.0.0.0", "--port", "8080"]
