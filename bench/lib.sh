# bench/lib.sh — helpers shared by the loopback benchmarks that put an OpenSSH sshd beside the Bastion gateway
# (bench/proxyjump.sh, bench/recorded.sh). Sourced, not run.
#
# The sourcing script sets, before calling the helpers that use them:
#   work   its temporary directory (logs, keys, configs)
#   pids   an array; servers started here are appended so the script's cleanup can stop them (stop_servers)
#   root   the repository (publish_gateway)
# Process, port and PSS helpers read /proc and ps; sshd needs root.

SSHD=/usr/sbin/sshd
PY=/usr/bin/python3

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

is_uint() { [[ $1 =~ ^[0-9]+$ ]] && (( $1 > 0 )); }

need() { # need PATH PACKAGE
  [[ -x $1 ]] || die "$1 not found: apt-get install -y $2"
}

# ---------- process helpers ----------
descendants() { # all descendants of $1, one per line
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      inset[root] = 1; changed = 1
      while (changed) { changed = 0; for (p in parent) if (!(p in inset) && (parent[p] in inset)) { inset[p] = 1; changed = 1 } }
      for (p in inset) if (p != root) print p
    }'
}

tree_pss_kib() { # sum of Pss (kB) over $1 and all its descendants
  local total=0 p k v _
  for p in "$1" $(descendants "$1"); do
    [[ -r /proc/$p/smaps_rollup ]] || continue
    while read -r k v _; do
      if [[ $k == Pss: ]]; then total=$((total + v)); break; fi
    done < "/proc/$p/smaps_rollup" 2>/dev/null || true
  done
  echo "$total"
}

kill_tree() { # kill_tree PID: SIGTERM the process and its descendants, SIGKILL after 10 s
  local pid=$1 all p i
  all="$pid $(descendants "$pid" | tr '\n' ' ')"
  kill -TERM $all 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    local alive=0
    for p in $all; do kill -0 "$p" 2>/dev/null && alive=1 && break; done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL $all 2>/dev/null || true
}

stop_servers() { # the servers in pids, newest first, each with its process tree
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill_tree "${pids[i]}"; done
  wait 2>/dev/null
}

wait_for_log() { # wait_for_log FILE TEXT PID SECONDS
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { log "process $3 exited; its log ($1):"; tail -n 30 "$1" >&2; return 1; }
    sleep 0.1
  done
  log "timed out after $4 s waiting for '$2' in $1"; tail -n 30 "$1" >&2
  return 1
}

