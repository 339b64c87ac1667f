#!/usr/bin/env bash
# bench/proxyjump.sh — ProxyJump through an OpenSSH jump host vs through the Bastion gateway, side by side in one run.
#
# Everything runs on loopback:
#   target sshd        127.0.10.1:22          (MaxStartups 2000:30:4000, MaxSessions 100, LoginGraceTime 0)
#   OpenSSH jump host  127.0.0.1:PORT_A       (a second sshd, AllowTcpForwarding yes)
#   Bastion gateway    127.0.0.1:PORT_B       (dotnet publish of gateway/Bastion.Gateway into bench/out/gateway;
#                                             automation user "bench", key only; target bench-target = 127.0.10.1:22)
# and prints, for each, and their ratio (Bastion/OpenSSH):
#   a) seconds to push BENCH_GIB GiB of random data through `ssh -J … 'cat > /dev/null'`
#   b) mean seconds of `ssh -J … true` over BENCH_RUNS runs (hyperfine)
#   c) jump-host memory (PSS, whole process tree) per held forwarded session, holding BENCH_SESSIONS at once
#      from one client process (bench/hold_sessions.py, Debian python3-asyncssh)
#
# Environment: BENCH_GIB (default 1), BENCH_RUNS (20), BENCH_SESSIONS (1000), BENCH_CONCURRENCY (50, sessions
# being opened at once), BENCH_BASTION_TARGET (bench-target: the name the client asks the gateway for),
# BENCH_ONLY_OPENSSH=1 (skip the Bastion half — for checking the script before the gateway exists).
# Needs root (sshd, /run/sshd) and Debian packages openssh-server openssh-client hyperfine python3-asyncssh procps.
set -euo pipefail

BENCH_GIB=${BENCH_GIB:-1}
BENCH_RUNS=${BENCH_RUNS:-20}
BENCH_SESSIONS=${BENCH_SESSIONS:-1000}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-50}
BENCH_ONLY_OPENSSH=${BENCH_ONLY_OPENSSH:-0}
BASTION_TARGET=${BENCH_BASTION_TARGET:-bench-target}

TARGET_ADDR=127.0.10.1
TARGET_PORT=22
JUMP_ADDR=127.0.0.1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
work=$(mktemp -d /tmp/bastion-bench.XXXXXX)
pids=()       # servers we started (killed with their whole process tree on exit)
holder_pid=""

# ---------- checks ----------
is_uint "$BENCH_GIB" && (( BENCH_GIB <= 16 )) || die "BENCH_GIB must be 1..16 (got '$BENCH_GIB')"
is_uint "$BENCH_RUNS" && (( BENCH_RUNS <= 1000 )) || die "BENCH_RUNS must be 1..1000 (got '$BENCH_RUNS')"
is_uint "$BENCH_SESSIONS" && (( BENCH_SESSIONS <= 9000 )) || die "BENCH_SESSIONS must be 1..9000 (got '$BENCH_SESSIONS'; ulimit -n is $(ulimit -n))"
is_uint "$BENCH_CONCURRENCY" && (( BENCH_CONCURRENCY <= 500 )) || die "BENCH_CONCURRENCY must be 1..500"
[[ $BASTION_TARGET =~ ^[A-Za-z0-9._-]+$ ]] || die "BENCH_BASTION_TARGET must be a plain host name"
[[ $(id -u) -eq 0 ]] || die "run as root (sshd needs it)"

need "$SSHD" openssh-server
need /usr/lib/openssh/sftp-server openssh-sftp-server
need /usr/bin/ssh openssh-client
need /usr/bin/ssh-keygen openssh-client
need /usr/bin/ssh-keyscan openssh-client
need /usr/bin/hyperfine hyperfine
need /usr/bin/ps procps
need "$PY" python3
"$PY" -W ignore -c 'import asyncssh' 2>/dev/null || die "python3-asyncssh missing for $PY: apt-get install -y python3-asyncssh"
if [[ $BENCH_ONLY_OPENSSH != 1 ]]; then
  command -v dotnet >/dev/null || die "dotnet (SDK 10) not on PATH"
fi

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [[ -n ${hold_fd:-} ]]; then exec {hold_fd}>&-; fi
  if [[ -n $holder_pid ]]; then kill_tree "$holder_pid"; fi
  stop_servers
  rm -f "$work/payload" "$work/sample"
  if ((rc != 0)); then
    log "exit code $rc; logs kept in $work"
  else
    log "logs in $work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------- keys, configs ----------
