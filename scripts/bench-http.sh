#!/usr/bin/env bash
# HTTP part of the benchmark (called by scripts/bench.sh inside its private network
# namespace): a policy-rejected tools/call over Streamable HTTP, 2026-07-28 stateless,
# driven by wrk (a native load generator) on 1 and on 32 connections; then the same
# against a second server that requires an API key (with a role) and a third that
# requires an OAuth access token (EdDSA, keys from a JWKS file), and the median cost
# of each at 1 connection (alternating runs, so drift hits both alike).
#
#   scripts/bench-http.sh SECMCP_BIN CONFIG [SECONDS]
#
# Prints Markdown table rows: requests/s and latency percentiles per connection count.
set -euo pipefail
BIN=$1 CFG=$2 SECS=${3:-10}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
start() { # port config
    SECMCP_RATE_LIMIT_PER_MINUTE=0 "$BIN" serve --transport http --port "$1" --config "$2" \
        >/dev/null 2>&1 </dev/null &
    pids+=($!)
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && break
        sleep 0.05
    done
}
port=$(free_port)
start "$port" "$CFG"
# The same config behind an API key whose role sees every tool.
key=$("$BIN" auth new-key bench --role all | grep '^smcp_')
{
    cat "$CFG"
    printf '\nauth:\n  api_keys:\n    - name: bench\n      sha256: %s\n      role: all\n  roles:\n    all: {}\n' \
        "$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)"
} >"$work/auth.yaml"
aport=$(free_port)
start "$aport" "$work/auth.yaml"
# The same config behind OAuth: an Ed25519 key whose JWKS the server reads from a file,
# and one token for the `scan` scope (signed here with python3's cryptography).
python3 - "$work" <<'PY'
import base64, json, sys, time
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
def b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
work = sys.argv[1]
key = Ed25519PrivateKey.generate()
x = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
with open(f"{work}/jwks.json", "w") as f:
    json.dump({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "b", "x": b64(x)}]}, f)
head = b64(json.dumps({"alg": "EdDSA", "kid": "b", "typ": "JWT"}).encode())
claims = {"iss": "https://idp.bench", "aud": "https://bench.lab/mcp", "sub": "bench",
          "exp": int(time.time()) + 86400, "scope": "scan"}
body = b64(json.dumps(claims).encode())
with open(f"{work}/token", "w") as f:
    f.write(f"{head}.{body}.{b64(key.sign(f'{head}.{body}'.encode()))}")
PY
token=$(cat "$work/token")
{
    cat "$CFG"
    printf '
auth:
  roles:
    all: {}
  oauth:
    issuer: https://idp.bench
'
    printf '    audience: https://bench.lab/mcp
    jwks_file: %s
    algorithms: [EdDSA]
' "$work/jwks.json"
    printf '    scopes:
      - {scope: scan, role: all}
'
} >"$work/oauth.yaml"
oport=$(free_port)
start "$oport" "$work/oauth.yaml"
lua=$work/call.lua
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
# Check once that each server's call really is the rejected tool call (not an error
# page), and that the authenticated servers refuse a request without credentials.
expect_rejected() { # port [authorization header]
    local body
    body=$(curl -s -X POST "http://127.0.0.1:$1/mcp" -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2026-07-28' \
        -H 'Mcp-Method: tools/call' -H 'Mcp-Name: nmap' ${2:+-H "$2"} \
        --data "$(sed -n 's/^wrk.body = .\(.*\).$/\1/p' "$lua")")
    case "$body" in
    *scope_denied*) ;;
    *) echo "unexpected answer on port $1 to the benchmark call: $body" >&2; exit 1 ;;
    esac
}
expect_401() { # port
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$1/mcp" -H 'Content-Type: application/json' --data '{}')
    [ "$code" = 401 ] || { echo "the server on port $1 answered $code without credentials" >&2; exit 1; }
}
with_auth() { # header value -> a copy of the wrk script that sends it
    sed "s|^wrk.headers\[\"Mcp-Name\"\] = \"nmap\"|&\nwrk.headers[\"Authorization\"] = \"$1\"|" "$lua"
}
expect_rejected "$port"
with_auth "Bearer $key" >"$work/auth.lua"
with_auth "Bearer $token" >"$work/oauth.lua"
grep -q Authorization "$work/auth.lua" || { echo "no Authorization header in the wrk script" >&2; exit 1; }
expect_401 "$aport"
expect_rejected "$aport" "Authorization: Bearer $key"
expect_401 "$oport"
expect_rejected "$oport" "Authorization: Bearer $token"
run() { # label port script conns -> prints the row, leaves p50 in $P50
    local threads=$(($4 < 2 ? 1 : 2)) line rps p50 p90 p99 n errors
    line=$(wrk -t "$threads" -c "$4" -d "${SECS}s" -s "$3" "http://127.0.0.1:$2/mcp" | grep '^RESULT')
    read -r _ rps p50 p90 p99 n errors <<<"$line"
    printf '| %s, %s connection(s) (wrk, %s s) | %s req/s | p50 %s ms, p90 %s ms, p99 %s ms | %s (%s errors) |\n' \
        "$1" "$4" "$SECS" "$rps" "$p50" "$p90" "$p99" "$n" "$errors"
    P50=$p50
}
for conns in 1 32; do
    run "rejected call over HTTP" "$port" "$lua" "$conns"
    run "rejected call over HTTP with an API key" "$aport" "$work/auth.lua" "$conns"
    run "rejected call over HTTP with an OAuth token" "$oport" "$work/oauth.lua" "$conns"
done
# Authentication cost: alternating 1-connection runs, median of the p50 differences.
diffs=()
tdiffs=()
for _ in 1 2 3; do
    run "(pair) no key" "$port" "$lua" 1 >/dev/null
    plain=$P50
    run "(pair) API key" "$aport" "$work/auth.lua" 1 >/dev/null
    diffs+=("$(python3 -c "print(round(($P50 - $plain) * 1000, 1))")")
    run "(pair) OAuth token" "$oport" "$work/oauth.lua" 1 >/dev/null
    tdiffs+=("$(python3 -c "print(round(($P50 - $plain) * 1000, 1))")")
done
median=$(printf '%s\n' "${diffs[@]}" | sort -g | sed -n 2p)
printf '| authentication cost per call (API key + role, 1 connection; p50 with key minus without, 3 alternating pairs of %s s) | %s µs median | pairs: %s µs | |\n' \
    "$SECS" "$median" "${diffs[*]}"
median=$(printf '%s\n' "${tdiffs[@]}" | sort -g | sed -n 2p)
printf '| authentication cost per call (OAuth token, EdDSA, checked-token cache; p50 with token minus without, 3 pairs of %s s) | %s µs median | pairs: %s µs | |\n' \
    "$SECS" "$median" "${tdiffs[*]}"
