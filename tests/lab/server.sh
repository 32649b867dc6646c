# shellcheck shell=bash
# Start/stop an MCP server over HTTP on a free 127.0.0.1 port, for the shell-driven
# checks (Inspector, conformance). Source it; needs python3 and bash /dev/tcp.
#
#   server_start NAME CMD...   # CMD may contain the word @PORT@, replaced by the port
#   echo "$SERVER_URL"         # http://127.0.0.1:PORT/mcp
#   server_stop                # by PID; prints the server log if SERVER_SHOW_LOG=1

server_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

server_start() { # name cmd...
    local name=$1
    shift
    SERVER_PORT=$(server_free_port)
    SERVER_LOG="${LAB_DIR:-${TMPDIR:-/tmp}}/$name-$SERVER_PORT.log"
    local args=() a
    for a in "$@"; do args+=("${a//@PORT@/$SERVER_PORT}"); done
    "${args[@]}" >"$SERVER_LOG" 2>&1 </dev/null &
    SERVER_PID=$!
    SERVER_URL="http://127.0.0.1:$SERVER_PORT/mcp"
    local i=0
    while ! (exec 3<>"/dev/tcp/127.0.0.1/$SERVER_PORT") 2>/dev/null; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "server '$name' exited before listening; log:" >&2
            cat "$SERVER_LOG" >&2
            return 1
        fi
        i=$((i + 1))
        if [ "$i" -gt 600 ]; then
            echo "server '$name' did not listen on $SERVER_PORT within 30s; log:" >&2
            cat "$SERVER_LOG" >&2
            server_stop
            return 1
        fi
        sleep 0.05
    done
    export SERVER_PID SERVER_PORT SERVER_URL SERVER_LOG
}

server_stop() {
    [ -n "${SERVER_PID:-}" ] || return 0
    kill "$SERVER_PID" 2>/dev/null || true
    local i=0
    while kill -0 "$SERVER_PID" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    if [ "${SERVER_SHOW_LOG:-0}" = 1 ] && [ -f "${SERVER_LOG:-}" ]; then
        echo "---- server log ($SERVER_LOG) ----" >&2
        tail -n 50 "$SERVER_LOG" >&2
    fi
    unset SERVER_PID
}
