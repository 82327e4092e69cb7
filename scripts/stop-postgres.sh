#!/usr/bin/env bash
# Stop the throwaway PostgreSQL server of scripts/setup-postgres.sh and delete its directory.
#
#   bash scripts/stop-postgres.sh [DIR]      # DIR defaults to $VECDEX_PG_DIR
#
# Does nothing (successfully) when there is no such directory, so it is safe in an EXIT trap.
set -uo pipefail

dir="${1:-${VECDEX_PG_DIR:-}}"
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "stop-postgres: no server directory (${dir:-VECDEX_PG_DIR unset}); nothing to stop" >&2
  exit 0
fi
case "$(basename "$dir")" in
  vecdex-pg-*) ;;
  *)
    echo "stop-postgres: refusing: $dir is not a directory made by setup-postgres.sh" >&2
    exit 1
    ;;
esac

PG_BIN=/usr/lib/postgresql/15/bin
if [ -f "$dir/data/postmaster.pid" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2
  else
    "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2
  fi || echo "stop-postgres: pg_ctl stop failed (see $dir/data/server.log)" >&2
fi
rm -rf "$dir"
echo "stop-postgres: stopped and removed $dir" >&2
