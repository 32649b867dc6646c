#!/bin/sh
# Records real sqlmap runs against the lab's injectable fixture (tests/lab/sqli_app.py)
# for the golden-file tests. Everything runs inside a private network namespace made
# here (`unshare -n -m`): the fixture lives on 10.99.0.9 on that namespace's `lo`.
#
#   sh crates/secmcp-output/tests/golden/sqlmap/record.sh     (as root)
#
# For each case NAME it writes NAME.stdout, NAME.log and NAME.target (sqlmap's
# `log` and `target.txt` from --output-dir). The expected reports are insta
# snapshots (tests/all/snapshots): `cargo insta test -p secmcp-output --review`.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../../../.." && pwd)
if [ "${SECMCP_REC_INSIDE:-}" != 1 ]; then
    exec env SECMCP_REC_INSIDE=1 unshare -n -m sh "$0"
fi
ip link set lo up
ip addr add 10.99.0.9/32 dev lo
python3 "$ROOT/tests/lab/sqli_app.py" 10.99.0.9 18090 &
APP=$!
trap 'kill $APP' EXIT
sleep 0.5
U=http://10.99.0.9:18090
rec() { # name args...
    name=$1; shift
    w=$(mktemp -d); (
        cd "$w"
        env -i PATH=/usr/bin:/bin sqlmap --batch --ignore-stdin --disable-coloring \
            --ignore-redirects --output-dir=out --answers=dictionary-based=N "$@" \
            </dev/null >"$HERE/$name.stdout" 2>/dev/null || true
    )
    d=$(find "$w/out" -mindepth 1 -maxdepth 1 -type d | head -1)
    cp "$d/log" "$HERE/$name.log" 2>/dev/null || : >"$HERE/$name.log"
    cp "$d/target.txt" "$HERE/$name.target" 2>/dev/null || : >"$HERE/$name.target"
    if [ -d "$d/dump" ]; then find "$d/dump" -type f | sort >"$HERE/$name.dumpfiles"; fi
    rm -rf "$w"
}
rec get-bu "--url=$U/item?id=1&lang=en" --host=sqli.lab.internal:18090 --technique=BU
rec get-banner "--url=$U/item?id=1&lang=en" --technique=BU -b --current-user --current-db
rec post-string "--url=$U/search" --data=name=lamp --technique=B
rec dump-users "--url=$U/item?id=1" --technique=BU --dump -T users
rec tables "--url=$U/item?id=1" --technique=BU --tables --count
rec not-injectable "--url=$U/safe?id=1" --technique=BU
rec no-connection "--url=http://10.99.0.9:18091/item?id=1" --technique=B
rec time-based "--url=$U/item?id=1" --technique=T --time-sec=1 -v 2
