#!/usr/bin/env bash
# End-to-end benchmarks: builds Myelin (Release), starts it on a free loopback port with a throwaway data directory
# (registration by shared secret, rate limiting off), runs every load-generator scenario with modest sizes against it on
# SQLite, and on PostgreSQL when MYELIN_BENCH_POSTGRES is set (an Npgsql connection string to a database the run may
# fill) or MYELIN_BENCH_POSTGRES=start (a throwaway cluster like scripts/dev-postgres.sh). Whole script ≤ 10 minutes.
#
# Usage: bash bench/run-all.sh [results-dir]      (default: ${TMPDIR:-/tmp}/myelin-bench-<UTC timestamp>)
# Sizes can be overridden: SEND_DURATION, SEND_SENDERS, FANOUT_SYNCERS, FANOUT_RATE, FANOUT_DURATION, IS_ROOMS, IS_EVENTS,
# JOINERS, MEDIA_WORKERS, MEDIA_SIZE, MEDIA_DURATION, SCALING (1 to add send scaling rows at 1/4/16/64 senders in one room and in 4×S rooms, and fanout at
# 50/200/500 syncers at SCALING_FANOUT_RATE, default 10 ev/s; give it RUN_ALL_BUDGET=1500); SKIP_SQLITE=1 runs
# only PostgreSQL; RUN_ALL_BUDGET (seconds, default 600) bounds the whole script.
# FEDERATION=1 also runs bench/Myelin.FederationBench (join of a FED_MEMBERS-member room, default 30000, by a separate
# myelin process, then inbound /send throughput; SQLite) into federation.json. Its resident room is generated once
# (~5 minutes for 30,000 members) into FED_CACHE (default /tmp/myelin-fed-bench-cache-<members>) and reused after;
# FEDERATION_ONLY=1 skips the load-generator scenarios.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${TMPDIR:-/tmp}/myelin-bench-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
deadline=$((SECONDS + ${RUN_ALL_BUDGET:-600}))
SEND_DURATION=${SEND_DURATION:-10}; SEND_SENDERS=${SEND_SENDERS:-16}
FANOUT_SYNCERS=${FANOUT_SYNCERS:-50}; FANOUT_RATE=${FANOUT_RATE:-40}; FANOUT_DURATION=${FANOUT_DURATION:-10}
IS_ROOMS=${IS_ROOMS:-100}; IS_EVENTS=${IS_EVENTS:-20}; JOINERS=${JOINERS:-200}; SCALING=${SCALING:-0}
MEDIA_WORKERS=${MEDIA_WORKERS:-4}; MEDIA_SIZE=${MEDIA_SIZE:-1048576}; MEDIA_DURATION=${MEDIA_DURATION:-10}

log() { echo "[run-all $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)] $*" | tee -a "$out/run-all.log"; }
remaining() { echo $((deadline - SECONDS)); }

log "building Myelin and the load generator (Release)"
# build PROJECT DIR DLL: Release build into DIR; retried once because a shared machine's build nodes sometimes vanish mid-build.
build() {
  for attempt in 1 2; do
    dotnet build -c Release -nodeReuse:false "$repo/$1" -o "$out/bin/$2" >"$out/build-$2.log" 2>&1 && [ -f "$out/bin/$2/$3" ] && return 0
    log "build of $1 did not produce $3 (attempt $attempt; see build-$2.log)"
  done
  return 1
}
build src/Myelin myelin myelin.dll || exit 1
build bench/Myelin.Load load myelin-load.dll || exit 1
myelin=("$out/bin/myelin/myelin")
[ -x "${myelin[0]}" ] || myelin=(dotnet "$out/bin/myelin/myelin.dll")
load=(dotnet "$out/bin/load/myelin-load.dll")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"; for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid"
  fi
  server_pid=""
}
data_dirs=()
cleanup() {
  stop_server
  # The servers' data directories are throwaway; KEEP_DATA=1 keeps them for a look at the databases.
  [ "${KEEP_DATA:-0}" = 1 ] || for d in "${data_dirs[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT

# start_server ENGINE: writes a config into a fresh data dir, starts Myelin, waits for /health, records idle RSS.
start_server() {
  local engine=$1 data port
  data=$(mktemp -d "/tmp/myelin-bench-$engine.XXXXXX")
  data_dirs+=("$data")
  port=$(free_port)
  "${myelin[@]}" generate-config --data-dir "$data" --server-name localhost --port "$port" >"$out/$engine-generate-config.log" 2>&1 \
    || { log "generate-config failed (see $engine-generate-config.log)"; return 1; }
  local config="$data/homeserver.yaml"
  secret=$(sed -n 's/^registration_shared_secret: "\(.*\)"$/\1/p' "$config")
  sed -i 's/^enable_registration: false/enable_registration: true/' "$config"
  # rate_limiting.enabled is the first "enabled:" under rate_limiting.
  sed -i '/^rate_limiting:/,/^[^ ]/ s/^  enabled: true/  enabled: false/' "$config"
  sed -i 's/^log_level: info/log_level: warning/' "$config"
  if [ "$engine" = postgres ]; then
    # Replace the sqlite3 database block with PostgreSQL (an Npgsql connection string).
    python3 - "$config" "$pg_conn" <<'PY'
import re, sys
path, conn = sys.argv[1], sys.argv[2]
text = open(path).read()
block = 'database:\n  name: psycopg2\n  args:\n    connection_string: "%s"\n' % conn.replace('"', '\\"')
text = re.sub(r'^database:\n  name: sqlite3\n  args:\n    database: .*\n', block, text, flags=re.M)
open(path, 'w').write(text)
PY
  fi
  "${myelin[@]}" serve --data-dir "$data" >"$out/$engine-server.log" 2>&1 &
  server_pid=$!
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 150); do
    curl -sf "$url/health" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { log "Myelin exited on start (see $engine-server.log)"; server_pid=""; return 1; }
    sleep 0.2
  done
  sleep 2 # let start-up work (JIT, caches) settle before reading the idle RSS
  idle_rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status")
  log "$engine: Myelin pid $server_pid at $url, data $data, idle RSS ${idle_rss} kB"
  echo "{\"engine\":\"$engine\",\"pid\":$server_pid,\"url\":\"$url\",\"idle_rss_kb\":$idle_rss,\"load_average\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >"$out/$engine-idle.json"
}

