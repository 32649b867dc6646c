#!/usr/bin/env bash
# Build the secmcp container image without any container registry:
#   1. a Debian root filesystem with the tools, made by mmdebstrap from the Debian
#      archive (the same package registry apt uses),
#   2. imported as the base image localhost/secmcp-base:bookworm,
#   3. the static binary from scripts/release.sh copied in by deploy/Containerfile.
#
#   deploy/container/build.sh [IMAGE]        # default localhost/secmcp:latest
#
# Needs root (or rootless podman with subuids), podman and mmdebstrap
# (apt-get install podman mmdebstrap).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMAGE="${1:-localhost/secmcp:latest}"
BASE=localhost/secmcp-base:bookworm
SUITE=bookworm
PACKAGES=nmap,masscan,gobuster,hydra,sqlmap,bind9-dnsutils,dirb,curl,ca-certificates,libcap2-bin,passwd
CTX="$ROOT/deploy/container"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; rm -f "$CTX/secmcp"' EXIT

log() { printf '[container] %s\n' "$*" >&2; }

if ! podman image exists "$BASE"; then
    log "mmdebstrap $SUITE with $PACKAGES"
    mmdebstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$WORK/rootfs.tar"
    podman import --change 'CMD ["/bin/bash"]' "$WORK/rootfs.tar" "$BASE"
fi

bin=$(bash "$ROOT/scripts/release.sh" | tail -1)
install -m 0755 "$bin" "$CTX/secmcp"
log "podman build -t $IMAGE"
podman build --format docker --build-arg "BASE=$BASE" -f "$ROOT/deploy/Containerfile" -t "$IMAGE" "$CTX"
log "built $IMAGE"
