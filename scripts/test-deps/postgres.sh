#!/usr/bin/env bash
# PostgreSQL 15 for Vigil's tests: a cluster of its own under artifacts/test-deps/postgres, on 127.0.0.1 only.
#   scripts/test-deps/postgres.sh [start|stop]
# start (the default) installs Debian's postgresql if missing, creates the cluster once, starts it unless it already
# runs, and writes VIGIL_TEST_POSTGRES to artifacts/test-deps/env. Idempotent.
# Port: VIGIL_TEST_POSTGRES_PORT (default 55432).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

port="${VIGIL_TEST_POSTGRES_PORT:-55432}"
# The cluster's bootstrap superuser is vigil (as the postgres container image does with POSTGRES_USER), so tests can
# create databases and schemas of their own. A test server on loopback: the password is not a secret.
user=vigil
password=vigil-test
database=vigil

# PostgreSQL refuses to run as root, so as root the cluster belongs to the postgres user, which must be able to reach
# the checkout; when it cannot (a checkout under /root, say), the cluster goes to a directory of this checkout's own
# under /tmp instead. Any other user runs the cluster as itself.
pg_base() {
  local home="$deps_dir/postgres"
  if is_root && ! runuser -u postgres -- test -x "$repo_root" 2>/dev/null; then
    home="${TMPDIR:-/tmp}/vigil-test-postgres-$(printf '%s' "$deps_dir" | md5sum | cut -c1-12)"
  fi
  printf '%s' "$home"
}

pg_bindir() {
  local dir
  for dir in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [ -x "$dir/pg_ctl" ] && { printf '%s' "$dir"; return 0; }
  done
  return 1
}

# Runs a PostgreSQL program as the cluster's owner, from / so an unreadable working directory does not matter.
as_owner() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

install_postgres() {
  mkdir -p "$deps_dir"
  # Debian's package creates and may start a "main" cluster on 5432; when this install is what made it, stop it again.
  apt_install postgresql
  if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters -h 2>/dev/null | awk '$4 == "online" {print $1, $2}' | while read -r version cluster; do
      say "stopping the $version/$cluster cluster that installing postgresql started"
      pg_ctlcluster "$version" "$cluster" stop >/dev/null 2>&1 || true
    done
  fi
}

start() {
  local bin base data log
  env_unset VIGIL_TEST_POSTGRES
  bin="$(pg_bindir)" || { install_postgres; bin="$(pg_bindir)" || die "postgresql installed but no pg_ctl under /usr/lib/postgresql"; }
  base="$(pg_base)"
  data="$base/data"
  log="$base/server.log"

  if is_root; then
    getent passwd postgres >/dev/null || die "no postgres user; is Debian's postgresql package installed correctly?"
  fi
  mkdir -p "$base"
  is_root && chown postgres:postgres "$base"
  if [ -d "$data" ] && [ "$(stat -c %U "$data")" != "$(is_root && echo postgres || id -un)" ]; then
    die "$data belongs to $(stat -c %U "$data"), not to the user this script runs the cluster as; stop it (scripts/test-deps/postgres.sh stop as that user) and delete $base"
  fi

  if [ ! -f "$data/PG_VERSION" ]; then
    say "creating the PostgreSQL cluster in $data"
    rm -rf "$data"
    local pwfile="$base/.pw.$$"
    (umask 077 && printf '%s\n' "$password" >"$pwfile")
    is_root && chown postgres:postgres "$pwfile"
    as_owner "$bin/initdb" -D "$data" -U "$user" --pwfile="$pwfile" --auth=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1 \
      || { rm -f "$pwfile"; tail -n 20 "$base/initdb.log" >&2; die "initdb failed (log: $base/initdb.log)"; }
    rm -f "$pwfile"
    # Settings for tests; the port and the address are passed at start so they can change between runs.
    as_owner tee -a "$data/postgresql.conf" >/dev/null <<'CONF'

# Vigil test server (scripts/test-deps/postgres.sh)
unix_socket_directories = ''
max_connections = 200
timezone = 'UTC'
log_timezone = 'UTC'
log_min_messages = warning
CONF
  fi

  if as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
    say "PostgreSQL already running ($data)"
  else
    if port_open "$port"; then
      die "127.0.0.1:$port is taken by another server (another checkout's test PostgreSQL?); stop it or choose another port with VIGIL_TEST_POSTGRES_PORT"
    fi
    say "starting PostgreSQL on 127.0.0.1:$port"
    as_owner "$bin/pg_ctl" start -D "$data" -l "$log" -w -t 60 -s \
      -o "-c listen_addresses=127.0.0.1 -c port=$port" \
      || { tail -n 20 "$log" >&2 2>/dev/null || true; die "PostgreSQL did not start within 60s (log: $log)"; }
  fi

  # Bounded wait until it accepts connections on the expected port (a reused server may be on another one).
  local i
  for ((i = 0; i < 60; i++)); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1 && break
    sleep 0.5
  done
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1 \
    || die "PostgreSQL in $data runs but does not answer on 127.0.0.1:$port (started with another VIGIL_TEST_POSTGRES_PORT? stop it first)"

  export PGPASSWORD="$password"
  local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$user")
  if [ "$("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")" != 1 ]; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE $database OWNER $user" || die "could not create database $database"
  fi
  "${psql[@]}" -d "$database" -tAc "SELECT 1" >/dev/null || die "cannot query database $database on 127.0.0.1:$port as $user"

  env_set VIGIL_TEST_POSTGRES "Host=127.0.0.1;Port=$port;Username=$user;Password=$password;Database=$database"
  say "PostgreSQL ready: 127.0.0.1:$port, database $database, data in $data"
}

stop() {
  local bin base
  env_unset VIGIL_TEST_POSTGRES
  bin="$(pg_bindir)" || return 0
  for base in "$(pg_base)" "$deps_dir/postgres"; do
    [ -f "$base/data/PG_VERSION" ] || continue
    if as_owner "$bin/pg_ctl" status -D "$base/data" >/dev/null 2>&1; then
      say "stopping PostgreSQL ($base/data)"
      as_owner "$bin/pg_ctl" stop -D "$base/data" -m fast -w -t 60 -s || say "PostgreSQL did not stop cleanly (log: $base/server.log)"
    fi
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 [start|stop]" ;;
esac
