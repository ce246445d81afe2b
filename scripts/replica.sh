#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL on 127.0.0.1, for CI and for trying
# DATABASE_REPLICA_URLS (README "Scale"): `start`, `stop`, `status`; each may be run again.
#
#   scripts/replica.sh start   # pg_basebackup of the primary, then a hot standby on 5433
#   DATABASE_REPLICA_URLS=postgres://postgres@127.0.0.1:5433/tacbapp make run
#   scripts/replica.sh stop    # stops it and removes its data directory
#
# The primary (PRIMARY_PORT, 5432) must have wal_level=replica or logical (the default)
# and a free WAL sender; a line allowing replication from 127.0.0.1 is added to its
# pg_hba.conf if it has none. Runs as root (through runuser) or as the postgres user.
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-/tmp/tacbapp-replica-$REPLICA_PORT}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -1)/bin}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

running() {
  pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT"
}

allow_replication() {
  local hba
  hba=$(psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -Atc "SHOW hba_file")
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]' "$hba"; then
    echo "host replication all 127.0.0.1/32 trust" >>"$hba"
    psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -qAtc "SELECT pg_reload_conf()" >/dev/null
  fi
}

configure() {
  # Debian keeps the primary's configuration in /etc, so the copy has none: a standby
  # needs at least the primary's values of these (else it refuses to start).
  local settings
  settings=$(psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -Atc "
    SELECT string_agg(name || ' = ' || setting, E'\n') FROM pg_settings WHERE name IN (
      'max_connections', 'max_worker_processes', 'max_wal_senders',
      'max_prepared_transactions', 'max_locks_per_transaction')")
  if [ ! -f "$REPLICA_DIR/postgresql.conf" ]; then
    printf '%s\nhot_standby = on\nshared_buffers = 32MB\n' "$settings" >"$REPLICA_DIR/postgresql.conf"
  fi
  if [ ! -f "$REPLICA_DIR/pg_hba.conf" ]; then
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$REPLICA_DIR/pg_hba.conf"
    : >"$REPLICA_DIR/pg_ident.conf"
  fi
  chown postgres:postgres "$REPLICA_DIR"/*.conf 2>/dev/null || true
}

start() {
  if running; then
    echo "replica already running on 127.0.0.1:$REPLICA_PORT"
    return
  fi
  # A copy left by a run that did not stop it may be too far behind the primary's WAL to
  # catch up: always a fresh one.
  stop >/dev/null
  allow_replication
  install -d -m 700 -o postgres -g postgres "$REPLICA_DIR"
  # -R writes standby.signal and primary_conninfo; -X stream copies the WAL as it goes.
  as_postgres pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres \
    -D "$REPLICA_DIR" -R -X stream --checkpoint=fast
  configure
  as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_DIR/replica.log" -w \
    -o "-p $REPLICA_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp" \
    start >/dev/null
  echo "replica running on 127.0.0.1:$REPLICA_PORT (data in $REPLICA_DIR)"
}

stop() {
  if [ -f "$REPLICA_DIR/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$REPLICA_DIR"
  echo "replica stopped"
}

status() {
  if running; then
    echo "replica on 127.0.0.1:$REPLICA_PORT, in recovery: $(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -Atc 'SELECT pg_is_in_recovery()')"
  else
    echo "no replica on 127.0.0.1:$REPLICA_PORT"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
