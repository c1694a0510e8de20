# relance: one image for the web app and the worker (see docs/DEPLOY.md).
#   docker build -t relance .
#   docker run -v relance-data:/data -p 8000:8000 relance              # web
#   docker run -v relance-data:/data relance worker                     # worker
FROM python:3.11-slim-bookworm

# pg_dump and pg_restore for `relance backup` / `restore` on PostgreSQL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/relance relance \
    && mkdir /data && chown relance /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY relance ./relance
# `scale` brings the RQ backend, for workers on several machines.
RUN pip install --no-cache-dir ".[scale]"

USER relance
ENV RELANCE_DATA_DIR=/data \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RELANCE_ALLOWED_HOSTS=localhost,127.0.0.1
VOLUME /data
EXPOSE 8000

# The web app answers /healthz (200, or 503 when something is stuck: a monitor
# outside reads that; relance status details it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD ["python", "-m", "relance.ops.probe"]

# `serve` and `worker` check the schema at start and migrate it when needed.
ENTRYPOINT ["relance"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
