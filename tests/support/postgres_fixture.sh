#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster on 127.0.0.1 for the test suites.
#   postgres_fixture.sh start DIR   -> cluster in DIR/cluster, connection string in DIR/pg.conn
#   postgres_fixture.sh stop DIR
#   postgres_fixture.sh restart DIR  -> pg_ctl restart -m fast (every connection is ended)
# initdb refuses to run as root, so as root the cluster belongs to the 'postgres' user.
set -euo pipefail

action=${1:?usage: postgres_fixture.sh start|stop DIR}
dir=${2:?usage: postgres_fixture.sh start|stop DIR}

pg_bin=${CRYPTCOL_PG_BIN:-}
if [[ -z $pg_bin ]]; then
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x $candidate/initdb ]]; then pg_bin=$candidate; break; fi
  done
fi
[[ -n $pg_bin && -x $pg_bin/initdb ]] || { echo "postgres_fixture: no initdb found (install postgresql-15)" >&2; exit 1; }

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The cluster lives under /tmp: the build tree may sit below a directory (such as /root)
# that the postgres user cannot enter. DIR/cluster.path remembers where it is.
stop_cluster() {
  local cluster
  [[ -f $dir/cluster.path ]] || return 0
  cluster=$(cat "$dir/cluster.path")
  if [[ -f $cluster/postmaster.pid ]]; then
    as_owner "$pg_bin/pg_ctl" -D "$cluster" -m fast -w stop >/dev/null 2>&1 \
      || as_owner "$pg_bin/pg_ctl" -D "$cluster" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$cluster" "$dir/cluster.path" "$dir/pg.conn"
}

case $action in
  start)
    mkdir -p "$dir"
    stop_cluster
    cluster=$(mktemp -d /tmp/cryptcol-pg.XXXXXX)
    echo "$cluster" >"$dir/cluster.path"
    if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$cluster"; chmod 700 "$cluster"; fi
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$pg_bin/initdb" -D "$cluster" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$cluster/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
CONF
    as_owner "$pg_bin/pg_ctl" -D "$cluster" -l "$cluster/server.log" -w -t 60 start >/dev/null \
      || { cat "$cluster/server.log" >&2; exit 1; }
    as_owner "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
      -c "CREATE DATABASE cryptcol_test" >/dev/null
    echo "postgresql://host=127.0.0.1 port=$port dbname=cryptcol_test user=postgres" >"$dir/pg.conn"
    echo "postgres_fixture: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
    ;;
  stop)
    stop_cluster
    ;;
  restart)
    cluster=$(cat "$dir/cluster.path")
    as_owner "$pg_bin/pg_ctl" -D "$cluster" -l "$cluster/server.log" -m fast -w -t 60 restart >/dev/null \
      || { tail -20 "$cluster/server.log" >&2; exit 1; }
    ;;
  *) echo "usage: postgres_fixture.sh start|stop|restart DIR" >&2; exit 2 ;;
esac
