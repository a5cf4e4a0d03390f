#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for running tests by hand; prints the export line for MYELIN_TEST_POSTGRES.
# Usage: eval "$(bash scripts/dev-postgres.sh)"   (stop it with: pg_ctl -D /tmp/myelin-dev-pg/data stop)
set -euo pipefail
dir=/tmp/myelin-dev-pg
port=${PGPORT_DEV:-55439}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ ! -d "$dir/data" ]; then
  mkdir -p "$dir"; id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  su postgres -s /bin/sh -c "$bin/initdb -D $dir/data -U myelin --auth=trust -E UTF8 --no-locale" >/dev/null
fi
su postgres -s /bin/sh -c "$bin/pg_ctl -D $dir/data -l $dir/log -w -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300' status" >/dev/null 2>&1 ||
  su postgres -s /bin/sh -c "$bin/pg_ctl -D $dir/data -l $dir/log -w -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300' start" >/dev/null
echo "export MYELIN_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=myelin;Database=postgres'"
