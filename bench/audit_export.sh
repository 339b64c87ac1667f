#!/usr/bin/env bash
# bench/audit_export.sh — does audit export slow logins down when its receiver is dead?
#
# Runs the published gateway (ReadyToRun, as systemd/install.sh installs it) on 127.0.0.1 three times and measures
# the mean time of a whole login (`ssh bench@gateway true`: kex, publickey, the session's listing, disconnect;
# 4–5 audit events each) with hyperfine:
#   1. no export
#   2. GELF over TCP to a receiver that accepts and never reads (queue capacity 16, so it fills and drops)
#   3. GELF over UDP plus syslog over TCP to ports where nothing listens
# and prints the means side by side with the drop/failure counts the gateway logged.
# Environment: BENCH_RUNS (30). Needs openssh-client, hyperfine, python3 (Debian packages).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS=${BENCH_RUNS:-30}
work=$(mktemp -d /tmp/bastion-export-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
die() { echo "bench/audit_export.sh: $*" >&2; exit 1; }
for tool in /usr/bin/ssh /usr/bin/ssh-keygen /usr/bin/hyperfine /usr/bin/python3; do [[ -x $tool ]] || die "$tool missing (apt-get install -y openssh-client hyperfine python3)"; done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

log "publishing the gateway to bench/out/gateway (ReadyToRun)"
dotnet publish "$root/gateway/Bastion.Gateway" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o "$root/bench/out/gateway" > "$work/publish.log" 2>&1 || { tail -20 "$work/publish.log" >&2; die "publish failed"; }
bastion=(dotnet "$root/bench/out/gateway/bastion.dll" --data "$work/data")

mkdir -p "$work/client"
ssh-keygen -q -t ed25519 -N '' -f "$work/client/id_ed25519"
"${bastion[@]}" user add bench --automation > /dev/null
"${bastion[@]}" key add bench --file "$work/client/id_ed25519.pub" > /dev/null

# The hung receiver: accepts, never reads; the kernel buffers fill and the sender's writes stall.
hung_port=$(free_port)
python3 - "$hung_port" <<'PY' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
held = []
while True:
    c, _ = s.accept(); held.append(c)
PY
pids+=($!)
dead_port=$(free_port)   # nothing listens here

run() { # run LABEL [serve args…] → prints "mean drops failures"
  local label=$1; shift
  local port; port=$(free_port)
  "${bastion[@]}" serve --port "$port" "$@" > "$work/$label.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 120); do grep -q "listening on" "$work/$label.log" && break; sleep 0.5; done
  grep -q "listening on" "$work/$label.log" || { cat "$work/$label.log" >&2; die "$label: gateway did not start"; }
  hyperfine -N --style basic --warmup 2 --runs "$RUNS" --export-json "$work/$label.json" \
    "/usr/bin/ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i $work/client/id_ed25519 -p $port bench@127.0.0.1 true" \
    > "$work/$label.hyperfine" 2>&1 || { tail -20 "$work/$label.hyperfine" >&2; die "$label: logins failed"; }
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  local mean summary
  mean=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' "$work/$label.json")
  # The exporters' own totals, logged when they stop: "audit export gelf to …: 12 sent, 3 failed attempts, 130 dropped".
  summary=$( (grep -o 'audit export [a-z]* to .* stopped: [0-9]* sent, [0-9]* failed attempts, [0-9]* dropped' "$work/$label.log" || true) \
    | sed -E 's/audit export ([a-z]+) to .* stopped: ([0-9]+) sent, ([0-9]+) failed attempts, ([0-9]+) dropped/\1: \2 sent, \3 failed, \4 dropped/' | paste -sd ';' -)
  echo "$mean ${summary:--}"
}

log "1) no export"
read -r m1 d1 < <(run none) || die "run 1 failed (logs in $work)"
log "2) GELF/TCP to a receiver that never reads (queue 16)"
read -r m2 d2 < <(run hung --Bastion:Audit:Export:Gelf:Enabled=true --Bastion:Audit:Export:Gelf:Transport=tcp \
  --Bastion:Audit:Export:Gelf:Host=127.0.0.1 --Bastion:Audit:Export:Gelf:Port="$hung_port" --Bastion:Audit:Export:Gelf:QueueCapacity=16 \
  --Bastion:Audit:Export:Gelf:SendBufferBytes=4096 --Bastion:Audit:Export:WarningIntervalSeconds=1) || die "run 2 failed (logs in $work)"
log "3) GELF/UDP and syslog/TCP to ports where nothing listens"
read -r m3 d3 < <(run dead --Bastion:Audit:Export:Gelf:Enabled=true --Bastion:Audit:Export:Gelf:Transport=udp \
  --Bastion:Audit:Export:Gelf:Host=127.0.0.1 --Bastion:Audit:Export:Gelf:Port="$dead_port" \
  --Bastion:Audit:Export:Syslog:Enabled=true --Bastion:Audit:Export:Syslog:Transport=tcp \
  --Bastion:Audit:Export:Syslog:Host=127.0.0.1 --Bastion:Audit:Export:Syslog:Port="$dead_port" --Bastion:Audit:Export:WarningIntervalSeconds=1) || die "run 3 failed (logs in $work)"

printf '\nLogin time with audit export receivers dead (%s logins each, 2 cores, loopback)\n' "$RUNS"
printf '%-44s %8s %6s  %s\n' "" "mean s" "ratio" "exporter totals at stop"
printf '%-44s %8s %6s  %s\n' "1) no export" "$m1" "1.00" "-"
printf '%-44s %8s %6s  %s\n' "2) GELF/TCP, receiver never reads" "$m2" "$(python3 -c "print('%.2f' % ($m2/$m1))")" "$d2"
printf '%-44s %8s %6s  %s\n' "3) GELF/UDP + syslog/TCP, nothing listens" "$m3" "$(python3 -c "print('%.2f' % ($m3/$m1))")" "$d3"
log "logs in $work"
