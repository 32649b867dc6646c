#!/usr/bin/env bash
# Benchmark the release build of secmcp (see docs/PERFORMANCE.md).
#
#   scripts/bench.sh            # BENCH_N=30 rounds (cold starts; x50 for warm calls)
#   BENCH_N=100 scripts/bench.sh
#
# Runs inside a private network namespace: the nmap comparison scans 127.0.0.1 only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
cargo build --release -p secmcp --bin secmcp --example bench >&2
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cfg=$(mktemp --suffix .yaml)
trap 'rm -f "$cfg"' EXIT
printf 'security:\n  allowed_targets: [loopback]\n' > "$cfg"
echo "# $(date -u +%F) $(uname -m), $(nproc) cores, $(nmap --version | head -1)" >&2
exec unshare -n sh -c 'ip link set lo up && exec "$0" "$1" "$2"' \
    "$TARGET/release/examples/bench" "$TARGET/release/secmcp" "$cfg"
