#!/usr/bin/env bash
# Runs pactum's fuzz targets (cargo-fuzz / libFuzzer) for a given time each, on the stable
# toolchain, and prints per target the executions, speed, corpus and whether it failed.
#
#   fuzz/run.sh [-j JOBS] [-x PATTERN] SECONDS [TARGET...]
#
#   SECONDS     time per target (libFuzzer's -max_total_time)
#   -j JOBS     run up to JOBS targets at once (default 1: one after another)
#   -x PATTERN  leave out the seeds whose file name matches PATTERN (a grep -E regex), e.g.
#               a seed that leads straight to a known, still open bug
#   TARGET      policy_parse, proposal_text, proposal_json, check_render, cli_walk, lint, fmt
#               (default: all)
#
# Exits 0 when no target failed, 1 when one crashed, timed out or ran out of memory (the
# input is saved under fuzz/artifacts/<target>/; see docs/fuzzing.md), 2 on a usage or
# build error. Environment: SANITIZER (none (default) or address), FUZZ_ARGS (extra libFuzzer
# flags; `FUZZ_ARGS="-runs=10000000 -fork=2 -ignore_timeouts=0 -ignore_ooms=0 -ignore_crashes=0"`
# runs one campaign of 10 million executions on two worker processes, one per core, that
# still stops at the first crash, timeout or out-of-memory).
#
# AddressSanitizer needs a nightly compiler option (-Zsanitizer); on the stable toolchain
# RUSTC_BOOTSTRAP=1 lets rustc accept it (the default, SANITIZER=none, needs no such option).
# New corpus entries go to fuzz/corpus-run/<target>/ (not committed); the seeds in
# fuzz/corpus/<target>/ are only read.
set -uo pipefail

usage() { sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

jobs=1
exclude=
while getopts "j:x:h" opt; do
  case "$opt" in
    j) jobs="$OPTARG" ;;
    x) exclude="$OPTARG" ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
secs="$1"; shift
[[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -gt 0 ] || usage
[[ "$jobs" =~ ^[0-9]+$ ]] && [ "$jobs" -gt 0 ] || usage

all=(policy_parse proposal_text proposal_json check_render cli_walk lint fmt)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  case " ${all[*]} " in *" $t "*) ;; *) echo "unknown target: $t" >&2; usage ;; esac
done

dict_of() { case "$1" in policy_parse|lint|fmt) echo policy.dict ;; cli_walk) echo names.dict ;; *) echo proposal.dict ;; esac; }
# The longest input libFuzzer makes: 4 KiB (libFuzzer's own default when it is not given
# one) for the policy targets and check_render, 2 KiB for cli_walk (a tree of 24 entries with
# names of 40 bytes), 64 KiB for the two proposal parsers (fast enough to take whole
# proposals). Without a bound, libFuzzer takes the largest seed's length (the 47 KB whole
# standard library, the 29 KB proposals the corpus grew to), most inputs become mutants of
# it, and a target runs at a fifth of the speed or less: the crashes fuzzing finds come from
# small inputs, and a longer seed still gives its first 4 KiB.
max_len_of() { case "$1" in cli_walk) echo 2048 ;; proposal_text|proposal_json) echo 65536 ;; *) echo 4096 ;; esac; }

fuzz="$(cd "$(dirname "$0")" && pwd)"
cd "$fuzz" || exit 2
export RUSTC_BOOTSTRAP=1
sanitizer="${SANITIZER:-none}"

if ! cargo fuzz --version > /dev/null 2>&1; then
  echo "== cargo-fuzz is missing: installing it" >&2
  cargo install cargo-fuzz --locked || exit 2
fi

# The commit fuzzed: the tree as built now (the summary is written at the end, when HEAD
# may have moved on).
built="$(git -C "$fuzz" rev-parse --short HEAD 2>/dev/null || echo '?')"
if [ -n "$(git -C "$fuzz/.." status --porcelain --untracked-files=no -- src 2>/dev/null)" ]; then
  built="$built + uncommitted changes in src/"
