#!/usr/bin/env bash
# MCP Inspector CLI checks against the built secmcp (run by scripts/test.sh inspector,
# inside the lab namespace). One line per check: "inspector: PASS|FAIL <name>".
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lab/server.sh
. "$ROOT/tests/lab/server.sh"

: "${SECMCP_BIN:?SECMCP_BIN not set (run via scripts/test.sh)}"
: "${LAB_WEB_IP:?not inside the lab (run via scripts/test.sh)}"
CONFIG="$ROOT/tests/e2e/configs/lab.yaml"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/secmcp-inspector.XXXXXX")
# The Inspector keeps a catalog and client config under HOME: keep it out of the real one.
export HOME="$WORK/home" MCP_CATALOG_PATH="$WORK/home/catalog.json" NO_COLOR=1 CI=true
mkdir -p "$HOME"
FAILED=0
cleanup() { server_stop; rm -rf "$WORK"; }
trap cleanup EXIT

check() { # name expected_rc cmd... ; output in $WORK/out
    local name=$1 want=$2 rc
    shift 2
    timeout 120 "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
    rc=$?
    if [[ "$rc" == "$want" ]]; then
        echo "inspector: PASS $name"
        return 0
    fi
    echo "inspector: FAIL $name (exit $rc, wanted $want)"
    echo "  cmd: $*"
    sed 's/^/  stdout: /' "$WORK/out" | head -40
    sed 's/^/  stderr: /' "$WORK/err" | head -40
    FAILED=$((FAILED + 1))
    return 1
}

grep_not_out() { # name pattern
    if grep -q -- "$2" "$WORK/out"; then
        echo "inspector: FAIL $1 (output has '$2')"
        FAILED=$((FAILED + 1))
    else
        echo "inspector: PASS $1"
    fi
}

grep_out() { # name pattern
    if grep -q -- "$2" "$WORK/out"; then
        echo "inspector: PASS $1"
    else
        echo "inspector: FAIL $1 (output lacks '$2')"
        sed 's/^/  stdout: /' "$WORK/out" | head -40
        FAILED=$((FAILED + 1))
    fi
}

I=(mcp-inspector --cli --connect-timeout 30000)

for era in legacy modern; do
    check "stdio tools/list --strict ($era)" 0 \
        "${I[@]}" --protocol-era "$era" --method tools/list --strict -- "$SECMCP_BIN" serve --config "$CONFIG" --data-dir "$WORK/data"
    grep_out "stdio tools/list shows nmap ($era)" '"nmap"'
done

server_start secmcp-inspector "$SECMCP_BIN" serve --data-dir "$WORK/data" --transport http --host 127.0.0.1 --port @PORT@ --config "$CONFIG" || exit 1

for era in legacy modern; do
    check "http tools/list --strict ($era)" 0 \
        "${I[@]}" "$SERVER_URL" --transport http --protocol-era "$era" --method tools/list --strict
    grep_out "http tools/list shows nmap ($era)" '"nmap"'

    # legacy: the default detail (standard) lists the open port and counts the closed
    # one in extraports; modern: detail "full" lists both.
    detail=standard
    [ "$era" = modern ] && detail=full
    args=$(printf '{"target":"%s","extra_args":"-p %s,%s","detail":"%s"}' "$LAB_WEB_IP" "$LAB_OPEN_PORT" "$LAB_CLOSED_PORT" "$detail")
    if check "http tools/call nmap on the lab ($era)" 0 \
        "${I[@]}" "$SERVER_URL" --transport http --protocol-era "$era" --format json \
        --method tools/call --tool-name nmap --tool-args-json "$args"; then
        if python3 - "$WORK/out" "$LAB_WEB_IP" "$LAB_OPEN_PORT" "$LAB_CLOSED_PORT" "$detail" <<'PY'; then
import json, sys
out, ip, op, cp, detail = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
doc = json.load(open(out))
res = doc.get("result", doc)
sc = res.get("structuredContent")
assert sc, f"no structuredContent in {doc}"
host = next(h for h in sc["hosts"] if h["address"] == ip)
states = {int(p["port"]): p["state"] for p in host["ports"]}
assert states.get(op) == "open", states
if detail == "full":
    assert states.get(cp) == "closed", states
else:
    assert cp not in states, states
    extra = {e["state"]: e["count"] for e in host["extraports"]}
    assert extra.get("closed") == 1, host["extraports"]
PY
            echo "inspector: PASS http tools/call result shows open+closed ports, detail $detail ($era)"
        else
            echo "inspector: FAIL http tools/call result shows open+closed ports, detail $detail ($era)"
            head -c 3000 "$WORK/out" | sed 's/^/  stdout: /'
            FAILED=$((FAILED + 1))
        fi
    fi

    # A denial is an isError result: the Inspector exits 5.
    check "http tools/call denied target exits 5 ($era)" 5 \
        "${I[@]}" "$SERVER_URL" --transport http --protocol-era "$era" \
        --method tools/call --tool-name nmap --tool-args-json '{"target":"8.8.8.8"}'
    grep_out "http denial text is scope_denied ($era)" 'scope_denied'
