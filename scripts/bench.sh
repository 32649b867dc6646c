#!/usr/bin/env bash
# Benchmark the release build of secmcp (see docs/PERFORMANCE.md).
#
#   scripts/bench.sh            # BENCH_N=30 rounds (cold starts; x50 for warm calls)
#   BENCH_N=100 scripts/bench.sh
#   BENCH_HTTP_SECS=20 scripts/bench.sh   # longer wrk runs for the HTTP rows
#
# Needs wrk (apt-get install wrk) for the HTTP rows.
#
# Runs inside a private network namespace: the nmap comparison scans 127.0.0.1 only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
cargo build --release -p secmcp --bin secmcp --example bench -p secmcp-store --example store-bench >&2
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cfg=$(mktemp --suffix .yaml)
# A fresh run store per benchmark: never the user's own (or /var/lib/secmcp as root),
# whose size would change the numbers from one recording to the next.
data=$(mktemp -d)
export SECMCP_DATA_DIR="$data"
trap 'rm -f "$cfg"; rm -rf "$data"' EXIT
printf 'security:\n  allowed_targets: [loopback]\n' > "$cfg"
echo "# $(date -u +%F) $(uname -m), $(nproc) cores, $(nmap --version | head -1)" >&2
unshare -n sh -c 'ip link set lo up && "$0" "$1" "$2" && bash "$3" "$1" "$2" "${BENCH_HTTP_SECS:-10}"' \
    "$TARGET/release/examples/bench" "$TARGET/release/secmcp" "$cfg" "$ROOT/scripts/bench-http.sh"
# The run store: one record's cost on a call, memory over 10k runs, list on 100k runs.
"${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/store-bench" "${TMPDIR:-/tmp}"
# What a model reads before its first call: every tool's name, description and input
# schema, in tokens (a Claude tokenizer; see docs/PERFORMANCE.md).
# A venv with the tokenizer (PyPI), made once next to the test tools.
venv="${SECMCP_TEST_CACHE:-${HOME:-/root}/.cache/secmcp-ci}/bench-venv"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import anthropic, tokenizers' 2>/dev/null; then
    python3 -m venv "$venv" && "$venv/bin/pip" install -q "anthropic==0.34.2" tokenizers >&2 || true
fi
py="$venv/bin/python"; [[ -x "$py" ]] || py=python3
"$py" "$ROOT/scripts/tool-tokens.py" "$TARGET/release/secmcp"
