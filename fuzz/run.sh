#!/usr/bin/env bash
# Coverage-guided fuzzing of Bastion's parsers and SSH state machines with SharpFuzz + AFL++ (see fuzz/README.md).
#   fuzz/run.sh TARGET SECONDS      build (Release), instrument, run afl-fuzz on TARGET for SECONDS
#   fuzz/run.sh all SECONDS         the same for every target in turn (the corpus is replayed first)
#   fuzz/run.sh replay [TARGET|all] no AFL: replay fuzz/corpus (and any crashes/hangs AFL saved) in-process
#   fuzz/run.sh campaign TARGET|all SECONDS  resume TARGET's long-running campaign, append a row to fuzz/campaigns.tsv
#   fuzz/run.sh summary             executions per target summed over fuzz/campaigns.tsv
#   fuzz/run.sh list                the target names
# Prints per target: executions, execs/s, corpus size, bitmap coverage, crashes, hangs. Exit 1 on any crash or hang.
# Findings (AFL's output directories) are kept under fuzz/.build/findings/TARGET/default/{crashes,hangs}.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=$root/fuzz/.build
corpus=$root/fuzz/corpus
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -ge 1 ]] || usage

build_harness() {
  echo "run.sh: building Bastion.Fuzz (Release)" >&2
  dotnet build fuzz/Bastion.Fuzz/Bastion.Fuzz.csproj -c Release -o "$build/bin" -v quiet -nologo -clp:ErrorsOnly >/dev/null || { echo "run.sh: build failed" >&2; dotnet build fuzz/Bastion.Fuzz/Bastion.Fuzz.csproj -c Release -o "$build/bin" -v quiet -nologo >&2; exit 1; }
}

# SharpFuzz rewrites the assemblies under test in place, adding AFL's edge coverage; the copy in bin/ stays plain for replay.
instrument() {
  local stamp
  stamp=$(cat "$build"/bin/{Bastion.Ssh,Bastion.Core,Bastion.Hosting,bastion,Bastion.Fuzz}.dll | sha256sum | cut -c1-16)
  if [[ -f $build/instrumented/.stamp && $(cat "$build/instrumented/.stamp") == "$stamp" ]]; then
    return
  fi
  echo "run.sh: instrumenting Bastion.Ssh, Bastion.Core, Bastion.Hosting, Bastion.Gateway with sharpfuzz" >&2
  rm -rf "$build/instrumented"
  cp -r "$build/bin" "$build/instrumented"
  dotnet tool restore >/dev/null
  for assembly in Bastion.Ssh Bastion.Core Bastion.Hosting bastion; do  # bastion.dll is Bastion.Gateway
    dotnet tool run sharpfuzz "$build/instrumented/$assembly.dll" >&2
  done
  echo "$stamp" > "$build/instrumented/.stamp"
}

targets() { dotnet "$build/bin/Bastion.Fuzz.dll" list; }

replay() {
  local name=$1 status=0 extra=()
  for dir in "$build/findings/$name/default/crashes" "$build/findings/$name/default/hangs"; do
    [[ -d $dir ]] && extra+=("$dir")
  done
  dotnet "$build/bin/Bastion.Fuzz.dll" replay "$name" "$corpus/$name" "${extra[@]}" || status=1
  return $status
}

stat() { grep -E "^$1 *:" "$2" | head -1 | sed 's/^[^:]*: *//'; }

# afl NAME INPUT OUT SECONDS [AFL OPTION…]: afl-fuzz on NAME's instrumented harness, its log in OUT/afl.log (tail
# shown on failure).
afl() {
  local name=$1 input=$2 out=$3 seconds=$4
  shift 4
  AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 \
  AFL_SKIP_CRASHES=1 AFL_FAST_CAL=1 AFL_NO_WARN_INSTABILITY=1 AFL_QUIET=1 \
    timeout -k 10 $((seconds + 300)) afl-fuzz -i "$input" -o "$out" -t 1000 -m none -V "$seconds" "$@" \
      -- dotnet "$build/instrumented/Bastion.Fuzz.dll" "$name" >"$out/afl.log" 2>&1 || {
        echo "run.sh: afl-fuzz failed for $name; last lines of $out/afl.log:" >&2
        tail -n 15 "$out/afl.log" >&2
        return 1
      }
}

fuzz_one() {
  local name=$1 seconds=$2 out=$build/findings/$1
  if ! command -v afl-fuzz >/dev/null; then
    echo "run.sh: afl-fuzz not found; apt-get install -y afl++" >&2
    exit 1
  fi
  rm -rf "$out"
  mkdir -p "$out"
  # Seeds that crash are reported by the replay that precedes fuzzing; AFL itself skips them.
  # A fixed seed makes the regression run walk the same mutations everywhere, so what passes here passes in CI
  # (timing aside); finding new inputs is the campaigns' job.
  afl "$name" "$corpus/$name" "$out" "$seconds" -s 1 || return 1
  local stats=$out/default/fuzzer_stats crashes hangs
  crashes=$(stat saved_crashes "$stats"); crashes=${crashes:-$(stat unique_crashes "$stats")}
  hangs=$(stat saved_hangs "$stats"); hangs=${hangs:-$(stat unique_hangs "$stats")}
  printf '%-36s %12s %10s %8s %8s %8s %6s\n' "$name" "$(stat execs_done "$stats")" "$(stat execs_per_sec "$stats")" \
    "$(stat corpus_count "$stats")" "$(stat bitmap_cvg "$stats")" "$crashes" "$hangs"
  if [[ ${crashes:-0} != 0 || ${hangs:-0} != 0 ]]; then
    echo "run.sh: $name: findings in $out/default/crashes and hangs; what each one throws:" >&2
    replay "$name" >&2 || true
    return 1
  fi
}

