#!/usr/bin/env bash
# Runs the whole Myelin test suite on a fresh Debian machine that has only the .NET SDK.
# It installs and starts what the tests need (a throwaway PostgreSQL cluster on a free port,
# Node.js for the client-library end-to-end tests), runs `dotnet test`, and tears it all down.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { printf '[test.sh] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi
}

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq >/dev/null || { log "apt-get update failed"; exit 1; }
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || { log "apt-get install $* failed (the tests need it; install it and run again)"; exit 1; }
}

# --- PostgreSQL: a throwaway cluster in a temp dir ---------------------------------------
pg_bin=""
find_pg_bin() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
}
find_pg_bin
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  log "installing PostgreSQL (apt)"
  apt_install postgresql
  find_pg_bin
fi

pg_dir=$(mktemp -d /tmp/myelin-pg.XXXXXX)
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)
pg_user=$(id -un)
run_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root: run the cluster as the 'postgres' system user.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$pg_dir"
  pg_user=postgres
  run_pg() { su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; }
fi
cleanup() {
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap cleanup EXIT
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U myelin --auth=trust -E UTF8 --no-locale >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
log "PostgreSQL $(basename "$(dirname "$pg_bin")") on 127.0.0.1:$pg_port"
export MYELIN_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=myelin;Database=postgres;Pooling=true;Maximum Pool Size=50"

# --- Node.js + npm for the client-library end-to-end tests (matrix-js-sdk) ---------------
if [ -d tests/e2e ]; then
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "installing Node.js (apt)"
    apt_install nodejs npm
  fi
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# --- The suite -------------------------------------------------------------------------
log "dotnet test"
set +e
dotnet test "$root/Myelin.slnx" -c Release --nologo -v q --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$pg_dir/test.log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line, summed over the test projects.
awk '
  /Passed!|Failed!/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
    }
  }
  END { gsub(",", "", p); printf "Total: %d passed, %d failed, %d skipped\n", p, f, s }' "$pg_dir/test.log"
exit "$status"
