# shellcheck shell=bash
# secmcp test lab: fixture hosts and services inside a private network namespace.
#
# Source this file from a shell that ALREADY runs inside a fresh namespace made with
# `unshare -n -m` (scripts/test.sh does that), then:
#
#   lab_up      # addresses, /etc/hosts, fixture services; exports LAB_* facts
#   ...tests...
#   lab_down    # stops the services by PID, unmounts, removes the state dir
#
# Safety (see LAB.md): everything here lives on `lo` of a namespace that this run
# created itself. lab_up refuses to run if the namespace has any interface but `lo`
# or was not marked by the caller (SECMCP_LAB_NETNS=1), so it can never add
# addresses to, or start services on, the host's real network.
#
# Facts exported by lab_up (tests read these instead of hard-coding):
#   LAB_WEB_IP=10.99.0.7       LAB_WEB_NAME=web.lab.internal
#   LAB_DB_IP=10.99.0.8        LAB_DB_NAME=db.lab.internal
#   LAB_WEB_IP6=fd99::7
#   LAB_OPEN_PORT=18080        (HTTP on LAB_WEB_IP and on [LAB_WEB_IP6])
#   LAB_CLOSED_PORT=18081      (nothing listens, on any lab address)
#   LAB_DB_PORT=15432          (TCP listener on LAB_DB_IP)
#   LAB_LOOPBACK_PORT=18082    (HTTP on 127.0.0.1)
#   LAB_EVIL_NAME=evil.lab.internal -> 203.0.113.9 (TEST-NET-3; denial tests only,
#                                 never scanned: no route exists to it in here anyway)
#   LAB_DIR                    state dir: pids, logs, hosts file
#   LAB_NETNS=1

LAB_WEB_IP=10.99.0.7
LAB_DB_IP=10.99.0.8
LAB_WEB_IP6=fd99::7
LAB_WEB_NAME=web.lab.internal
LAB_DB_NAME=db.lab.internal
LAB_EVIL_NAME=evil.lab.internal
LAB_EVIL_IP=203.0.113.9
LAB_OPEN_PORT=18080
LAB_CLOSED_PORT=18081
LAB_LOOPBACK_PORT=18082
LAB_DB_PORT=15432

_lab_log() { printf '[lab] %s\n' "$*" >&2; }

# Succeeds only inside a namespace that has nothing but `lo` (and that the caller marked).
lab_check_isolated() {
    if [ "${SECMCP_LAB_NETNS:-}" != 1 ]; then
        _lab_log "refusing: not inside the test namespace (SECMCP_LAB_NETNS!=1); run scripts/test.sh"
        return 1
    fi
    local links
    links=$(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort -u | tr '\n' ' ')
    if [ "$links" != "lo " ]; then
        _lab_log "refusing: network namespace has interfaces other than lo: $links"
        return 1
    fi
    # No route may lead anywhere but loopback.
    if ip -4 route show | grep -v ' dev lo' | grep -q .; then
        _lab_log "refusing: unexpected IPv4 routes: $(ip -4 route show | tr '\n' ';')"
        return 1
    fi
    return 0
}

# Wait until a TCP port accepts connections (bash /dev/tcp, no extra tools).
_lab_wait_tcp() { # host port [tries]
    local host=$1 port=$2 tries=${3:-100} i=0
    while [ "$i" -lt "$tries" ]; do
        if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
        sleep 0.05
        i=$((i + 1))
    done
    _lab_log "service on $host:$port did not come up"
    return 1
}

_lab_start() { # name cmd...   (background, pid recorded in $LAB_DIR/NAME.pid)
    local name=$1
    shift
    "$@" >"$LAB_DIR/$name.log" 2>&1 </dev/null &
    echo $! >"$LAB_DIR/$name.pid"
}

