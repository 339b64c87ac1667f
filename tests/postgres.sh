#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (run as root):
#   tests/postgres.sh start   initdb (first time) and start on 127.0.0.1:55432; idempotent
#   tests/postgres.sh stop    stop it and delete the cluster
# The cluster belongs to the postgres OS user and lives in $BASTION_TEST_PG_DIR (/tmp/bastion-test-pg). Tests log in
# as bastion_test (LOGIN CREATEDB) with a password generated at the first start; it is written to $DIR/password and
# $DIR/env (both 0600) and never printed. `source $DIR/env` exports BASTION_TEST_POSTGRES for `dotnet test`.
set -euo pipefail

dir=${BASTION_TEST_PG_DIR:-/tmp/bastion-test-pg}
port=55432
role=bastion_test
data=$dir/data
log=$dir/server.log

die() { echo "postgres.sh: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (the cluster is owned by the postgres OS user, started with runuser)"
id postgres >/dev/null 2>&1 || die "no postgres OS user; install PostgreSQL first: apt-get install -y postgresql"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -n $bin && -x $bin/initdb ]] || die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin; install them: apt-get install -y postgresql"

as_postgres() { runuser -u postgres -- "$@"; }

running() { [[ -f $data/postmaster.pid ]] && as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

# Runs SQL from stdin as the superuser over the cluster's private unix socket (peer authentication). Using stdin
# keeps the password out of the process list.
psql_admin() { as_postgres "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -d postgres "$@"; }

start() {
  if [[ ! -f $data/PG_VERSION ]]; then
    rm -rf "$dir"
    install -d -m 0700 -o postgres -g postgres "$dir"
    as_postgres "$bin/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
password_encryption = 'scram-sha-256'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
  if ! running; then
    as_postgres "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null || { tail -n 20 "$log" >&2; die "the server did not start (log: $log)"; }
  fi
  if [[ ! -s $dir/password ]]; then
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/password")
  fi
  local password
  password=$(cat "$dir/password")
  # Create or update the role; the password goes through stdin, and psql variables quote it as a literal.
  psql_admin -v role="$role" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'password') \gexec
-- DROP DATABASE … WITH (FORCE) at the end of a test must also end an autovacuum worker that happens to be in it.
SELECT format('GRANT pg_signal_backend TO %I', :'role') \gexec
SQL
  (umask 077; printf "export BASTION_TEST_POSTGRES='Host=127.0.0.1;Port=%s;Username=%s;Password=%s'\n" "$port" "$role" "$password" >"$dir/env")
  echo "postgres.sh: PostgreSQL $(basename "$(dirname "$bin")") is running on 127.0.0.1:$port; source $dir/env to get BASTION_TEST_POSTGRES"
}

stop() {
  if running; then
    as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
  rm -rf "$dir"
  echo "postgres.sh: stopped and removed $dir"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) die "usage: tests/postgres.sh start|stop" ;;
esac
