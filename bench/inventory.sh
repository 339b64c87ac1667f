#!/usr/bin/env bash
# bench/inventory.sh — EC2 inventory at scale, against the fake AWS (tests/fixtures/Bastion.FakeAws) run as a
# separate process on 127.0.0.1, so the figures include real HTTP, SigV4 signing/verification and XML parsing.
#
# Runs the same benchmark on this tree and on a baseline commit (BENCH_BASELINE, default the commit before the
# untrusted-accounts work of issue [1/8]: vetting, one resolution order, address claims), against one fake, runs
# alternating, and prints for each: 
#   a) full refresh time of BENCH_ACCOUNTS accounts x BENCH_INSTANCES instances, cold (AssumeRole per account)
#      and warm (role credentials cached), all accounts side by side as the refresher does
#   b) memory the resulting immutable snapshot holds (bytes per instance)
#   c) index build time, forward lookups/s through the name resolver (name.alias.suffix, instance id, IP) and
#      reverse lookups/s
# then the medians side by side with their ratio. Fails if a forward lookup takes 1 µs or more, or if a median of
# this tree is more than BENCH_MAX_SLOWDOWN (default 1.10) times the baseline's (warm refresh, index build, lookups).
#
# Environment: BENCH_ACCOUNTS (default 20), BENCH_INSTANCES (500 per account: 10,000 in all), BENCH_REGIONS
# (eu-west-1, comma-separated; instances are spread over them), BENCH_PAGE_SIZE (1000: DescribeInstances page size),
# BENCH_RUNS (3 per side), BENCH_BASELINE (git commit), BENCH_MAX_SLOWDOWN (1.10), BENCH_TIERED_COMPILATION (0).
# Needs only the .NET SDK and git. Talks to 127.0.0.1 only.
set -euo pipefail

BENCH_ACCOUNTS=${BENCH_ACCOUNTS:-20}
BENCH_INSTANCES=${BENCH_INSTANCES:-500}
BENCH_REGIONS=${BENCH_REGIONS:-eu-west-1}
BENCH_PAGE_SIZE=${BENCH_PAGE_SIZE:-1000}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_BASELINE=${BENCH_BASELINE:-10ff1cb}
BENCH_MAX_SLOWDOWN=${BENCH_MAX_SLOWDOWN:-1.10}
# Both sides run with tiered compilation off: each program times one pass of each phase, and with tiering on that pass
# also measures when the runtime happens to recompile the hot methods (the same lookup loop measured 420 ns in its
# first pass and 190 ns in later ones, on either side), which hides the code's own difference. 1 turns it back on.
BENCH_TIERED_COMPILATION=${BENCH_TIERED_COMPILATION:-0}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
work=$(mktemp -d /tmp/bastion-bench-inventory.XXXXXX)
fake_pid=""

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
    if [[ -d "$work/baseline" ]]; then
        git -C "$root" worktree remove --force "$work/baseline" >/dev/null 2>&1 || true
    fi
    if [[ -n "$fake_pid" ]] && kill -0 "$fake_pid" 2>/dev/null; then
        kill "$fake_pid" 2>/dev/null || true
        wait "$fake_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

log "building this tree"
dotnet build -c Release "$root/bench/InventoryBench" -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
log "building the baseline $BENCH_BASELINE"
git -C "$root" worktree add --detach "$work/baseline" "$BENCH_BASELINE" >"$work/worktree.log" 2>&1 || { cat "$work/worktree.log"; exit 1; }
dotnet build -c Release "$work/baseline/bench/InventoryBench" -v quiet -nologo >"$work/build-baseline.log" 2>&1 || { cat "$work/build-baseline.log"; exit 1; }
baseline_dll="$work/baseline/bench/InventoryBench/bin/Release/net10.0/InventoryBench.dll"
fake_dll="$root/tests/fixtures/Bastion.FakeAws/bin/Release/net10.0/Bastion.FakeAws.dll"
bench_dll="$root/bench/InventoryBench/bin/Release/net10.0/InventoryBench.dll"