lab_up() {
    lab_check_isolated || return 1
    LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/secmcp-lab.XXXXXX")
    export LAB_DIR

    ip link set lo up
    ip addr add "$LAB_WEB_IP/32" dev lo
    ip addr add "$LAB_DB_IP/32" dev lo
    ip -6 addr add "$LAB_WEB_IP6/128" dev lo nodad 2>/dev/null || ip -6 addr add "$LAB_WEB_IP6/128" dev lo

    # Private /etc/hosts (mount namespace is ours: the host's file is untouched).
    cat >"$LAB_DIR/hosts" <<EOF
127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
$LAB_WEB_IP $LAB_WEB_NAME
$LAB_DB_IP $LAB_DB_NAME
$LAB_EVIL_IP $LAB_EVIL_NAME
EOF
    mount --bind "$LAB_DIR/hosts" /etc/hosts
    echo 1 >"$LAB_DIR/hosts.mounted"
    # No resolver may be asked about anything: point resolv.conf at nothing reachable.
    printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$LAB_DIR/resolv.conf"
    if [ -e /etc/resolv.conf ]; then
        mount --bind "$LAB_DIR/resolv.conf" /etc/resolv.conf && echo 1 >"$LAB_DIR/resolv.mounted"
    fi

    # Fixture services.
    mkdir -p "$LAB_DIR/www"
    printf '<html><body>secmcp lab web</body></html>\n' >"$LAB_DIR/www/index.html"
    local py
    py=$(command -v python3)
    _lab_start web "$py" -m http.server "$LAB_OPEN_PORT" --bind "$LAB_WEB_IP" --directory "$LAB_DIR/www"
    _lab_start web6 "$py" -m http.server "$LAB_OPEN_PORT" --bind "$LAB_WEB_IP6" --directory "$LAB_DIR/www"
    _lab_start loop "$py" -m http.server "$LAB_LOOPBACK_PORT" --bind 127.0.0.1 --directory "$LAB_DIR/www"
    _lab_start db "$py" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(16)
while True:
    c, _ = s.accept()
    try: c.sendall(b"LABDB ready\r\n")
    finally: c.close()
' "$LAB_DB_IP" "$LAB_DB_PORT"

    _lab_wait_tcp "$LAB_WEB_IP" "$LAB_OPEN_PORT" || { lab_down; return 1; }
    _lab_wait_tcp "$LAB_WEB_IP6" "$LAB_OPEN_PORT" || { lab_down; return 1; }
    _lab_wait_tcp 127.0.0.1 "$LAB_LOOPBACK_PORT" || { lab_down; return 1; }
    _lab_wait_tcp "$LAB_DB_IP" "$LAB_DB_PORT" || { lab_down; return 1; }
    if (exec 3<>"/dev/tcp/$LAB_WEB_IP/$LAB_CLOSED_PORT") 2>/dev/null; then
        _lab_log "closed port $LAB_CLOSED_PORT is open?"
        lab_down
        return 1
    fi

    export LAB_NETNS=1 LAB_WEB_IP LAB_DB_IP LAB_WEB_IP6 LAB_WEB_NAME LAB_DB_NAME \
        LAB_EVIL_NAME LAB_EVIL_IP LAB_OPEN_PORT LAB_CLOSED_PORT LAB_LOOPBACK_PORT LAB_DB_PORT
    _lab_log "up: $LAB_WEB_NAME=$LAB_WEB_IP:$LAB_OPEN_PORT (open) :$LAB_CLOSED_PORT (closed), $LAB_DB_NAME=$LAB_DB_IP:$LAB_DB_PORT, [$LAB_WEB_IP6]:$LAB_OPEN_PORT, 127.0.0.1:$LAB_LOOPBACK_PORT; state in $LAB_DIR"
}

lab_down() {
    [ -n "${LAB_DIR:-}" ] && [ -d "$LAB_DIR" ] || return 0
    local f pid
    for f in "$LAB_DIR"/*.pid; do
        [ -e "$f" ] || continue
        pid=$(cat "$f")
        kill "$pid" 2>/dev/null || true
    done
    for f in "$LAB_DIR"/*.pid; do
        [ -e "$f" ] || continue
        pid=$(cat "$f")
        wait "$pid" 2>/dev/null || true
        rm -f "$f"
    done
    [ -e "$LAB_DIR/resolv.mounted" ] && umount /etc/resolv.conf 2>/dev/null
    [ -e "$LAB_DIR/hosts.mounted" ] && umount /etc/hosts 2>/dev/null
    rm -rf "$LAB_DIR"
    unset LAB_DIR LAB_NETNS
    _lab_log "down"
}
