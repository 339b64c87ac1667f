#!/usr/bin/env bash
# bench/inventory.sh — EC2 inventory at scale, against the fake AWS (tests/fixtures/Bastion.FakeAws) run as a
# separate process on 127.0.0.1, so the figures include real HTTP, SigV4 signing/verification and XML parsing.
#
# Prints:
#   a) full refresh time of BENCH_ACCOUNTS accounts x BENCH_INSTANCES instances, cold (AssumeRole per account)
#      and warm (role credentials cached), all accounts side by side as the refresher does
#   b) memory the resulting immutable snapshot holds (bytes per instance)
#   c) forward lookups/s through the name resolver (name.alias.suffix, instance id, IP) and reverse lookups/s;
#      the script fails if a forward lookup takes 1 µs or more
#
# Environment: BENCH_ACCOUNTS (default 50), BENCH_INSTANCES (2000 per account), BENCH_REGIONS (eu-west-1,
# comma-separated; instances are spread over them), BENCH_PAGE_SIZE (1000: DescribeInstances page size).
# Needs only the .NET SDK. Talks to 127.0.0.1 only.
set -euo pipefail

BENCH_ACCOUNTS=${BENCH_ACCOUNTS:-50}
BENCH_INSTANCES=${BENCH_INSTANCES:-2000}
BENCH_REGIONS=${BENCH_REGIONS:-eu-west-1}
BENCH_PAGE_SIZE=${BENCH_PAGE_SIZE:-1000}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
work=$(mktemp -d /tmp/bastion-bench-inventory.XXXXXX)
fake_pid=""

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
    if [[ -n "$fake_pid" ]] && kill -0 "$fake_pid" 2>/dev/null; then
        kill "$fake_pid" 2>/dev/null || true
        wait "$fake_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

log "building"
dotnet build -c Release "$root/bench/InventoryBench" -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
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

log "refreshing and resolving"
status=0
dotnet "$bench_dll" "$url" "$BENCH_ACCOUNTS" "$BENCH_REGIONS" "${BENCH_LOOKUPS:-2000000}" >"$work/results.txt" 2>"$work/bench.err" || status=$?
if [[ $status -eq 2 || ! -s $work/results.txt ]]; then cat "$work/bench.err"; exit 1; fi
fake_rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$fake_pid/status")

echo "EC2 inventory: refresh, snapshot and lookups (InventoryBench against the fake AWS process)"
cat "$work/results.txt"
echo "fake AWS process RSS                  $((fake_rss_kib / 1024)) MiB (not part of the gateway)"
if [[ $status -ne 0 ]]; then
    echo "FAILED: forward lookups must take under 1 µs each" >&2
    exit 1
fi