log "starting fake AWS: $BENCH_ACCOUNTS accounts x $BENCH_INSTANCES instances in $BENCH_REGIONS"
mkfifo "$work/stdin"
# The fake stops when its standard input closes; hold the fifo open for as long as this script runs.
exec 3<>"$work/stdin"
dotnet "$fake_dll" --port 0 --accounts "$BENCH_ACCOUNTS" --instances "$BENCH_INSTANCES" \
    --regions "$BENCH_REGIONS" --page-size "$BENCH_PAGE_SIZE" --write-config "$work/gateway-ec2.json" \
    <&3 >"$work/fake.out" 2>&1 &
fake_pid=$!
for _ in $(seq 1 300); do
    grep -q '^FAKEAWS_URL=' "$work/fake.out" 2>/dev/null && break
    kill -0 "$fake_pid" 2>/dev/null || { cat "$work/fake.out"; exit 1; }
    sleep 0.1
done
url=$(sed -n 's/^FAKEAWS_URL=//p' "$work/fake.out")
[[ -n "$url" ]] || { log "fake AWS did not start"; cat "$work/fake.out"; exit 1; }
log "fake AWS at $url (gateway settings for it: $work/gateway-ec2.json)"

log "refreshing and resolving: $BENCH_RUNS runs each, alternating baseline and this tree"
status=0
for run in $(seq 1 "$BENCH_RUNS"); do
    for side in baseline current; do
        dll=$bench_dll; [[ $side == baseline ]] && dll=$baseline_dll
        rc=0
        DOTNET_TieredCompilation=$BENCH_TIERED_COMPILATION dotnet "$dll" "$url" "$BENCH_ACCOUNTS" "$BENCH_REGIONS" "${BENCH_LOOKUPS:-2000000}" \
            >"$work/$side.$run.txt" 2>"$work/$side.$run.err" || rc=$?
        if [[ $rc -eq 2 || ! -s $work/$side.$run.txt ]]; then cat "$work/$side.$run.err"; exit 1; fi
        [[ $side == current && $rc -ne 0 ]] && status=1
    done
done
fake_rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$fake_pid/status")

echo "EC2 inventory: refresh, snapshot and lookups (InventoryBench against the fake AWS process), baseline $BENCH_BASELINE vs this tree"
echo "--- this tree, last run"
cat "$work/current.$BENCH_RUNS.txt"
echo "--- baseline, last run"
cat "$work/baseline.$BENCH_RUNS.txt"
echo "fake AWS process RSS                  $((fake_rss_kib / 1024)) MiB (not part of the gateway)"

# figure NAME SED-EXPRESSION: the median over the runs of each side, and their ratio.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
slower=0
printf '\n%-34s %12s %12s %7s\n' "median of $BENCH_RUNS runs" baseline "this tree" ratio
figure() {
    local name=$1 expr=$2 unit=$3 base cur ratio
    base=$(cat "$work"/baseline.*.txt | sed -n "$expr" | median)
    cur=$(cat "$work"/current.*.txt | sed -n "$expr" | median)
    ratio=$(awk -v b="$base" -v c="$cur" 'BEGIN { printf "%.2f", (b > 0 ? c / b : 0) }')
    printf '%-34s %10s %s %10s %s %7s\n' "$name" "$base" "$unit" "$cur" "$unit" "$ratio"
    if awk -v r="$ratio" -v m="$BENCH_MAX_SLOWDOWN" 'BEGIN { exit !(r > m) }'; then slower=1; echo "  ^ more than ${BENCH_MAX_SLOWDOWN}x the baseline" >&2; fi
}
figure "full refresh, warm"        's/^full refresh, warm (cached roles) *\([0-9.]*\) s.*/\1/p' s
figure "lookup index build"        's/^lookup index build *\([0-9.]*\) ms.*/\1/p' ms
figure "forward lookup"            's/^forward lookups.* \([0-9.]*\) ns each.*/\1/p' ns
figure "reverse lookup"            's/^reverse lookups.* \([0-9.]*\) ns each.*/\1/p' ns
if [[ $status -ne 0 ]]; then
    echo "FAILED: forward lookups must take under 1 µs each" >&2
    exit 1
fi
if [[ $slower -ne 0 ]]; then
    echo "FAILED: this tree is more than ${BENCH_MAX_SLOWDOWN}x the baseline on a figure above" >&2
    exit 1
fi
