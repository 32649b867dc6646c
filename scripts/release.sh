#!/usr/bin/env bash
# Build the static Linux release binary of secmcp and its SHA-256 checksum file.
#
#   scripts/release.sh            # -> dist/secmcp-<version>-x86_64-linux-musl
#                                 #    dist/secmcp-<version>-x86_64-linux-musl.sha256
#   SECMCP_DIST=/some/dir scripts/release.sh
#   SECMCP_RELEASE_PROFILE=static-check scripts/release.sh
#                                 # the same static musl binary with the cheaper
#                                 # optimisation of Cargo.toml's static-check profile
#                                 # (what the test suite's static suite builds)
#
# The binary is built for x86_64-unknown-linux-musl with the release profile: no
# dynamic libraries at all (`file` says "static-pie linked" or "statically linked";
# this script checks it), so it runs on any x86_64 Linux. mimalloc's C code is built
# with musl-gcc (Debian's musl-tools). Needs: rustup (or a toolchain with the musl
# target installed) and musl-gcc; as root, missing pieces are installed.
#
# Verify a download with: sha256sum -c secmcp-<version>-x86_64-linux-musl.sha256
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TARGET=x86_64-unknown-linux-musl
DIST="${SECMCP_DIST:-$ROOT/dist}"
PROFILE="${SECMCP_RELEASE_PROFILE:-release}"

log() { printf '[release] %s\n' "$*" >&2; }

# ---------------------------------------------------------------- toolchain
if command -v rustup >/dev/null; then
    if ! rustup target list --installed | grep -qx "$TARGET"; then
        log "rustup target add $TARGET"
        rustup target add "$TARGET"
    fi
fi
if ! command -v musl-gcc >/dev/null; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        log "apt-get install musl-tools"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends musl-tools >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends musl-tools >/dev/null; }
    else
        log "musl-gcc is missing: apt-get install musl-tools"
        exit 1
    fi
fi

# ---------------------------------------------------------------- build
log "cargo build --profile $PROFILE --locked -p secmcp --target $TARGET"
# The cc crate finds musl-gcc by itself; say it anyway for other build scripts.
CC_x86_64_unknown_linux_musl=musl-gcc \
    cargo build --profile "$PROFILE" --locked -p secmcp --target "$TARGET"

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps --offline |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN="$TARGET_DIR/$TARGET/$PROFILE/secmcp"
VERSION=$("$BIN" --version | awk '{print $2}')

kind=$(file -b "$BIN")
case "$kind" in
*"statically linked"* | *"static-pie linked"*) ;;
*) log "not a static binary: $kind"; exit 1 ;;
esac

NAME="secmcp-$VERSION-x86_64-linux-musl"
[[ "$PROFILE" == release ]] || NAME="$NAME-$PROFILE"
mkdir -p "$DIST"
install -m 0755 "$BIN" "$DIST/$NAME"
(cd "$DIST" && sha256sum "$NAME" >"$NAME.sha256")
log "$DIST/$NAME: $(stat -c %s "$DIST/$NAME") bytes; $kind"
log "checksum: $(cat "$DIST/$NAME.sha256")"
echo "$DIST/$NAME"
