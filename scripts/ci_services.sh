#!/usr/bin/env bash
# A throwaway PostgreSQL and Redis on loopback for CI, the PostgreSQL test run and benchmarks/soak.py.
#
#   eval "$(bash scripts/ci_services.sh start)"   # install if missing, start (idempotent), print exports
#   bash scripts/ci_services.sh env               # print the exports again
#   bash scripts/ci_services.sh stop              # stop both (by pid), keep the data dir
#   bash scripts/ci_services.sh destroy           # stop and delete the data dir
#
# Exports SALESBOT_TEST_DATABASE_URL (a superuser URL: tests create one database each) and
# SALESBOT_TEST_REDIS_URL. Ports and the directory can be changed with SALESBOT_CI_PG_PORT,
# SALESBOT_CI_REDIS_PORT and SALESBOT_CI_DIR. Progress goes to stderr so `eval` sees only exports.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
set -euo pipefail

DIR="${SALESBOT_CI_DIR:-/tmp/salesbot-ci-services}"
PG_PORT="${SALESBOT_CI_PG_PORT:-55432}"
REDIS_PORT="${SALESBOT_CI_REDIS_PORT:-56379}"
PG_DATA="$DIR/pg"
REDIS_DIR="$DIR/redis"

say() { echo "ci_services: $*" >&2; }

pg_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$found" ]; then echo "$found"; else dirname "$(command -v pg_ctl)"; fi
}

as_pg() {  # run a command as the server's owner
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_packages() {
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v redis-server >/dev/null; then
    return
  fi
  say "installing postgresql and redis-server (apt)"
  local sudo=""
  [ "$(id -u)" = "0" ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql redis-server >&2
}

start_pg() {
  local bin
  bin=$(pg_bin)
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    mkdir -p "$PG_DATA"
    [ "$(id -u)" = "0" ] && chown postgres: "$PG_DATA"
    say "initdb $PG_DATA"
    as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    say "postgresql already running on $PG_PORT"
    return
  fi
  # fsync off: this cluster is disposable; tests and the soak measure our code, not the disk
  as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DATA -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
  say "postgresql started on 127.0.0.1:$PG_PORT"
}

start_redis() {
  mkdir -p "$REDIS_DIR"
  if [ -f "$REDIS_DIR/redis.pid" ] && kill -0 "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null; then
    say "redis already running on $REDIS_PORT"
    return
  fi
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --pidfile "$REDIS_DIR/redis.pid" \
    --dir "$REDIS_DIR" --save "" --appendonly no --logfile "$REDIS_DIR/redis.log" >&2
  for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  say "redis started on 127.0.0.1:$REDIS_PORT"
}

print_env() {
  echo "export SALESBOT_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "export SALESBOT_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

stop_all() {
  local bin
  bin=$(pg_bin)
  if [ -f "$PG_DATA/postmaster.pid" ]; then
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
    say "postgresql stopped"
  fi
  if [ -f "$REDIS_DIR/redis.pid" ]; then
    kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
    rm -f "$REDIS_DIR/redis.pid"
    say "redis stopped"
  fi
}

case "${1:-start}" in
  start) install_packages; start_pg; start_redis; print_env ;;
  env) print_env ;;
  stop) stop_all ;;
  destroy) stop_all; rm -rf "$DIR" ;;
  *) echo "usage: $0 start|env|stop|destroy" >&2; exit 2 ;;
esac
