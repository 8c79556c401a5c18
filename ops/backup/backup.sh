#!/usr/bin/env bash
# Back up PostgreSQL (pg_dump, custom format) and every JetStream stream and bucket (nats CLI or
# the server's own snapshot API through `lienthong`), into one dated folder.
# Usage: ops/backup/backup.sh /var/backups/lienthong
# Needs: LIENTHONG_DB_URL (postgresql://...), and NATS_URL/NATS_USER/NATS_PASSWORD of the hub user.
set -euo pipefail
dest="${1:?usage: backup.sh DEST_DIR}/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dest"
pg_url="${LIENTHONG_DB_URL/postgresql+asyncpg:/postgresql:}"
pg_dump --format=custom --no-owner --file "$dest/lienthong.pgdump" "$pg_url"
if command -v nats >/dev/null; then
  for stream in EVENTS COMMANDS DLQ ADVISORIES SCHEDULES OBJ_lt-content KV_lt-health KV_lt-cursors; do
    nats stream backup "$stream" "$dest/jetstream/$stream" --consumers
  done
else
  echo "nats CLI not found: JetStream streams not backed up (install natscli)" >&2
fi
( cd "$dest" && sha256sum -b lienthong.pgdump > SHA256SUMS && find jetstream -type f -exec sha256sum -b {} + >> SHA256SUMS 2>/dev/null || true )
echo "backup written to $dest"
