#!/usr/bin/env bash
# HTTP part of the benchmark (called by scripts/bench.sh inside its private network
# namespace): a policy-rejected tools/call over Streamable HTTP, 2026-07-28 stateless,
# driven by wrk (a native load generator) on 1 and on 32 connections.
#
#   scripts/bench-http.sh SECMCP_BIN CONFIG [SECONDS]
#
# Prints Markdown table rows: requests/s and latency percentiles per connection count.
set -euo pipefail
BIN=$1 CFG=$2 SECS=${3:-10}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SECMCP_RATE_LIMIT_PER_MINUTE=0 "$BIN" serve --transport http --port "$port" --config "$CFG" \
    >/dev/null 2>&1 </dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$lua"' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
done
lua=$(mktemp --suffix .lua)
cat >"$lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "nmap"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"bench","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}},"name":"nmap","arguments":{"target":"203.0.113.9"}}}'
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.3f %.3f %.3f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    summary.requests, errors))
end
LUA
# Check once that the call really is the rejected tool call (and not an error page).
body=$(curl -s -X POST "http://127.0.0.1:$port/mcp" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28' \
    -H 'Mcp-Method: tools/call' -H 'Mcp-Name: nmap' \
    --data "$(sed -n 's/^wrk.body = .\(.*\).$/\1/p' "$lua")")
case "$body" in
*scope_denied*) ;;
*) echo "unexpected answer to the benchmark call: $body" >&2; exit 1 ;;
esac
for conns in 1 32; do
    threads=$((conns < 2 ? 1 : 2))
    line=$(wrk -t "$threads" -c "$conns" -d "${SECS}s" -s "$lua" "http://127.0.0.1:$port/mcp" | grep '^RESULT')
    read -r _ rps p50 p90 p99 n errors <<<"$line"
    printf '| rejected call over HTTP, %s connection(s) (wrk, %s s) | %s req/s | p50 %s ms, p90 %s ms, p99 %s ms | %s (%s errors) |\n' \
        "$conns" "$SECS" "$rps" "$p50" "$p90" "$p99" "$n" "$errors"
done