# scenario ENGINE NAME ARGS...: one load-generator run, bounded by the time left.
scenario() {
  local engine=$1 name=$2; shift 2
  local left; left=$(remaining)
  if [ "$left" -lt 20 ]; then log "$engine $name: skipped, out of time"; return; fi
  local limit=$(( left - 10 < 240 ? left - 10 : 240 ))
  log "$engine $name $*"
  "${load[@]}" "$@" --url "$url" --registration shared-secret --shared-secret "$secret" --server-pid "$server_pid" \
    --time-limit "$limit" --max-requests 2000000 --label "myelin $engine" --out "$out/$engine-$name.json" \
    >"$out/$engine-$name.txt" 2>"$out/$engine-$name.progress"
  local rc=$?
  cat "$out/$engine-$name.txt"
  log "$engine $name: exit $rc"
}

run_engine() {
  local engine=$1
  start_server "$engine" || return
  scenario "$engine" rjbench rjbench
  scenario "$engine" send-one-room send --senders "$SEND_SENDERS" --rooms 1 --duration "$SEND_DURATION"
  scenario "$engine" send-many-rooms send --senders "$SEND_SENDERS" --rooms $((SEND_SENDERS * 4)) --duration "$SEND_DURATION"
  scenario "$engine" join-storm join-storm --joiners "$JOINERS" --concurrency 50
  scenario "$engine" initial-sync initial-sync --rooms "$IS_ROOMS" --events "$IS_EVENTS"
  scenario "$engine" fanout fanout --syncers "$FANOUT_SYNCERS" --rate "$FANOUT_RATE" --duration "$FANOUT_DURATION"
  scenario "$engine" media media --workers "$MEDIA_WORKERS" --size "$MEDIA_SIZE" --duration "$MEDIA_DURATION" --thumbnail-sizes 20
  if [ "$SCALING" = 1 ]; then
    for s in 1 4 16 64; do
      scenario "$engine" "send-scaling-$s" send --senders "$s" --rooms 1 --duration 5
      scenario "$engine" "send-scaling-many-$s" send --senders "$s" --rooms $((s * 4)) --duration 5
    done
    # One busy room takes only a few events/s once it has hundreds of members; 10 ev/s keeps the runs bounded.
    for u in 50 200 500; do scenario "$engine" "fanout-scaling-$u" fanout --syncers "$u" --rate "${SCALING_FANOUT_RATE:-10}" --duration 10; done
  fi
  local rss; rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null)
  log "$engine: RSS at the end ${rss:-?} kB"
  stop_server
}

run_federation() {
  local members=${FED_MEMBERS:-30000} left; left=$(remaining)
  if [ "$left" -lt 60 ]; then log "federation: skipped, out of time"; return; fi
  build bench/Myelin.FederationBench fedbench myelin-federation-bench.dll || return
  log "federation: join of a $members-member room and inbound /send throughput (time limit ${left}s)"
  timeout "$left" dotnet "$out/bin/fedbench/myelin-federation-bench.dll" --myelin "${myelin[@]: -1}" --members "$members" \
    --transactions "${FED_TRANSACTIONS:-40}" --small-members "${FED_SMALL_MEMBERS:-10}" \
    --resident-cache "${FED_CACHE:-/tmp/myelin-fed-bench-cache-$members}" --out "$out/federation.json" \
    >"$out/federation.txt" 2>"$out/federation.progress"
  local rc=$?
  cat "$out/federation.progress"
  log "federation: exit $rc (federation.json)"
}

if [ "${FEDERATION_ONLY:-0}" = 1 ]; then
  run_federation
  log "done: results in $out"
  exit 0
fi
[ "${SKIP_SQLITE:-0}" = 1 ] || run_engine sqlite
if [ -n "${MYELIN_BENCH_POSTGRES:-}" ]; then
  if [ "$MYELIN_BENCH_POSTGRES" = start ]; then
    eval "$(bash "$repo/scripts/dev-postgres.sh")"
    # A fresh database per run, so figures never include an earlier run's data.
    db="myelin_bench_$(date +%s)"
    psql "host=127.0.0.1 port=${PGPORT_DEV:-55439} user=myelin dbname=postgres" -qc "CREATE DATABASE $db" >/dev/null
    pg_conn="${MYELIN_TEST_POSTGRES/Database=postgres/Database=$db}"
  else
    pg_conn=$MYELIN_BENCH_POSTGRES
  fi
  run_engine postgres
  if [ "$MYELIN_BENCH_POSTGRES" = start ]; then
    psql "host=127.0.0.1 port=${PGPORT_DEV:-55439} user=myelin dbname=postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  fi
fi
[ "${FEDERATION:-0}" = 1 ] && run_federation
python3 "$repo/bench/Myelin.Load/summarize.py" "$out" >"$out/summary.md" && cat "$out/summary.md"
log "done: results in $out (summary.md: Markdown tables for docs/benchmarks.md)"