log "work directory: $work"
make_bench_keys

# LoginGraceTime 0: the held sessions only read the target's banner and then sit unauthenticated.
start_target_and_jump "LoginGraceTime 0"

write_ssh_config
unset SSH_AUTH_SOCK

openssh_ssh=(/usr/bin/ssh -F "$work/ssh_config" -J "root@$JUMP_ADDR:$PORT_A" "root@$TARGET_ADDR")

# ---------- Bastion gateway ----------
bastion_pid=""
if [[ $BENCH_ONLY_OPENSSH != 1 ]]; then
  publish_gateway
  data=$work/bastion-data
  mkdir -p "$data"
  cli user add bench --automation
  cli key add bench --file "$work/client/id_ed25519.pub"
  cli target add bench-target "$TARGET_ADDR:$TARGET_PORT"
  cli access allow bench '*'

  PORT_B=$(free_port)
  start_gateway "$JUMP_ADDR" "$PORT_B"
  bastion_pid=$started_pid
  log "Bastion gateway pid $bastion_pid on $JUMP_ADDR:$PORT_B"
fi
bastion_ssh=(/usr/bin/ssh -F "$work/ssh_config" -J "bench@$JUMP_ADDR:${PORT_B:-0}" "root@$BASTION_TARGET")

# ---------- correctness check: 8 MiB through each path, SHA-256 compared ----------
head -c 8M /dev/urandom > "$work/sample"
want=$(sha256sum < "$work/sample" | cut -d' ' -f1)
check_path() { # check_path LABEL SSH_CMD...
  local label=$1 got
  shift
  got=$(timeout 120 "$@" 'sha256sum' < "$work/sample" 2> "$work/check-$label.err" | cut -d' ' -f1) \
    || { cat "$work/check-$label.err" >&2; die "$label: ssh through the jump host failed"; }
  [[ $got == "$want" ]] || die "$label: SHA-256 mismatch through the jump host ($got != $want)"
  log "$label: 8 MiB through ProxyJump arrived intact"
}
check_path openssh "${openssh_ssh[@]}"
[[ -z $bastion_pid ]] || check_path bastion "${bastion_ssh[@]}"

# ---------- a) throughput ----------
log "creating $BENCH_GIB GiB of random data"
head -c "$((BENCH_GIB * 1024))M" /dev/urandom > "$work/payload"
cat "$work/payload" > /dev/null   # warm the page cache
throughput() { # throughput LABEL SSH_CMD... → prints seconds
  local label=$1 t0 t1
  shift
  t0=$(date +%s.%N)
  timeout "$((120 + 300 * BENCH_GIB))" "$@" 'cat > /dev/null' < "$work/payload" 2> "$work/throughput-$label.err" \
    || { cat "$work/throughput-$label.err" >&2; die "$label: $BENCH_GIB GiB transfer failed"; }
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}
log "a) $BENCH_GIB GiB through OpenSSH jump"
a_openssh=$(throughput openssh "${openssh_ssh[@]}")
a_bastion=-
if [[ -n $bastion_pid ]]; then
  log "a) $BENCH_GIB GiB through Bastion"
  a_bastion=$(throughput bastion "${bastion_ssh[@]}")
fi
rm -f "$work/payload"

# ---------- b) connection latency ----------
latency() { # latency LABEL SSH_CMD... → prints mean seconds
  local label=$1
  shift
  timeout "$((60 + 30 * BENCH_RUNS))" hyperfine -N --style basic --warmup 1 --runs "$BENCH_RUNS" \
    --export-json "$work/latency-$label.json" "$* true" > "$work/latency-$label.log" 2>&1 \
    || { tail -n 20 "$work/latency-$label.log" >&2; die "$label: hyperfine of 'ssh -J … true' failed"; }
  "$PY" -c 'import json, sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' "$work/latency-$label.json"
}
log "b) ssh -J … true x $BENCH_RUNS through OpenSSH jump"
b_openssh=$(latency openssh "${openssh_ssh[@]}")
b_bastion=-
if [[ -n $bastion_pid ]]; then
  log "b) ssh -J … true x $BENCH_RUNS through Bastion"
  b_bastion=$(latency bastion "${bastion_ssh[@]}")
fi

