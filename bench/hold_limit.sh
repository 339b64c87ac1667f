#!/usr/bin/env bash
# bench/hold_limit.sh — hold more forwarded sessions than the gateway's open-file limit allows, and show that it
# stays up, refuses the rest with its sentence, and that every session it accepted keeps working.
#
#   gateway   127.0.0.1:PORT, published as for production (ReadyToRun), started under `prlimit --nofile=LIMIT:LIMIT`;
#             automation user "load" (key only), its per-user caps off; target "echo" = 127.0.10.2:7007
#   client    tests/fixtures/load/limit_load.py (Debian python3-asyncssh): one process opens HOLD_SESSIONS connections,
#             a direct-tcpip channel on each to the echo target it serves itself, then sends HOLD_ROUNDS rounds of
#             random bytes through every held channel and checks the echo (SHA-256), holding all of them meanwhile
#
# Prints: sessions held / refused (by message), data rounds, sessions closed while held, the gateway's descriptors,
# threads and memory (PSS) per held session, whether it is still running, and `bastion audit verify`.
#
# Environment: HOLD_SESSIONS (10000), HOLD_LIMIT (20000: the gateway's soft and hard RLIMIT_NOFILE), HOLD_ROUNDS (2),
# HOLD_CONCURRENCY (100 connections being opened at once). Needs root (prlimit above the shell's hard limit).
set -euo pipefail

HOLD_SESSIONS=${HOLD_SESSIONS:-10000}
HOLD_LIMIT=${HOLD_LIMIT:-20000}
HOLD_ROUNDS=${HOLD_ROUNDS:-2}
HOLD_CONCURRENCY=${HOLD_CONCURRENCY:-100}
ECHO_ADDR=127.0.10.2
ECHO_PORT=7007
JUMP_ADDR=127.0.0.1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
work=$(mktemp -d /tmp/bastion-hold.XXXXXX)
pids=()
holder_pid=""

is_uint "$HOLD_SESSIONS" && (( HOLD_SESSIONS <= 20000 )) || die "HOLD_SESSIONS must be 1..20000"
is_uint "$HOLD_LIMIT" && (( HOLD_LIMIT >= 1024 && HOLD_LIMIT <= 1048576 )) || die "HOLD_LIMIT must be 1024..1048576"
is_uint "$HOLD_ROUNDS" && (( HOLD_ROUNDS <= 100 )) || die "HOLD_ROUNDS must be 1..100"
is_uint "$HOLD_CONCURRENCY" && (( HOLD_CONCURRENCY <= 500 )) || die "HOLD_CONCURRENCY must be 1..500"
[[ $(id -u) -eq 0 ]] || die "run as root (prlimit raises the gateway's hard limit)"
need /usr/bin/prlimit util-linux
need /usr/bin/ssh-keygen openssh-client
need /usr/bin/ssh-keyscan openssh-client
need /usr/bin/ps procps
need "$PY" python3
"$PY" -W ignore -c 'import asyncssh' 2>/dev/null || die "python3-asyncssh missing for $PY: apt-get install -y python3-asyncssh"
command -v dotnet >/dev/null || die "dotnet (SDK 10) not on PATH"
port_in_use "$ECHO_ADDR" "$ECHO_PORT" && die "something already listens on $ECHO_ADDR:$ECHO_PORT"

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [[ -n $holder_pid ]]; then kill_tree "$holder_pid"; fi
  stop_servers
  log "exit code $rc; logs in $work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

publish_gateway
data=$work/bastion-data
mkdir -p "$data" && chmod 700 "$data"
ssh-keygen -q -t ed25519 -N '' -C hold-client -f "$work/id_ed25519"
cli user add load --automation
cli key add load --file "$work/id_ed25519.pub"
cli target add echo "$ECHO_ADDR:$ECHO_PORT"
cli access allow load '*'

PORT=$(free_port)
prlimit --nofile="$HOLD_LIMIT:$HOLD_LIMIT" -- dotnet "$bastion_dll" --data "$data" serve --listen "$JUMP_ADDR" --port "$PORT" \
  --Bastion:Ssh:MaxUnauthenticatedPerSource=0 --Bastion:Ssh:MaxUnauthenticatedConnections=1000 \
  --Bastion:Limits:Automation:ConnectionsPerUser=0 --Bastion:Limits:Automation:ChannelsPerUser=0 \
  --Bastion:Limits:Automation:ChannelOpensPerMinute=0 > "$work/bastion.log" 2>&1 &
