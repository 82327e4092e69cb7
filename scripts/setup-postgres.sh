#!/usr/bin/env bash
# Install PostgreSQL 15 + pgvector (if missing) and start a throwaway server for the tests:
# a new cluster in a temporary directory, on a private port on 127.0.0.1, trust auth.
#
#   eval "$(bash scripts/setup-postgres.sh)"     # exports VECDEX_TEST_PG_URL and VECDEX_PG_DIR
#   ...run tests...
#   bash scripts/stop-postgres.sh                # stops it and deletes the directory
#
# stdout carries only the `export` lines; progress goes to stderr.
# Installing needs root (apt-get): Debian 12 has PostgreSQL 15 but no pgvector binary package,
# so pgvector 0.8.0 is built from Debian trixie's source package (about 5 s). Idempotent: what
# is installed already is not installed again.
#
# Environment: VECDEX_PG_PORT (first port to try, default 54329); VECDEX_APT_DIR (where to read the
# Debian sources from, default /etc/apt: sources.list.d/debian.sources or the classic sources.list).
set -euo pipefail

PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
PG_CONFIG="${PG_BIN}/pg_config"
say() { printf 'setup-postgres: %s\n' "$*" >&2; }
fail() {
  printf 'setup-postgres: FAILED: %s\n' "$*" >&2
  exit 1
}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else fail "need root to run: $*"; fi; }
export DEBIAN_FRONTEND=noninteractive

# ---- PostgreSQL -----------------------------------------------------------------------------------
apt_updated=0
apt_update() { [ "$apt_updated" = 1 ] || { say "apt-get update"; as_root apt-get update -qq >&2 || fail "apt-get update failed"; apt_updated=1; }; }

pg_installed() { [ -x "$PG_BIN/postgres" ] && [ -x "$PG_CONFIG" ] && [ -f "$("$PG_CONFIG" --includedir-server)/postgres.h" ]; }
if ! pg_installed; then
  say "installing postgresql-${PG_MAJOR} and postgresql-server-dev-${PG_MAJOR}"
  apt_update
  as_root apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "postgresql-${PG_MAJOR}" "postgresql-server-dev-${PG_MAJOR}" make gcc dpkg-dev >&2 ||
    fail "apt-get install postgresql-${PG_MAJOR} postgresql-server-dev-${PG_MAJOR} failed"
fi
pg_installed || fail "PostgreSQL ${PG_MAJOR} or its server headers are missing after the install"

# ---- PgBouncer (the pgvector suites run the backend through it in transaction pooling mode) ------
# shellcheck source=scripts/retry.sh
. "$(dirname "${BASH_SOURCE[0]}")/retry.sh"
if [ ! -x /usr/sbin/pgbouncer ]; then
  say "installing pgbouncer"
  apt_update
  retry 3 as_root apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends pgbouncer >&2 ||
    fail "apt-get install pgbouncer failed"
fi

# ---- pgvector -------------------------------------------------------------------------------------
EXT_DIR="$("$PG_CONFIG" --sharedir)/extension"
if [ ! -f "$EXT_DIR/vector.control" ]; then
  say "building pgvector from Debian trixie's source package"
  command -v dpkg-source >/dev/null || { apt_update; as_root apt-get install -y -qq --no-install-recommends dpkg-dev >&2; }
  src_list=/etc/apt/sources.list.d/vecdex-trixie-src.sources
  if [ ! -f "$src_list" ]; then
    # shellcheck source=scripts/apt-trixie-src.sh
    . "$(dirname "${BASH_SOURCE[0]}")/apt-trixie-src.sh"
    apt_dir="${VECDEX_APT_DIR:-/etc/apt}"
    entry="$(trixie_src_entry "$apt_dir")" ||
      fail "no Debian source found in $apt_dir/sources.list.d/debian.sources or $apt_dir/sources.list; add a deb-src entry for trixie main by hand"
    printf '%s\n' "$entry" | as_root tee "$src_list" >/dev/null
    apt_updated=0
  fi
  apt_update
  scratch="$(mktemp -d)"
  (
    cd "$scratch"
    chmod 755 "$scratch"
    # apt drops privileges to _apt for downloads when it can; let it write here.
    apt-get source -qq pgvector >&2
    cd "$(find . -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)"
    make -s PG_CONFIG="$PG_CONFIG" >&2
    as_root make -s install PG_CONFIG="$PG_CONFIG" >&2
  ) || fail "building pgvector failed (sources in $scratch)"
  rm -rf "$scratch"
  as_root rm -f "$src_list"
  [ -f "$EXT_DIR/vector.control" ] || fail "pgvector was built but $EXT_DIR/vector.control is missing"
fi
say "pgvector $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$EXT_DIR/vector.control") installed"

# ---- a throwaway cluster ----------------------------------------------------------------------------
port="${VECDEX_PG_PORT:-54329}"
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 1 50); do port_busy "$port" || break; port=$((port + 1)); done
port_busy "$port" && fail "no free port found from ${VECDEX_PG_PORT:-54329} on"

dir="$(mktemp -d "${TMPDIR:-/tmp}/vecdex-pg-XXXXXX")"
chmod 755 "$dir"
run_pg() { # initdb/postgres refuse to run as root: use the postgres account then
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || fail "the postgres user does not exist (it comes with the postgresql package)"
  chown postgres:postgres "$dir"
fi
say "initdb in $dir (port $port)"
run_pg "$PG_BIN/initdb" -D "$dir/data" -U vecdex --auth=trust -E UTF8 --locale=C.UTF-8 --no-instructions >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; fail "initdb failed"; }
run_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 start \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >&2 ||
  { cat "$dir/data/server.log" >&2 || true; fail "the server did not start"; }

psql_() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U vecdex "$@"; }
psql_ -d postgres -c 'CREATE DATABASE vecdex_test' >&2 || fail "CREATE DATABASE failed"
for db in template1 vecdex_test; do psql_ -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS vector' >&2 || fail "CREATE EXTENSION vector failed in $db"; done
version="$(psql_ -d vecdex_test -At -c "SELECT current_setting('server_version') || ', pgvector ' || extversion FROM pg_extension WHERE extname = 'vector'")"
url="postgres://vecdex@127.0.0.1:${port}/vecdex_test"
say "PostgreSQL ${version} running: ${url} (stop with: bash scripts/stop-postgres.sh $dir)"

printf 'export VECDEX_PG_DIR=%q\n' "$dir"
printf 'export VECDEX_TEST_PG_URL=%q\n' "$url"