wait_for_port() { # wait_for_port ADDR PORT PID SECONDS LOG
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
    kill -0 "$3" 2>/dev/null || { log "process $3 exited; its log ($5):"; tail -n 30 "$5" >&2; return 1; }
    sleep 0.1
  done
  log "timed out after $4 s waiting for $1:$2"; tail -n 30 "$5" >&2
  return 1
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_in_use() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# ---------- sshd ----------
write_sshd_config() { # write_sshd_config NAME ADDR PORT HOSTKEY EXTRA...
  local name=$1 addr=$2 port=$3 hostkey=$4
  shift 4
  {
    echo "Port $port"
    echo "ListenAddress $addr"
    echo "HostKey $hostkey"
    echo "PidFile $work/$name.pid"
    echo "AuthorizedKeysFile $work/authorized_keys"
    printf '%s\n' "$@"
    cat <<EOF
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
MaxStartups 2000:30:4000
UseDNS no
PrintMotd no
PrintLastLog no
LogLevel INFO
Subsystem sftp /usr/lib/openssh/sftp-server
# root's ~/.bashrc may run "pyenv rehash", which can wait 60 s on a lock left by a killed session.
SetEnv PYENV_REHASH_TIMEOUT=1
EOF
  } > "$work/$name.sshd_config"
  "$SSHD" -t -f "$work/$name.sshd_config" || die "sshd -t rejected $work/$name.sshd_config"
}

start_sshd() { # start_sshd NAME ADDR PORT  → sets started_pid
  "$SSHD" -D -e -f "$work/$1.sshd_config" 2> "$work/$1.log" &
  started_pid=$!
  pids+=("$started_pid")
  wait_for_log "$work/$1.log" "Server listening on $2 port $3." "$started_pid" 20 || die "sshd $1 did not start (log: $work/$1.log)"
}

write_ssh_config() { # the client's config: $work/known_hosts only, the bench key only, no agent, no prompts
  cat > "$work/ssh_config" <<EOF
Host *
    UserKnownHostsFile $work/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    IdentityFile $work/client/id_ed25519
    IdentitiesOnly yes
    IdentityAgent none
    BatchMode yes
    ConnectTimeout 10
    ControlMaster no
    ControlPath none
    UpdateHostKeys no
    LogLevel ERROR
EOF
}

# ---------- Bastion gateway ----------
publish_gateway() { # → sets bastion_dll
  # Published as for production (systemd/install.sh): ReadyToRun, so the first logins do not pay for the JIT.
  log "building the gateway: dotnet publish gateway/Bastion.Gateway -c Release -r linux-x64 -p:PublishReadyToRun=true -o bench/out/gateway"
  dotnet publish "$root/gateway/Bastion.Gateway" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
    -o "$root/bench/out/gateway" > "$work/publish.log" 2>&1 \
    || { tail -n 30 "$work/publish.log" >&2; die "dotnet publish failed (log: $work/publish.log)"; }
  bastion_dll=$root/bench/out/gateway/bastion.dll
  [[ -f $bastion_dll ]] || die "$bastion_dll not produced by dotnet publish"
}

cli() { # cli ARGS...: the bastion CLI on $data; output to $work/bastion-cli.log, dies on failure
  echo "\$ bastion $*" >> "$work/bastion-cli.log"
  timeout 120 dotnet "$bastion_dll" --data "$data" "$@" >> "$work/bastion-cli.log" 2>&1 \
    || { tail -n 20 "$work/bastion-cli.log" >&2; die "bastion $* failed (log: $work/bastion-cli.log)"; }
}

start_gateway() { # start_gateway ADDR PORT → sets started_pid; trusts its host key in $work/known_hosts
  local addr=$1 port=$2 key
  # One client opens many logins at once (BENCH_CONCURRENCY): no per-source limit for the benchmark.
  dotnet "$bastion_dll" --data "$data" serve --listen "$addr" --port "$port" --Bastion:Ssh:MaxUnauthenticatedPerSource=0 > "$work/bastion.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  wait_for_port "$addr" "$port" "$started_pid" 60 "$work/bastion.log" || die "gateway did not start (log: $work/bastion.log)"
  key=$(timeout 30 ssh-keyscan -T 5 -t ed25519 -p "$port" "$addr" 2>/dev/null | awk '!/^#/ && NF >= 3 { print $2, $3; exit }')
  [[ -n $key ]] || die "ssh-keyscan got no ed25519 host key from the gateway on $addr:$port"
  echo "[$addr]:$port $key" >> "$work/known_hosts"
}

make_bench_keys() { # client key (authorized on the sshd servers), target and jump host keys, under $work
  mkdir -p /run/sshd "$work/client"
  ssh-keygen -q -t ed25519 -N '' -C bench-client -f "$work/client/id_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C bench-target -f "$work/target_host_key"
  ssh-keygen -q -t ed25519 -N '' -C bench-jump -f "$work/jump_host_key"
  cp "$work/client/id_ed25519.pub" "$work/authorized_keys"
}

start_target_and_jump() { # start_target_and_jump [EXTRA TARGET sshd_config LINES…] → target_pid, jump_pid, PORT_A; known_hosts for both
  port_in_use "$TARGET_ADDR" "$TARGET_PORT" && die "something already listens on $TARGET_ADDR:$TARGET_PORT (another bench run? choose another address)"
  write_sshd_config target "$TARGET_ADDR" "$TARGET_PORT" "$work/target_host_key" "MaxSessions 100" "$@"
  start_sshd target "$TARGET_ADDR" "$TARGET_PORT"
  target_pid=$started_pid

  PORT_A=$(free_port)
  write_sshd_config jump "$JUMP_ADDR" "$PORT_A" "$work/jump_host_key" "MaxSessions 100"
  start_sshd jump "$JUMP_ADDR" "$PORT_A"
  jump_pid=$started_pid
  log "target sshd pid $target_pid on $TARGET_ADDR:$TARGET_PORT; OpenSSH jump sshd pid $jump_pid on $JUMP_ADDR:$PORT_A"

  {
    echo "[$JUMP_ADDR]:$PORT_A $(cut -d' ' -f1,2 "$work/jump_host_key.pub")"
    echo "$TARGET_ADDR,$BASTION_TARGET $(cut -d' ' -f1,2 "$work/target_host_key.pub")"
  } > "$work/known_hosts"
}
