#!/usr/bin/env bash
# Records the dig and masscan golden inputs from REAL runs, inside a private network
# namespace made here (unshare -n -m): a dnsmasq on 10.99.0.53 (lo) serving lab.internal,
# and a routed veth lab segment 10.99.1.0/24 in a second namespace for masscan. No packet
# leaves this machine. Run as root from anywhere:
#
#   bash crates/secmcp-output/tests/golden/record-dig-masscan.sh
#
# then update the snapshots with
#   cargo insta test -p secmcp-output --review
# (or INSTA_UPDATE=always cargo test -p secmcp-output --test all; review git diff). The argv are the ones the secmcp tools render.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ "${SECMCP_RECORD_INSIDE:-}" != 1 ]]; then
    exec env SECMCP_RECORD_INSIDE=1 unshare --net --mount --propagation private -- bash "$0" "$@"
fi
W=$(mktemp -d)
trap 'kill $(cat "$W"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$W"' EXIT

ip link set lo up
ip addr add 10.99.0.53/32 dev lo
cat >"$W/dnsmasq.conf" <<'C'
no-resolv
no-hosts
no-poll
port=53
listen-address=10.99.0.53
bind-interfaces
user=root
auth-server=ns.lab.internal,lo
auth-zone=lab.internal,10.99.0.0/24
auth-peer=10.99.0.53,127.0.0.1
host-record=web.lab.internal,10.99.0.7
host-record=db.lab.internal,10.99.0.8
txt-record=secret.lab.internal,"flag=secmcp-dig-fixture"
txt-record=quote.lab.internal,"it's a \"q\" \\ back"
mx-host=lab.internal,mail.lab.internal,10
ptr-record=7.0.99.10.in-addr.arpa,web.lab.internal
C
dnsmasq --conf-file="$W/dnsmasq.conf" --pid-file="$W/dnsmasq.pid" --log-facility="$W/dnsmasq.log"
sleep 0.3
d() { # name args...
    local out=$1
    shift
    dig -r +yaml "$@" >"$HERE/$out" 2>/dev/null || true
}
d dig-a.yaml @10.99.0.53 -c IN -t A -q web.lab.internal
d dig-txt-quotes.yaml @10.99.0.53 -c IN -t TXT -q quote.lab.internal
d dig-mx-tcp.yaml +tcp +norecurse @10.99.0.53 -c IN -t MX -q lab.internal
d dig-nxdomain.yaml @10.99.0.53 -c IN -t A -q nope.lab.internal
d dig-refused.yaml @10.99.0.53 -c IN -t A -q example.com
d dig-ptr.yaml @10.99.0.53 -c IN -x 10.99.0.7
d dig-axfr.yaml @10.99.0.53 -c IN -t AXFR -q lab.internal
d dig-axfr-refused.yaml -p 53 @10.99.0.53 -c IN -t AXFR -q 0.99.10.in-addr.arpa.nope
d dig-no-server.yaml +time=1 +tries=1 @10.99.0.54 -c IN -t A -q web.lab.internal

# masscan: a routed veth segment; the lab host 10.99.1.7 (and .8) in its own namespace.
mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns
ip netns add mslab
ip link add msv0 type veth peer name msv1
ip link set msv1 netns mslab
ip addr add 10.99.1.1/24 dev msv0 && ip link set msv0 up
ip netns exec mslab ip addr add 10.99.1.7/24 dev msv1
ip netns exec mslab ip addr add 10.99.1.8/24 dev msv1
ip netns exec mslab ip link set msv1 up
ip netns exec mslab ip link set lo up
ip netns exec mslab python3 -m http.server 18080 --bind 10.99.1.7 >/dev/null 2>&1 &
echo $! >"$W/web.pid"
ip netns exec mslab python3 -m http.server 15432 --bind 10.99.1.8 >/dev/null 2>&1 &
echo $! >"$W/db.pid"
sleep 1
cd "$W"
ADAPTER=(--adapter msv0 --router-ip 10.99.1.7)
m() { # out args...
    local out=$1
    shift
    masscan "${ADAPTER[@]}" "$@" >"$HERE/$out" 2>/dev/null || true
}
m masscan-oD-open-closed.ndjson -oD - -p 18080,18081 --rate 100 --wait 1 --range 10.99.1.7
m masscan-oJ-open-closed.json -oJ - -p 18080,18081 --rate 100 --wait 1 --range 10.99.1.7
m masscan-oD-range.ndjson -oD - -p 18080,15432,22 --rate 200 --wait 1 --range 10.99.1.0/28
m masscan-oJ-range.json -oJ - -p 18080,15432,22 --rate 200 --wait 1 --range 10.99.1.0/28
m masscan-oD-nothing.ndjson -oD - -p 18081 --rate 100 --wait 1 --range 10.99.1.7
ls -l "$HERE"/dig-*.yaml "$HERE"/masscan-*