fi
echo "== building the fuzz targets (stable toolchain, RUSTC_BOOTSTRAP=1, sanitizer $sanitizer)"
cargo --version
# Release mode with debug assertions and overflow checks (cargo-fuzz's default). No
# sanitizer by default: pactum forbids unsafe code, and AddressSanitizer halves the speed.
if ! cargo fuzz build --features cli --sanitizer "$sanitizer" > "$fuzz/build.log" 2>&1; then
  tail -30 "$fuzz/build.log" >&2
  echo "build failed (full log: fuzz/build.log)" >&2
  exit 2
fi

triple="$(rustc -vV | sed -n 's/^host: //p')"
bindir="$fuzz/target/$triple/release"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
logdir="$fuzz/logs/$stamp"
mkdir -p "$logdir"

run_one() {
  local t="$1" log="$logdir/$1.log" seeds="corpus/$1"
  mkdir -p "corpus-run/$t" "artifacts/$t"
  if [ -n "$exclude" ]; then
    seeds="$logdir/seeds-$t"
    mkdir -p "$seeds"
    find "corpus/$t" -type f | grep -Ev -- "$exclude" | xargs -r cp -t "$seeds"
    echo "   $t: $(find "corpus/$t" -type f | grep -Ec -- "$exclude") seed(s) left out (-x $exclude)"
  fi
  local t0=$SECONDS
  # An outer timeout in case libFuzzer itself hangs (it should stop at -max_total_time).
  # shellcheck disable=SC2086
  timeout --signal=INT --kill-after=60 $((secs + 300)) \
    "$bindir/$t" "corpus-run/$t" "$seeds" \
      -dict="dict/$(dict_of "$t")" -max_len="$(max_len_of "$t")" \
      -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
      ${FUZZ_ARGS:-} > "$log" 2>&1
  echo $? > "$logdir/$t.rc"
  echo $((SECONDS - t0)) > "$logdir/$t.secs"
}

echo "== fuzzing ${targets[*]} for ${secs}s each, $jobs at a time (logs: fuzz/logs/$stamp/)"
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
  echo "   start $t ($(date -u +%H:%M:%SZ))"
  run_one "$t" &
  running=$((running + 1))
done
wait

failed=0
summary="$logdir/summary.txt"
{
  echo "commit $built, sanitizer $sanitizer, ${secs}s per target, $(date -u +%Y-%m-%d)"
  printf '%-14s %8s %12s %8s %9s %12s  %s\n' target seconds executions exec/s corpus "corpus size" result
  for t in "${targets[@]}"; do
    log="$logdir/$t.log"
    rc="$(cat "$logdir/$t.rc" 2>/dev/null || echo '?')"
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
    took="$(cat "$logdir/$t.secs" 2>/dev/null)"
    corp="$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 | sed 's/corp: //')"
    if [ -z "$execs" ]; then
      # Fork mode (-fork=N in FUZZ_ARGS) prints no final stats: the total of its workers'
      # executions is on its last status line (`#N: cov: ... corp: K ...`).
      execs="$(grep -oE '^#[0-9]+: cov' "$log" | tail -1 | tr -dc '0-9')"
      corp="$(grep -oE '^#[0-9]+: cov: .* corp: [0-9]+' "$log" | tail -1 | sed 's/.*corp: //')"
      [ -n "$execs" ] && [ -n "$took" ] && [ "$took" -gt 0 ] && rate=$((execs / took))
    fi
    units="${corp%%/*}"; size="${corp#*/}"
    artifact="$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')"
    if [ "$rc" = 0 ]; then
      result=ok
    else
      failed=1
      if grep -q 'ERROR: libFuzzer: timeout' "$log"; then result="TIMEOUT"
      elif grep -q 'out-of-memory' "$log"; then result="OUT OF MEMORY"
      elif grep -q 'deadly signal\|ERROR: AddressSanitizer\|panicked' "$log"; then result="CRASH"
      else result="FAILED (exit $rc)"
      fi
      [ -n "$artifact" ] && result="$result: fuzz/$artifact"
    fi
    printf '%-14s %8s %12s %8s %9s %12s  %s\n' "$t" "${took:-?}" "${execs:-?}" "${rate:-?}" \
      "${units:-?}" "${size:-?}" "$result"
  done
} > "$summary" # (braces, not a pipe: `failed` is set in this shell)
cat "$summary"
if [ "$failed" -ne 0 ]; then
  echo "== a target failed: see its log in fuzz/logs/$stamp/ and docs/fuzzing.md" >&2
  exit 1
fi
echo "== no crash"
