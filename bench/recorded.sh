#!/usr/bin/env bash
# bench/recorded.sh — what recorded mode costs, side by side with ProxyJump through OpenSSH and through the gateway.
#
# Everything runs on loopback:
#   target sshd        BENCH_TARGET_ADDR:22   (default 127.0.10.2; its authorized_keys trusts the bench client key
#                                              and the gateway's recording key from `bastion recording client-key`)
#   OpenSSH jump host  127.0.0.1:PORT_A       (a second sshd, AllowTcpForwarding yes)
#   Bastion gateway    127.0.0.1:PORT_B       (dotnet publish of gateway/Bastion.Gateway into bench/out/gateway;
#                                             automation user "bench", key only; target bench-target; SQLite store)
# Three columns, one client (OpenSSH ssh):
#   OpenSSH ProxyJump   ssh -J root@jump root@TARGET CMD
#   Bastion ProxyJump   ssh -J bench@gateway root@bench-target CMD        (end-to-end, not recorded)
#   Bastion recorded    ssh bench@gateway root@bench-target CMD           (gateway logs in with SSH.NET and records)
# and prints for each:
#   a) seconds (and MiB/s) to receive BENCH_MB MiB of text from `yes '…' | head -c BENCH_MB M`, client output to /dev/null
#   b) the same for BENCH_PTY_MB MiB through an interactive shell on a pty: ssh -tt … with stdin "CMD\nexit\n"
#   c) mean seconds of `… true` over BENCH_RUNS runs (hyperfine)
#   d) recorded column: bytes stored for the a) and b) recordings; `bastion recording verify` must pass for both and
#      the a) export must hold "o" events whose text is BENCH_MB MiB within 1%
#   e) jump-host PSS (whole process tree) before and after its column's runs, and the peak sampled during them
#   f) CPU seconds the jump host and the client spent on a) (from /proc and getrusage), to see where the time goes
#
# Environment: BENCH_MB (default 200), BENCH_PTY_MB (50), BENCH_RUNS (20), BENCH_TARGET_ADDR (127.0.10.2; must be free
# on port 22), BENCH_BASTION_TARGET (bench-target: the name the client asks the gateway for).
# Needs root (sshd, /run/sshd) and Debian packages openssh-server openssh-client hyperfine python3 procps, and the .NET SDK.
set -euo pipefail

BENCH_MB=${BENCH_MB:-200}
BENCH_PTY_MB=${BENCH_PTY_MB:-50}
BENCH_RUNS=${BENCH_RUNS:-20}
BASTION_TARGET=${BENCH_BASTION_TARGET:-bench-target}
TARGET_ADDR=${BENCH_TARGET_ADDR:-127.0.10.2}
TARGET_PORT=22
JUMP_ADDR=127.0.0.1
TEXT='the quick brown fox jumps over the lazy dog 0123456789'

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
pids=()          # servers we started (killed with their whole process tree on exit)
sampler_pid=""   # the PSS sampler running during a column's runs

