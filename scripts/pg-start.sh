#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for the tests that need one (test/helpers/pg.ts).
#
#   eval "$(scripts/pg-start.sh)"   # exports EXAI_TEST_PG_URL and EXAI_TEST_PG_DIR
#   ...
#   scripts/pg-stop.sh "$EXAI_TEST_PG_DIR"
#
# The cluster lives in a fresh temp dir, listens on a free port on 127.0.0.1 and on a unix
# socket inside that dir, trusts local connections (it is reachable only from this machine and
# dies with the run) and is run by the `postgres` OS user when started as root, because
# PostgreSQL refuses to run as root. Binaries come from `pg_config --bindir` (PG_BINDIR
# overrides). Everything human goes to stderr; stdout carries only the export lines.
set -euo pipefail

bindir="${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || true)}"
# Debian's server package does not always bring pg_config: fall back to its fixed layout.
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
if [[ -z "$bindir" || ! -x "$bindir/initdb" || ! -x "$bindir/pg_ctl" ]]; then
  echo "pg-start: no PostgreSQL server binaries (pg_config --bindir gave '${bindir}'); install postgresql-15" >&2
  exit 1
fi

# A free port: ask the kernel for one, then hand it to postgres. Another process could take it
# in between; pg_ctl then fails loudly and we try the next candidate.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

dir="$(mktemp -d "${TMPDIR:-/tmp}/exai-pg.XXXXXX")"
run_as=()
if [[ "$(id -u)" == 0 ]]; then
  chown postgres: "$dir"
  run_as=(runuser -u postgres --)
fi
chmod 0700 "$dir"

"${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
  >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

started=""
for _attempt in 1 2 3 4 5; do
  port="$(free_port)"
  # fsync off and a small shared_buffers: a test cluster's data is worthless after the run.
  opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir"
  opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
  opts+=" -c shared_buffers=32MB"
  if "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null 2>&1; then
    started=1
    break
  fi
done
if [[ -z "$started" ]]; then
  echo "pg-start: the server did not start; its log:" >&2
  cat "$dir/server.log" >&2 || true
  exit 1
fi

url="postgresql://postgres@127.0.0.1:${port}/postgres"
echo "pg-start: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on $url (dir $dir)" >&2
printf 'export EXAI_TEST_PG_URL=%q\n' "$url"
printf 'export EXAI_TEST_PG_DIR=%q\n' "$dir"
