#!/usr/bin/env bash
# Runs secmcp's coverage-guided fuzz targets (fuzz/, cargo-fuzz + libFuzzer).
#
#   scripts/fuzz.sh                      # every target, 3 s each (the CI smoke)
#   scripts/fuzz.sh 600                  # every target, 10 minutes each
#   scripts/fuzz.sh 60 argv_nmap url     # some targets
#   FUZZ_RUNS=10000000 scripts/fuzz.sh 0 target_scope   # a fixed number of executions
#   FUZZ_MERGE=1 scripts/fuzz.sh 60      # then minimise fuzz/corpus/<target> with what was found
#   FUZZ_BUILD_ONLY=1 scripts/fuzz.sh    # build the targets and the fuzz crate's tests, run nothing
#   FUZZ_TESTS=1 scripts/fuzz.sh         # first run the fuzz crate's own tests (fuzz/tests/:
#                                        # the corpora pass and reach permits; the checker refuses)
#
# Each target starts from its committed corpus (fuzz/corpus/<target>, read only unless
# FUZZ_MERGE=1); new inputs go to a scratch directory. A crash or a broken invariant
# (each target asserts its invariants, see fuzz/src/) fails the run and leaves the input
# under $FUZZ_ARTIFACTS (default: <target dir>/fuzz-artifacts). One line per target:
#   fuzz: PASS argv_nmap execs=41234 cov=2211 ft=5310 secs=3
#
# The build uses the nightly toolchain when installed, else stable with RUSTC_BOOTSTRAP=1
# (cargo-fuzz needs unstable flags); no sanitizer (the code under test has no unsafe)
# but debug assertions on, so integer overflow is a finding too. cargo-fuzz is taken from
# PATH or from $SECMCP_TEST_CACHE/cargo-fuzz/bin (scripts/install-test-deps.sh puts it
# there). Build output: $SECMCP_FUZZ_TARGET_DIR, default $SECMCP_TEST_CACHE/fuzz-target
# (kept between runs so CI rebuilds only what changed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="${SECMCP_TEST_CACHE:-${HOME:-/root}/.cache/secmcp-ci}"
SECS="${1:-3}"
shift || true
TARGET_DIR="${SECMCP_FUZZ_TARGET_DIR:-$CACHE/fuzz-target}"

log() { printf '[fuzz.sh] %s\n' "$*" >&2; }

[[ -d "$CACHE/cargo-fuzz/bin" ]] && PATH="$CACHE/cargo-fuzz/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null; then
    log "cargo-fuzz is not installed; run scripts/install-test-deps.sh"
    exit 1
fi
TOOLCHAIN=()
if cargo +nightly --version >/dev/null 2>&1; then
    TOOLCHAIN=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
    log "no nightly toolchain: building with stable and RUSTC_BOOTSTRAP=1"
fi

cd "$ROOT/fuzz"
mapfile -t ALL < <(cargo "${TOOLCHAIN[@]}" fuzz list)
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=("${ALL[@]}")

log "cargo fuzz build into $TARGET_DIR"
cargo "${TOOLCHAIN[@]}" fuzz build -s none -a --target-dir "$TARGET_DIR" >&2
# The crate's tests build without the fuzzing flags: a directory of their own, so the
# two builds never invalidate each other.
TEST_TARGET_DIR="$TARGET_DIR/tests"
if [[ "${FUZZ_BUILD_ONLY:-0}" == 1 ]]; then
    cargo "${TOOLCHAIN[@]}" test --target-dir "$TEST_TARGET_DIR" --no-run >&2
    exit 0
fi
if [[ "${FUZZ_TESTS:-0}" == 1 ]]; then
    if cargo "${TOOLCHAIN[@]}" test --target-dir "$TEST_TARGET_DIR" >"$TEST_TARGET_DIR.log" 2>&1; then
        echo "fuzz: PASS tests ($(grep -E '^test result' "$TEST_TARGET_DIR.log" | sed -nE 's/.* ([0-9]+) passed.*/\1/p' | awk '{s+=$1} END {print s+0}') passed)"
    else
        echo "fuzz: FAIL tests"
        grep -E 'panicked|FAILED|^error' -A5 "$TEST_TARGET_DIR.log" | head -30
        exit 1
    fi
fi
BIN="$TARGET_DIR/$(rustc -vV | sed -n 's/^host: //p')/release"

ARTIFACTS="${FUZZ_ARTIFACTS:-$TARGET_DIR/fuzz-artifacts}"
mkdir -p "$ARTIFACTS"
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

failed=()
for t in "${TARGETS[@]}"; do
    corpus="$ROOT/fuzz/corpus/$t"
    mkdir -p "$corpus" "$SCRATCH/$t"
    limit=(-max_total_time="$SECS")
    [[ -n "${FUZZ_RUNS:-}" ]] && limit=(-runs="$FUZZ_RUNS")
    out="$SCRATCH/$t.log"
    rc=0
    start=$(date +%s)
    "$BIN/$t" "${limit[@]}" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$ARTIFACTS/$t-" "$SCRATCH/$t" "$corpus" >"$out" 2>&1 || rc=$?
    secs=$(($(date +%s) - start))
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$out" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$out" | tail -1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$out" | tail -1 | cut -d' ' -f2)
    if [[ "$rc" == 0 ]]; then
        echo "fuzz: PASS $t execs=${execs:-0} cov=${cov:-0} ft=${ft:-0} secs=$secs"
    else
        echo "fuzz: FAIL $t (exit $rc) execs=${execs:-0} secs=$secs"
        grep -E 'panicked at|assertion|SUMMARY|Test unit written' -A3 "$out" | head -20
        failed+=("$t")
    fi
    [[ -n "${FUZZ_LOG_DIR:-}" ]] && mkdir -p "$FUZZ_LOG_DIR" && cp "$out" "$FUZZ_LOG_DIR/$t.log"
    if [[ "${FUZZ_MERGE:-0}" == 1 && "$rc" == 0 ]]; then
        merged="$SCRATCH/$t.merged"
        mkdir -p "$merged"
        "$BIN/$t" -merge=1 "$merged" "$corpus" "$SCRATCH/$t" >/dev/null 2>&1
        find "$corpus" -maxdepth 1 -type f ! -name 'seed-*' -delete
        find "$corpus" -maxdepth 1 -type f -name 'seed-*' -delete
        cp "$merged"/* "$corpus"/ 2>/dev/null || true
    fi
done

if ((${#failed[@]})); then
    log "failed: ${failed[*]} (inputs under $ARTIFACTS)"
    exit 1
fi