# ---------- c) memory per held session ----------
hold() { # hold LABEL SERVER_PID JUMP_PORT USER TARGET_HOST → sets HOLD_BEFORE, HOLD_AFTER (PSS kB)
  local label=$1 server=$2 port=$3 user=$4 thost=$5 before after i
  local fifo=$work/hold-$label.stdin out=$work/hold-$label.out err=$work/hold-$label.err
  sleep 2
  before=$(tree_pss_kib "$server")
  mkfifo "$fifo"
  "$PY" -W ignore "$here/hold_sessions.py" --host "$JUMP_ADDR" --port "$port" --user "$user" \
    --key "$work/client/id_ed25519" --known-hosts "$work/known_hosts" \
    --target-host "$thost" --target-port "$TARGET_PORT" -n "$BENCH_SESSIONS" \
    --concurrency "$BENCH_CONCURRENCY" --open-timeout 900 --hold-timeout 1800 \
    < "$fifo" > "$out" 2> "$err" &
  holder_pid=$!
  exec {hold_fd}> "$fifo"
  wait_for_log "$out" "held $BENCH_SESSIONS" "$holder_pid" 960 \
    || { cat "$err" >&2; die "$label: could not hold $BENCH_SESSIONS sessions (log: $err)"; }
  kill -0 "$server" 2>/dev/null || die "$label: server exited while sessions were held"
  sleep 3
  after=$(tree_pss_kib "$server")
  local procs
  procs=$(( $(descendants "$server" | wc -l) + 1 ))
  exec {hold_fd}>&-
  hold_fd=""
  for ((i = 0; i < 600; i++)); do kill -0 "$holder_pid" 2>/dev/null || break; sleep 0.1; done
  if ! wait "$holder_pid"; then
    holder_pid=""
    cat "$err" >&2
    die "$label: hold_sessions.py reported a failure (sessions dropped while held?) — log: $err"
  fi
  holder_pid=""
  log "$label: PSS ${before} kB idle, ${after} kB with $BENCH_SESSIONS sessions held ($procs processes)"
  HOLD_BEFORE=$before
  HOLD_AFTER=$after
}
per_session() { awk -v b="$1" -v a="$2" -v n="$BENCH_SESSIONS" 'BEGIN { printf "%.0f\n", (a - b) / n }'; }

log "c) holding $BENCH_SESSIONS forwarded sessions through OpenSSH jump"
hold openssh "$jump_pid" "$PORT_A" root "$TARGET_ADDR"
c_openssh=$(per_session "$HOLD_BEFORE" "$HOLD_AFTER")
c_bastion=-
if [[ -n $bastion_pid ]]; then
  log "c) holding $BENCH_SESSIONS forwarded sessions through Bastion"
  hold bastion "$bastion_pid" "$PORT_B" bench "$BASTION_TARGET"
  c_bastion=$(per_session "$HOLD_BEFORE" "$HOLD_AFTER")
fi

# ---------- report ----------
ratio() { if [[ $2 == - || $1 == - ]]; then echo -; else awk -v o="$1" -v b="$2" 'BEGIN { if (o == 0) print "-"; else printf "%.2f\n", b / o }'; fi; }
echo
echo "ProxyJump benchmark on loopback ($(nproc) cores; OpenSSH $(ssh -V 2>&1 | cut -d, -f1); target sshd $TARGET_ADDR:$TARGET_PORT)"
printf '%-52s %12s %12s %16s\n' "" "OpenSSH" "Bastion" "Bastion/OpenSSH"
printf '%-52s %12s %12s %16s\n' "a) seconds to move $BENCH_GIB GiB (ssh -J … 'cat > /dev/null')" "$a_openssh" "$a_bastion" "$(ratio "$a_openssh" "$a_bastion")"
printf '%-52s %12s %12s %16s\n' "b) mean seconds of 'ssh -J … true' ($BENCH_RUNS runs)" "$b_openssh" "$b_bastion" "$(ratio "$b_openssh" "$b_bastion")"
printf '%-52s %12s %12s %16s\n' "c) jump-host PSS per held session, KiB (N=$BENCH_SESSIONS)" "$c_openssh" "$c_bastion" "$(ratio "$c_openssh" "$c_bastion")"
[[ -n $bastion_pid ]] || echo "(Bastion half skipped: BENCH_ONLY_OPENSSH=1)"