# ---------- checks ----------
is_uint "$BENCH_MB" && (( BENCH_MB <= 4096 )) || die "BENCH_MB must be 1..4096 (got '$BENCH_MB')"
is_uint "$BENCH_PTY_MB" && (( BENCH_PTY_MB <= 4096 )) || die "BENCH_PTY_MB must be 1..4096 (got '$BENCH_PTY_MB')"
is_uint "$BENCH_RUNS" && (( BENCH_RUNS <= 1000 )) || die "BENCH_RUNS must be 1..1000 (got '$BENCH_RUNS')"
[[ $BASTION_TARGET =~ ^[A-Za-z0-9._-]+$ ]] || die "BENCH_BASTION_TARGET must be a plain host name"
[[ $TARGET_ADDR =~ ^127\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] && [[ $TARGET_ADDR != 127.0.0.1 ]] \
  && (( BASH_REMATCH[1] <= 255 && BASH_REMATCH[2] <= 255 && BASH_REMATCH[3] <= 255 )) \
  || die "BENCH_TARGET_ADDR must be a loopback address 127.x.y.z other than 127.0.0.1 (got '$TARGET_ADDR')"
[[ $(id -u) -eq 0 ]] || die "run as root (sshd needs it)"

need "$SSHD" openssh-server
need /usr/bin/ssh openssh-client
need /usr/bin/ssh-keygen openssh-client
need /usr/bin/ssh-keyscan openssh-client
need /usr/bin/hyperfine hyperfine
need /usr/bin/ps procps
need "$PY" python3
command -v dotnet >/dev/null || die "dotnet (SDK 10) not on PATH"

# ---------- CPU and PSS helpers ----------
CLK_TCK=$(getconf CLK_TCK)

tree_cpu_ticks() { # utime+stime of $1 and its live descendants, plus what their reaped children used (cutime+cstime)
  local total=0 p rest
  local -a f
  for p in "$1" $(descendants "$1"); do
    rest=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    read -r -a f <<< "$rest"
    # After "pid (comm) ": state is field 3, so utime (14), stime (15), cutime (16), cstime (17) are f[11..14].
    total=$((total + f[11] + f[12] + f[13] + f[14]))
  done
  echo "$total"
}

seconds_of_ticks() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f\n", t / hz }'; }

start_pss_sampler() { # start_pss_sampler PID LABEL: the tree's PSS every second into $work/pss-LABEL.samples (at most 1 h)
  local pid=$1 out=$work/pss-$2.samples
  : > "$out"
  ( for ((i = 0; i < 3600; i++)); do kill -0 "$pid" 2>/dev/null || exit 0; tree_pss_kib "$pid" >> "$out"; sleep 1; done ) &
  sampler_pid=$!
}

stop_pss_sampler() { # stop_pss_sampler LABEL → sets PSS_PEAK (kB), the largest sample
  kill_tree "$sampler_pid"
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  PSS_PEAK=$(sort -n "$work/pss-$1.samples" | tail -n 1)
  [[ -n $PSS_PEAK ]] || die "no PSS sample was taken for $1 (is /proc/PID/smaps_rollup readable?)"
}

work=$(mktemp -d /tmp/bastion-bench-recorded.XXXXXX)
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [[ -n $sampler_pid ]]; then kill_tree "$sampler_pid"; fi
  stop_servers
  rm -f "$work"/export-*.cast
  if ((rc != 0)); then
    log "exit code $rc; logs and the gateway's data directory kept in $work"
  else
    # The store holds every recording made here (several hundred MB with the defaults); the logs are what is kept.
    rm -rf "${data:-$work/bastion-data}"
    log "logs in $work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------- keys, servers ----------
log "work directory: $work"
make_bench_keys

start_target_and_jump
write_ssh_config
unset SSH_AUTH_SOCK

publish_gateway
data=$work/bastion-data
mkdir -p "$data"
cli user add bench --automation
cli key add bench --file "$work/client/id_ed25519.pub"
cli target add "$BASTION_TARGET" "$TARGET_ADDR:$TARGET_PORT"
cli access allow bench '*'
# The gateway's own key for recorded sessions: the target must trust it, as an admin would set up.
recording_key=$(timeout 120 dotnet "$bastion_dll" --data "$data" recording client-key 2>> "$work/bastion-cli.log") \
  || die "bastion recording client-key failed (log: $work/bastion-cli.log)"
[[ $recording_key == ssh-ed25519\ * ]] || die "bastion recording client-key printed '$recording_key', not an ssh-ed25519 public key line"
echo "$recording_key" >> "$work/authorized_keys"

# Recorded sessions may log in as root on the bench target (the default allows only the user's own name). A command's
# output that waits unread is capped at 64 MiB by default (commands cannot be paused, see README); a) floods on
# purpose to measure throughput, so the cap is lifted here and the peak memory row shows what that costs.
export Bastion__Recording__AllowedTargetUsers__0=root
export Bastion__Recording__MaxQueuedCommandOutputBytes=2147483647
PORT_B=$(free_port)
start_gateway "$JUMP_ADDR" "$PORT_B"
bastion_pid=$started_pid
log "Bastion gateway pid $bastion_pid on $JUMP_ADDR:$PORT_B"

ssh_base=(/usr/bin/ssh -F "$work/ssh_config")
declare -A dest=(
  [openssh]="-J root@$JUMP_ADDR:$PORT_A root@$TARGET_ADDR"
  [proxyjump]="-J bench@$JUMP_ADDR:$PORT_B root@$BASTION_TARGET"
  [recorded]="-p $PORT_B bench@$JUMP_ADDR root@$BASTION_TARGET"
)
declare -A server_pid=([openssh]=$jump_pid [proxyjump]=$bastion_pid [recorded]=$bastion_pid)
columns=(openssh proxyjump recorded)

gen() { echo "yes '$TEXT' | head -c $1M"; }   # the remote command printing $1 MiB of text

# ---------- correctness check: 8 MiB of text through each path, SHA-256 compared; 1 MiB through a pty, counted ----------
want=$( { yes "$TEXT" || true; } | head -c 8M | sha256sum | cut -d' ' -f1)   # yes ends on SIGPIPE (pipefail)
printf '%s\nexit\n' "$(gen 1)" > "$work/pty-check.stdin"
check_path() { # check_path COLUMN
  local col=$1 got n
  # shellcheck disable=SC2086  # dest holds options and destinations split on purpose
  got=$(timeout 120 "${ssh_base[@]}" ${dest[$col]} "$(gen 8)" 2> "$work/check-$col.err" | sha256sum | cut -d' ' -f1) \
    || { cat "$work/check-$col.err" >&2; die "$col: ssh failed for an 8 MiB command"; }
  [[ -s $work/check-$col.err ]] && { cat "$work/check-$col.err" >&2; die "$col: ssh printed errors (above) for an 8 MiB command"; }
  [[ $got == "$want" ]] || die "$col: the 8 MiB output arrived damaged or incomplete (SHA-256 $got, want $want); see $work/check-$col.err"
  # shellcheck disable=SC2086
  n=$(timeout 120 "${ssh_base[@]}" -tt ${dest[$col]} < "$work/pty-check.stdin" 2> "$work/check-pty-$col.err" | wc -c) \
    || { cat "$work/check-pty-$col.err" >&2; die "$col: the interactive shell on a pty failed"; }
  (( n >= 1024 * 1024 )) || { cat "$work/check-pty-$col.err" >&2; die "$col: only $n bytes came back from 1 MiB printed in an interactive shell"; }
  log "$col: 8 MiB intact, and $n bytes back from 1 MiB through a pty shell"
}
for col in "${columns[@]}"; do check_path "$col"; done

# ---------- runs ----------
throughput() { # throughput COLUMN MIB [pty] → prints "wall client_cpu server_cpu" (seconds)
  local col=$1 mib=$2 pty=${3:-} before after timing wall user sys
  local TIMEFORMAT='%R %U %S'
  before=$(tree_cpu_ticks "${server_pid[$col]}")
  if [[ $pty == pty ]]; then
    printf '%s\nexit\n' "$(gen "$mib")" > "$work/pty.stdin"
    # shellcheck disable=SC2086
    timing=$( { time timeout "$((120 + 5 * mib))" "${ssh_base[@]}" -tt ${dest[$col]} < "$work/pty.stdin" > /dev/null 2> "$work/pty-$col.err"; } 2>&1 ) \
      || { cat "$work/pty-$col.err" >&2; die "$col: $mib MiB through an interactive shell on a pty failed or timed out"; }
  else
    # shellcheck disable=SC2086
    timing=$( { time timeout "$((120 + 3 * mib))" "${ssh_base[@]}" ${dest[$col]} "$(gen "$mib")" < /dev/null > /dev/null 2> "$work/throughput-$col.err"; } 2>&1 ) \
      || { cat "$work/throughput-$col.err" >&2; die "$col: $mib MiB command output failed or timed out"; }
  fi
  sleep 1   # let the jump host reap the session's processes so their CPU time is counted
  after=$(tree_cpu_ticks "${server_pid[$col]}")
  read -r wall user sys <<< "$timing"
  awk -v w="$wall" -v u="$user" -v s="$sys" -v t="$((after - before))" -v hz="$CLK_TCK" \
    'BEGIN { printf "%.2f %.1f %.1f\n", w, u + s, t / hz }'
}

latency() { # latency COLUMN → prints mean seconds
  local col=$1
  timeout "$((60 + 30 * BENCH_RUNS))" hyperfine -N --style basic --warmup 1 --runs "$BENCH_RUNS" \
    --export-json "$work/latency-$col.json" "${ssh_base[*]} ${dest[$col]} true" > "$work/latency-$col.log" 2>&1 \
    || { tail -n 20 "$work/latency-$col.log" >&2; die "$col: hyperfine of '… true' failed"; }
  "$PY" -c 'import json, sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' "$work/latency-$col.json"
}

newest_recording() { # newest_recording EXPECTED_COMMAND → prints "ID BYTES"; dies unless it is that session's, complete
  local want_cmd=$1 line id bytes status cmd
  line=$(timeout 120 dotnet "$bastion_dll" --data "$data" recording list --user bench --limit 1 2>> "$work/bastion-cli.log" | sed -n 2p) \
    || die "bastion recording list failed (log: $work/bastion-cli.log)"
  # RECORDING USER TARGET AS STARTED(date time) SECONDS BYTES STATUS COMMAND…
  read -r id _ _ _ _ _ _ bytes status cmd <<< "$line"
  [[ -n ${id:-} && $cmd == "$want_cmd" ]] || die "the newest recording is not the benchmark's ('$line'; want command '$want_cmd')"
  [[ $status == complete ]] || die "recording $id is '$status', not complete"
  echo "$id $bytes"
}

verify_recording() { # verify_recording ID
  timeout 300 dotnet "$bastion_dll" --data "$data" recording verify "$1" > "$work/verify-$1.log" 2>&1 \
    || { cat "$work/verify-$1.log" >&2; die "bastion recording verify $1 did not pass"; }
}

check_recorded_output() { # check_recorded_output ID MIB → prints the "o" text length; dies unless within 1% of MIB MiB
  local id=$1 mib=$2 file=$work/export-$1.cast chars
  timeout 600 dotnet "$bastion_dll" --data "$data" recording export "$id" -o "$file" 2>> "$work/bastion-cli.log" \
    || die "bastion recording export $id failed (log: $work/bastion-cli.log)"
  chars=$(timeout 600 "$PY" - "$file" <<'PY'
import json, sys
total = 0
with open(sys.argv[1], encoding="utf-8") as f:
    header = json.loads(f.readline())
    if header.get("version") != 2:
        sys.exit("not an asciicast v2 header: %r" % header)
    for n, line in enumerate(f, 2):
        event = json.loads(line)
        if not (isinstance(event, list) and len(event) == 3):
            sys.exit("line %d is not an event [time, code, data]" % n)
        if event[1] == "o":
            total += len(event[2])
print(total)
PY
  ) || die "the export of recording $id is not a readable asciicast v2 file ($file)"
  rm -f "$file"
  awk -v c="$chars" -v want="$((mib * 1024 * 1024))" 'BEGIN { d = c - want; if (d < 0) d = -d; exit !(d <= want / 100) }' \
    || die "recording $id holds $chars characters of output; the command printed $((mib * 1024 * 1024)) (more than 1% apart)"
  echo "$chars"
}

declare -A a_wall a_client a_server b_wall c_mean pss_before pss_after pss_peak
rec_a_id="" rec_b_id="" rec_a_bytes=- rec_b_bytes=- rec_a_chars=-
for col in "${columns[@]}"; do
  sleep 2
  pss_before[$col]=$(tree_pss_kib "${server_pid[$col]}")
  start_pss_sampler "${server_pid[$col]}" "$col"

  log "$col: a) $BENCH_MB MiB of command output"
  # Assignments first: a failure inside $(…) then stops the script (set -e), which it would not inside <<<.
  result=$(throughput "$col" "$BENCH_MB")
  read -r wall client server <<< "$result"
  a_wall[$col]=$wall a_client[$col]=$client a_server[$col]=$server
  if [[ $col == recorded ]]; then
    result=$(newest_recording "$(gen "$BENCH_MB")")
    read -r rec_a_id rec_a_bytes <<< "$result"
  fi

  log "$col: b) $BENCH_PTY_MB MiB through an interactive shell on a pty"
  result=$(throughput "$col" "$BENCH_PTY_MB" pty)
  read -r wall _ _ <<< "$result"
  b_wall[$col]=$wall
  if [[ $col == recorded ]]; then
    result=$(newest_recording "(shell)")
    read -r rec_b_id rec_b_bytes <<< "$result"
  fi

  log "$col: c) '… true' x $BENCH_RUNS"
  c_mean[$col]=$(latency "$col")

  kill -0 "${server_pid[$col]}" 2>/dev/null || die "$col: the jump host (pid ${server_pid[$col]}) exited during the runs"
  sleep 3
  pss_after[$col]=$(tree_pss_kib "${server_pid[$col]}")
  stop_pss_sampler "$col"
  pss_peak[$col]=$PSS_PEAK
  log "$col: a) ${a_wall[$col]} s, b) ${b_wall[$col]} s, c) ${c_mean[$col]} s; PSS ${pss_before[$col]} -> ${pss_after[$col]} kB (peak ${pss_peak[$col]})"
done

log "recorded: d) verifying recordings $rec_a_id and $rec_b_id and reading the a) export"
verify_recording "$rec_a_id"
verify_recording "$rec_b_id"
rec_a_chars=$(check_recorded_output "$rec_a_id" "$BENCH_MB")

# ---------- report ----------
mibps() { awk -v m="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f\n", m / s; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }
growth() { awk -v b="$1" -v a="$2" 'BEGIN { printf "%+.1f\n", (a - b) / 1024 }'; }
row() { printf '%-58s %18s %18s %18s\n' "$@"; }
echo
echo "Recorded mode on loopback ($(nproc) cores; OpenSSH $(ssh -V 2>&1 | cut -d, -f1); target sshd $TARGET_ADDR:$TARGET_PORT; SQLite store)"
row "" "OpenSSH ProxyJump" "Bastion ProxyJump" "Bastion recorded"
row "a) seconds to receive $BENCH_MB MiB of command output" "${a_wall[openssh]}" "${a_wall[proxyjump]}" "${a_wall[recorded]}"
row "   MiB/s" "$(mibps "$BENCH_MB" "${a_wall[openssh]}")" "$(mibps "$BENCH_MB" "${a_wall[proxyjump]}")" "$(mibps "$BENCH_MB" "${a_wall[recorded]}")"
row "b) seconds for $BENCH_PTY_MB MiB in a pty shell (ssh -tt)" "${b_wall[openssh]}" "${b_wall[proxyjump]}" "${b_wall[recorded]}"
row "   MiB/s" "$(mibps "$BENCH_PTY_MB" "${b_wall[openssh]}")" "$(mibps "$BENCH_PTY_MB" "${b_wall[proxyjump]}")" "$(mibps "$BENCH_PTY_MB" "${b_wall[recorded]}")"
row "c) mean seconds of '… true' ($BENCH_RUNS runs)" "${c_mean[openssh]}" "${c_mean[proxyjump]}" "${c_mean[recorded]}"
row "d) bytes stored, a) recording (verify OK, text $(awk -v c="$rec_a_chars" -v w="$((BENCH_MB * 1048576))" 'BEGIN { printf "%.2f%%", 100 * c / w }'))" "-" "-" "$rec_a_bytes"
row "   bytes stored, b) recording (verify OK)" "-" "-" "$rec_b_bytes"
row "e) jump-host PSS MiB before -> after its runs" \
  "$(mib "${pss_before[openssh]}") -> $(mib "${pss_after[openssh]}")" \
  "$(mib "${pss_before[proxyjump]}") -> $(mib "${pss_after[proxyjump]}")" \
  "$(mib "${pss_before[recorded]}") -> $(mib "${pss_after[recorded]}")"
row "   growth MiB (peak during the runs)" \
  "$(growth "${pss_before[openssh]}" "${pss_after[openssh]}") ($(mib "${pss_peak[openssh]}"))" \
  "$(growth "${pss_before[proxyjump]}" "${pss_after[proxyjump]}") ($(mib "${pss_peak[proxyjump]}"))" \
  "$(growth "${pss_before[recorded]}" "${pss_after[recorded]}") ($(mib "${pss_peak[recorded]}"))"
row "f) CPU seconds for a): jump host / client ssh" \
  "${a_server[openssh]} / ${a_client[openssh]}" "${a_server[proxyjump]} / ${a_client[proxyjump]}" "${a_server[recorded]} / ${a_client[recorded]}"
echo "(the gateway is one process serving both Bastion columns; its PSS is read before and after each column's runs)"