gateway_pid=$!
pids+=("$gateway_pid")
wait_for_port "$JUMP_ADDR" "$PORT" "$gateway_pid" 60 "$work/bastion.log" || die "gateway did not start (log: $work/bastion.log)"
gateway_pid=$(pgrep -f -n -- "--data $data serve") || die "gateway process not found"
key=$(timeout 30 ssh-keyscan -T 5 -t ed25519 -p "$PORT" "$JUMP_ADDR" 2>/dev/null | awk '!/^#/ && NF >= 3 { print $2, $3; exit }')
[[ -n $key ]] || die "ssh-keyscan got no host key from the gateway"
echo "[$JUMP_ADDR]:$PORT $key" > "$work/known_hosts"
grep -F "open files:" "$work/bastion.log" >&2 || true
idle_pss=$(tree_pss_kib "$gateway_pid")
idle_fds=$(ls "/proc/$gateway_pid/fd" | wc -l)

log "opening $HOLD_SESSIONS forwarded sessions ($HOLD_CONCURRENCY at a time), then $HOLD_ROUNDS checksummed rounds through each"
fifo=$work/holder.stdin
mkfifo "$fifo"
"$PY" -W ignore "$root/tests/fixtures/load/limit_load.py" --host "$JUMP_ADDR" --port "$PORT" --user load \
  --key "$work/id_ed25519" --known-hosts "$work/known_hosts" --target-host echo --target-port "$ECHO_PORT" \
  --echo-listen "$ECHO_ADDR:$ECHO_PORT" --connections "$HOLD_SESSIONS" --rounds "$HOLD_ROUNDS" --chunk 4096 \
  --concurrency "$HOLD_CONCURRENCY" --timeout 1500 --hold < "$fifo" > "$work/report.json" 2> "$work/holder.err" &
holder_pid=$!
exec {hold_fd}> "$fifo"
wait_for_log "$work/holder.err" "held " "$holder_pid" 1800 || die "the load client did not reach its hold (log: $work/holder.err)"
held_pss=$(tree_pss_kib "$gateway_pid")
held_fds=$(ls "/proc/$gateway_pid/fd" | wc -l)
threads=$(ls "/proc/$gateway_pid/task" | wc -l)
alive_while_held=no; kill -0 "$gateway_pid" 2>/dev/null && alive_while_held=yes
exec {hold_fd}>&-
for ((i = 0; i < 1200; i++)); do kill -0 "$holder_pid" 2>/dev/null || break; sleep 0.1; done
wait "$holder_pid" || die "the load client failed (log: $work/holder.err)"
holder_pid=""
sleep 2
alive_after=no; kill -0 "$gateway_pid" 2>/dev/null && alive_after=yes
verify=$(timeout 300 dotnet "$bastion_dll" --data "$data" audit verify 2>&1 | tail -n 1)

"$PY" - "$work/report.json" "$HOLD_SESSIONS" "$HOLD_LIMIT" "$idle_pss" "$held_pss" "$idle_fds" "$held_fds" "$threads" \
  "$alive_while_held" "$alive_after" "$verify" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
n, limit, idle_pss, held_pss, idle_fds, held_fds, threads = map(int, sys.argv[2:9])
alive_held, alive_after, verify = sys.argv[9:12]
held = r["held_connections"]
print(f"\n== Bastion gateway at RLIMIT_NOFILE {limit}: {n} forwarded sessions attempted ==")
print(f"held connections / channels     {held} / {r['held_channels']}   (opened in {r['open_seconds']} s)")
for msg, count in sorted(r["refused_connections"].items(), key=lambda kv: -kv[1]):
    print(f"refused connections             {count}: {msg}")
for msg, count in sorted(r["refused_channels"].items(), key=lambda kv: -kv[1]):
    print(f"refused channels                {count}: {msg}")
print(f"checksummed rounds ok           {r['data_rounds_ok']}/{r['data_rounds']} ({r['bytes_checked'] / 2**20:.0f} MiB checked), failures: {r['data_failures'] or 'none'}")
print(f"sessions closed while held      {r['closed_while_held']}")
print(f"gateway descriptors idle / held {idle_fds} / {held_fds} of {limit}")
print(f"gateway threads while held      {threads}")
per = (held_pss - idle_pss) / max(held, 1)
print(f"gateway PSS idle / held         {idle_pss / 1024:.0f} MiB / {held_pss / 1024:.0f} MiB  -> {per:.1f} KiB per held session")
print(f"gateway running while held      {alive_held}; after the load: {alive_after}")
print(f"audit verify                    {verify}")
ok = (alive_held == "yes" and alive_after == "yes" and r["closed_while_held"] == 0 and not r["data_failures"]
      and r["data_rounds_ok"] == r["data_rounds"] and r["open_timed_out"] == 0 and verify.startswith("audit chain OK")
      and held + sum(r["refused_connections"].values()) == n)
print("RESULT", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
