#!/usr/bin/env bash
# The scale profile's read replica: on first start, clone the primary with pg_basebackup (-R writes the
# standby settings), then run as a hot standby that follows the primary's WAL stream.
set -euo pipefail
export PGPASSWORD="$POSTGRES_PASSWORD"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres -U "$POSTGRES_USER"; do sleep 2; done
  pg_basebackup -h postgres -U "$POSTGRES_USER" -D "$PGDATA" -R -X stream -c fast
  chmod 0700 "$PGDATA"
  chown -R postgres:postgres "$PGDATA"
fi
exec gosu postgres postgres -c hot_standby=on
