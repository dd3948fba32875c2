#!/usr/bin/env bash
# Stop a cluster started by scripts/pg-start.sh and remove its temp dir.
#   scripts/pg-stop.sh [DIR]   (DIR defaults to $EXAI_TEST_PG_DIR)
set -euo pipefail

dir="${1:-${EXAI_TEST_PG_DIR:-}}"
if [[ -z "$dir" ]]; then
  echo "pg-stop: no cluster dir given (argument or EXAI_TEST_PG_DIR)" >&2
  exit 1
fi
# Refuse anything pg-start.sh did not make: this script ends in rm -rf.
case "$(basename "$dir")" in
  exai-pg.*) ;;
  *) echo "pg-stop: $dir is not a pg-start.sh cluster dir" >&2; exit 1 ;;
esac
[[ -d "$dir" ]] || exit 0

bindir="${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}"
run_as=()
[[ "$(id -u)" == 0 ]] && run_as=(runuser -u postgres --)
if [[ -f "$dir/data/postmaster.pid" ]]; then
  # fast: roll back open transactions and stop now; the data is thrown away anyway.
  "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
    "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
fi
rm -rf -- "$dir"
