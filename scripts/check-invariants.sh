#!/usr/bin/env bash
# The design's invariants that the compiler does not check, each a line of output:
#
#   invariant: PASS|FAIL <what>
#
# 1. The pure crates (secmcp-policy, secmcp-output) depend on no async runtime, network,
#    process, database or FFI crate, and their sources name no std I/O: they decide and
#    parse, they never act (docs/ARCHITECTURE.md).
# 2. Only secmcp-runner starts processes (clippy's disallowed-methods enforces the call
#    sites; here: no other crate holds an allow for it).
# Exit status: 0 when every check passes.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

failed=0
check() { # name, then a command whose success means PASS
    local name=$1
    shift
    if "$@"; then
        echo "invariant: PASS $name"
    else
        echo "invariant: FAIL $name"
        failed=1
    fi
}

FORBIDDEN_DEPS='^(tokio|tokio-util|mio|futures|futures-util|async-trait|rmcp|hyper|hyper-util|axum|tower|reqwest|sqlx|sqlx-core|rusqlite|libc|nix|socket2|tempfile|tracing|governor)$'

pure_deps_ok() { # crate
    local deps bad
    deps=$(cargo tree -p "$1" -e normal --prefix none --offline 2>/dev/null | awk '{print $1}' | sort -u) || return 1
    [[ -n "$deps" ]] || return 1
    bad=$(grep -E "$FORBIDDEN_DEPS" <<<"$deps" || true)
    if [[ -n "$bad" ]]; then
        echo "  $1 depends on: $(tr '\n' ' ' <<<"$bad")"
        return 1
    fi
}

pure_src_ok() { # crate dir
    local hits
    hits=$(grep -rnE 'std::(fs|process|env|thread|os)\b|std::net::(Tcp|Udp)|std::io::(stdin|stdout|stderr)\b' "$1/src" || true)
    if [[ -n "$hits" ]]; then
        echo "$hits" | sed 's/^/  /'
        return 1
    fi
}

spawn_allow_only_in_runner() {
    local hits
    hits=$(grep -rln 'allow(clippy::disallowed_methods)' crates/*/src --include='*.rs' | grep -v '^crates/secmcp-runner/' || true)
    if [[ -n "$hits" ]]; then
        echo "  outside the runner: $hits"
        return 1
    fi
}

for c in secmcp-policy secmcp-output; do
    check "$c has no I/O, async, process or FFI dependency" pure_deps_ok "$c"
    check "$c sources use no std I/O" pure_src_ok "crates/$c"
done
check "only secmcp-runner may start processes" spawn_allow_only_in_runner
exit "$failed"