# A campaign keeps its AFL state in fuzz/.build/campaigns/TARGET and resumes it, so coverage found in one sitting is
# where the next starts; each sitting appends a row to fuzz/campaigns.tsv (committed: the record behind README's table).
campaign_one() {
  local name=$1 seconds=$2 out=$build/campaigns/$1 input before after executions started_at
  mkdir -p "$out"
  input=$corpus/$name
  [[ -f $out/default/fuzzer_stats ]] && input=-
  before=0
  [[ -f $out/default/fuzzer_stats ]] && before=$(stat execs_done "$out/default/fuzzer_stats")
  started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  AFL_AUTORESUME=1 afl "$name" "$input" "$out" "$seconds" || return 1
  local stats=$out/default/fuzzer_stats crashes hangs
  after=$(stat execs_done "$stats")
  # AFL++ carries execs_done over on resume; a count below the previous one means it started from zero.
  executions=$(( after >= before ? after - before : after ))
  crashes=$(ls "$out/default/crashes" 2>/dev/null | grep -vc README || true)
  hangs=$(ls "$out/default/hangs" 2>/dev/null | wc -l)
  [[ -f $root/fuzz/campaigns.tsv ]] || printf 'started_utc\tcommit\ttarget\tseconds\texecutions\tcorpus\tcoverage\tcrashes_total\thangs_total\n' > "$root/fuzz/campaigns.tsv"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$started_at" "$(git -C "$root" rev-parse --short HEAD)" "$name" "$seconds" \
    "$executions" "$(stat corpus_count "$stats")" "$(stat bitmap_cvg "$stats")" "$crashes" "$hangs" >> "$root/fuzz/campaigns.tsv"
  printf '%-36s %12s %10s %8s %8s %8s %6s\n' "$name" "$executions" "$(stat execs_per_sec "$stats")" \
    "$(stat corpus_count "$stats")" "$(stat bitmap_cvg "$stats")" "$crashes" "$hangs"
  if [[ $crashes != 0 || $hangs != 0 ]]; then
    echo "run.sh: $name: findings in $out/default/crashes and hangs; what each one throws:" >&2
    dotnet "$build/bin/Bastion.Fuzz.dll" replay "$name" "$out/default/crashes" "$out/default/hangs" >&2 || true
    return 1
  fi
}

# Executions per target summed over fuzz/campaigns.tsv, with the newest coverage.
summary() {
  awk -F'\t' 'NR > 1 { runs[$3]++; execs[$3] += $5; secs[$3] += $4; cov[$3] = $7; corpus[$3] = $6; bad[$3] = $8 + $9 }
    END { printf "%-36s %6s %14s %9s %8s %9s %8s\n", "target", "runs", "executions", "seconds", "corpus", "coverage", "findings";
          for (t in runs) printf "%-36s %6d %14d %9d %8s %9s %8d\n", t, runs[t], execs[t], secs[t], corpus[t], cov[t], bad[t] }' \
    "$root/fuzz/campaigns.tsv" | { read -r header; echo "$header"; sort; }
}

case $1 in
  summary)
    summary
    ;;
  campaign)
    [[ $# -eq 3 && $3 =~ ^[0-9]+$ ]] || usage
    build_harness
    instrument
    names=$( [[ $2 == all ]] && targets || echo "$2" )
    failed=0
    printf '%-36s %12s %10s %8s %8s %8s %6s\n' target executions execs/s corpus coverage crashes hangs
    for name in $names; do
      campaign_one "$name" "$3" || failed=1
    done
    exit $failed
    ;;
  list)
    build_harness
    targets
    ;;
  replay)
    build_harness
    failed=0
    for name in $( [[ ${2:-all} == all ]] && targets || echo "$2" ); do
      replay "$name" || failed=1
    done
    exit $failed
    ;;
  *)
    [[ $# -eq 2 && $2 =~ ^[0-9]+$ ]] || usage
    build_harness
    instrument
    names=$( [[ $1 == all ]] && targets || echo "$1" )
    failed=0
    started=$(date +%s)
    for name in $names; do
      replay "$name" >/dev/null || { echo "run.sh: $name: the corpus itself fails:" >&2; replay "$name" >&2 || true; failed=1; }
    done
    printf '%-36s %12s %10s %8s %8s %8s %6s\n' target executions execs/s corpus coverage crashes hangs
    for name in $names; do
      fuzz_one "$name" "$2" || failed=1
    done
    echo "run.sh: $(wc -w <<<"$names") target(s), $(( $(date +%s) - started )) s in all" >&2
    exit $failed
    ;;
esac
