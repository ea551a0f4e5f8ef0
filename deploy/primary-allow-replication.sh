#!/usr/bin/env bash
# Runs once when the primary's data directory is created: let the portal's user stream WAL to the replica
# (the scale profile's postgres-replica). Harmless when no replica is run.
set -euo pipefail
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