done

# API keys and roles: a key from `secmcp auth new-key` (the config holds its digest).
server_stop
AUTH_CONFIG="$WORK/auth.yaml"
for who in alice:all bob:dns; do
    "$SECMCP_BIN" auth new-key "${who%%:*}" --role "${who##*:}" >"$WORK/key-${who%%:*}" || exit 1
done
KEY_ALL=$(grep '^smcp_' "$WORK/key-alice")
KEY_DNS=$(grep '^smcp_' "$WORK/key-bob")
# An OAuth access token too: an ES256 key whose JWKS the server reads from a file,
# and a token for the dns scope (PyJWT from the test venv).
python3 - "$WORK" <<'PY' || exit 1
import json, sys, time
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
work = sys.argv[1]
key = ec.generate_private_key(ec.SECP256R1())
jwk = {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key())), "kid": "k1", "alg": "ES256"}
with open(f"{work}/jwks.json", "w") as f:
    json.dump({"keys": [jwk]}, f)
now = int(time.time())
claims = {"iss": "https://idp.lab.internal", "aud": "https://scanner.lab.internal/mcp",
          "sub": "inspector", "exp": now + 3600, "scope": "secmcp:dns"}
with open(f"{work}/token", "w") as f:
    f.write(jwt.encode(claims, key, algorithm="ES256", headers={"kid": "k1"}))
PY
TOKEN_DNS=$(cat "$WORK/token")
{
    cat "$CONFIG"
    printf 'tools:\n  dig:\n    enabled: true\n'
    printf 'auth:\n  api_keys:\n'
    grep -hE '^    - name:|^      (sha256|role):' "$WORK/key-alice" "$WORK/key-bob"
    printf '  roles:\n    all: {}\n    dns:\n      tools: [dig]\n      allowed_targets: [127.0.0.1]\n'
    printf '  oauth:\n    issuer: https://idp.lab.internal\n    audience: https://scanner.lab.internal/mcp\n'
    printf '    jwks_file: %s\n    scopes:\n      - {scope: "secmcp:dns", role: dns}\n' "$WORK/jwks.json"
} >"$AUTH_CONFIG"
server_start secmcp-inspector-auth "$SECMCP_BIN" serve --transport http --host 127.0.0.1 --port @PORT@ --config "$AUTH_CONFIG" || exit 1
for era in legacy modern; do
    # Without a key the Inspector cannot connect (any non-zero exit).
    if timeout 120 "${I[@]}" "$SERVER_URL" --transport http --protocol-era "$era" --method tools/list \
        >"$WORK/out" 2>"$WORK/err" </dev/null; then
        echo "inspector: FAIL http without a key is refused ($era)"
        FAILED=$((FAILED + 1))
    else
        echo "inspector: PASS http without a key is refused ($era)"
    fi
    check "http tools/list --strict with the dns key ($era)" 0 \
        "${I[@]}" "$SERVER_URL" --transport http --protocol-era "$era" --method tools/list --strict \
        --header "Authorization: Bearer $KEY_DNS"
    grep_out "the dns role sees dig ($era)" '"dig"'
    grep_not_out "the dns role does not see nmap ($era)" '"nmap"'
    check "http tools/list with the all key ($era)" 0 \
        "${I[@]}" "$SERVER_URL" --transport http --protocol-era "$era" --method tools/list \
        --header "Authorization: Bearer $KEY_ALL"
    grep_out "the all role sees nmap ($era)" '"nmap"'
    check "http tools/list with an OAuth token for the dns scope ($era)" 0 \
        "${I[@]}" "$SERVER_URL" --transport http --protocol-era "$era" --method tools/list \
        --header "Authorization: Bearer $TOKEN_DNS"
    grep_out "the token's dns role sees dig ($era)" '"dig"'
    grep_not_out "the token's dns role does not see nmap ($era)" '"nmap"'
    # nmap is not in the dns role's tools/list, so the Inspector itself refuses the
    # call before sending it (the server's own policy_denied answer is covered by
    # the Rust and Python suites).
    check "http nmap with the dns key is refused, exit 5 ($era)" 5 \
        "${I[@]}" "$SERVER_URL" --transport http --protocol-era "$era" \
        --method tools/call --tool-name nmap --tool-args-json '{"target":"127.0.0.1"}' \
        --header "Authorization: Bearer $KEY_DNS"
    if grep -q "not found" "$WORK/err"; then
        echo "inspector: PASS nmap is unknown to the dns role ($era)"
    else
        echo "inspector: FAIL nmap is unknown to the dns role ($era)"
        sed 's/^/  stderr: /' "$WORK/err" | head -20
        FAILED=$((FAILED + 1))
    fi
done

exit $((FAILED > 0))
