#!/usr/bin/env bash
# MCP conformance suite (@modelcontextprotocol/conformance, pinned in
# scripts/install-test-deps.sh) against:
#
#  (a) the real secmcp server (HTTP, lab config): the protocol-level scenarios only,
#      since secmcp has no fixture tools/resources/prompts; one run per scenario and
#      protocol revision;
#  (b) secmcp-conformance-fixture, the same transport stack with the suite's fixture
#      tools/resources/prompts mounted (see SCENARIOS.md): the full required set
#      of each revision (`--requirements REV`).
#
# Expected failures: expected-failures-secmcp-REV.yml (a) and
# expected-failures-fixture-REV.yml (b), in the suite's baseline format; each entry
# must carry a comment saying why. A stale entry (now passing) fails the run too.
#
# One line per check for scripts/test.sh: "conformance: PASS|FAIL|SKIP <what>".
# Usage: tests/conformance/run.sh [secmcp|fixture]...   (default: both)
# Env: SECMCP_BIN, SECMCP_FIXTURE_BIN, SECMCP_REQUIRE_FIXTURE=1 (fail if the fixture
#      binary is missing instead of skipping), CONFORMANCE_VERBOSE=1.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=../lab/server.sh
. "$ROOT/tests/lab/server.sh"

: "${SECMCP_BIN:?SECMCP_BIN not set (run via scripts/test.sh conformance)}"
FIXTURE_BIN="${SECMCP_FIXTURE_BIN:-$(dirname "$SECMCP_BIN")/examples/secmcp-conformance-fixture}"
CONFIG="$ROOT/tests/e2e/configs/lab.yaml"
REVISIONS=(2025-11-25 2026-07-28)
export NO_COLOR=1 FORCE_COLOR=0

# Protocol-level scenarios that a tools-only server can and must pass, per revision.
# (From `conformance list --server`: the others call fixture tools/resources/prompts.)
SECMCP_SCENARIOS_2025_11_25=(
    server-initialize
    server-session-lifecycle
    ping
    tools-list
    server-sse-multiple-streams
    dns-rebinding-protection
)
SECMCP_SCENARIOS_2026_07_28=(
    server-stateless
    tools-list
    server-sse-multiple-streams
    dns-rebinding-protection
    caching
    http-header-validation
    input-required-result-unsupported-methods
)

TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(secmcp fixture)
FAILED=0
OUT=$(mktemp -d "${TMPDIR:-/tmp}/secmcp-conformance.XXXXXX")
trap 'server_stop; rm -rf "$OUT"' EXIT

command -v conformance >/dev/null || { echo "conformance: FAIL setup (conformance CLI not on PATH; run scripts/install-test-deps.sh)"; exit 1; }

# Does the baseline file mention this scenario (as a whole or per check)?
baseline_has() { # file scenario
    [[ -f "$1" ]] && grep -Eq "^[[:space:]]*-[[:space:]]*['\"]?$2(:|['\"]?[[:space:]]*(#.*)?$)" "$1"
}

report() { # rc label logfile
    if [[ "$1" == 0 ]]; then
        echo "conformance: PASS $2"
    else
        echo "conformance: FAIL $2"
        FAILED=$((FAILED + 1))
        if [[ "${CONFORMANCE_VERBOSE:-0}" != 1 ]]; then
            # The suite's own explanation: failed checks, baseline verdicts.
            sed -E 's/\x1b\[[0-9;]*m//g' "$3" |
                grep -E '^\s+- [A-Za-z0-9]+: |^\s+Error: |^\s+[✗✓~] |^(Unexpected|Stale|Baseline)|^(Passed|Total): ' |
                head -60 | sed 's/^/    /'
        fi
    fi
}

run_secmcp() {
    server_start secmcp-conformance "$SECMCP_BIN" serve --transport http --host 127.0.0.1 --port @PORT@ \
        --config "$CONFIG" --data-dir "$OUT/data" || { echo "conformance: FAIL secmcp server start"; FAILED=$((FAILED + 1)); return; }
    local rev var s log baseline args rc
    for rev in "${REVISIONS[@]}"; do
        var="SECMCP_SCENARIOS_${rev//-/_}[@]"
        baseline="$HERE/expected-failures-secmcp-$rev.yml"
        for s in "${!var}"; do
            log="$OUT/secmcp-$rev-$s.log"
            args=(server --url "$SERVER_URL" --scenario "$s" --spec-version "$rev")
            baseline_has "$baseline" "$s" && args+=(--expected-failures "$baseline")
            [[ "${CONFORMANCE_VERBOSE:-0}" == 1 ]] && args+=(--verbose)
            timeout 300 conformance "${args[@]}" >"$log" 2>&1 </dev/null
            rc=$?
            [[ "${CONFORMANCE_VERBOSE:-0}" == 1 ]] && cat "$log"
            if grep -q '^SKIPPED: scenario' "$log"; then
                echo "conformance: FAIL secmcp $rev $s (suite says not applicable at $rev: fix the scenario list)"
                FAILED=$((FAILED + 1))
                continue
            fi
            local expected
            expected=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -cE '^\s+~ ' || true)
            report "$rc" "secmcp $rev $s ($(grep -E '^Passed: ' "$log" | tail -1)$( [[ "$expected" != 0 ]] && echo "; $expected expected per baseline"))" "$log"
        done
    done
    server_stop
}

run_fixture() {
    if [[ ! -x "$FIXTURE_BIN" ]]; then
        if [[ "${SECMCP_REQUIRE_FIXTURE:-0}" == 1 ]]; then
            echo "conformance: FAIL fixture (binary $FIXTURE_BIN not built)"
            FAILED=$((FAILED + 1))
        else
            echo "conformance: SKIP fixture (secmcp-conformance-fixture not built yet; see tests/conformance/SCENARIOS.md)"
        fi
        return
    fi
    local rev log baseline args rc
    for rev in "${REVISIONS[@]}"; do
        server_start secmcp-fixture "$FIXTURE_BIN" --port @PORT@ ||
            { echo "conformance: FAIL fixture server start"; FAILED=$((FAILED + 1)); return; }
        log="$OUT/fixture-$rev.log"
        baseline="$HERE/expected-failures-fixture-$rev.yml"
        args=(server --url "$SERVER_URL" --requirements "$rev")
        [[ -f "$baseline" ]] && args+=(--expected-failures "$baseline")
        timeout 1500 conformance "${args[@]}" >"$log" 2>&1 </dev/null
        rc=$?
        [[ "${CONFORMANCE_VERBOSE:-0}" == 1 ]] && cat "$log"
        # Per-scenario lines from the suite's summary: "✓ name: N passed, M failed".
        # The suite does not score the tasks extension (tasks-*), so its exit code
        # ignores them; the fixture implements it, and any failed check fails here.
        grep -E '^(✓|✗) ' "$log" | sed 's/^/    /'
        if grep -qE '^✗ tasks-' "$log"; then
            rc=1
            echo "    tasks extension: a tasks-* scenario failed (see above)"
        fi
        report "$rc" "fixture $rev --requirements ($(grep -E '^Total: ' "$log" | tail -1))" "$log"
        server_stop
    done
}

for t in "${TARGETS[@]}"; do
    case "$t" in
    secmcp) run_secmcp ;;
    fixture) run_fixture ;;
    *) echo "unknown target $t (secmcp|fixture)" >&2; exit 2 ;;
    esac
done
exit $((FAILED > 0))
