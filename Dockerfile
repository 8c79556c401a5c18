# One image for every Lienthong process: hub, workers, portal, simulators.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /srv/lienthong lienthong
WORKDIR /srv/lienthong
COPY pyproject.toml README.md ./
COPY hub hub
COPY schemas schemas
COPY adapters adapters
COPY handlers handlers
COPY portal portal
COPY ops ops
RUN pip install --no-cache-dir . && mkdir -p /data && chown lienthong /data
USER lienthong
ENV LIENTHONG_DATA_DIR=/data LIENTHONG_PORTAL_HOST=0.0.0.0
ENTRYPOINT ["lienthong"]
CMD ["up"]
