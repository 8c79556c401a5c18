#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database and an EMPTY JetStream.
# Usage: ops/backup/restore.sh /var/backups/lienthong/20261128T040000Z
set -euo pipefail
src="${1:?usage: restore.sh BACKUP_DIR}"
( cd "$src" && sha256sum -c --quiet SHA256SUMS )
pg_url="${LIENTHONG_DB_URL/postgresql+asyncpg:/postgresql:}"
pg_restore --no-owner --exit-on-error --dbname "$pg_url" "$src/lienthong.pgdump"
if [ -d "$src/jetstream" ]; then
  for dir in "$src"/jetstream/*; do
    nats stream restore "$dir"
  done
fi
echo "restored from $src; start the hub and check: lienthong topology show"
