#!/usr/bin/env bash
# Re-record the gobuster/hydra golden files (real output) inside a private network
# namespace: run as root with  unshare -n -m bash crates/secmcp-output/tests/golden/record-gobuster-hydra.sh
# Needs gobuster 3.5, hydra 9.4, dnsmasq, python3. Touches only addresses on lo in here.
set -u  # some recorded runs fail on purpose (refused ports)
OUT=$(cd "$(dirname "$0")" && pwd)
L=$(cd "$OUT/../../../../tests/lab" && pwd)
W=$(mktemp -d)
ip link set lo up
ip addr add 10.99.0.30/32 dev lo
ip addr add 10.99.0.31/32 dev lo

python3 $L/webapp.py 10.99.0.30 18090 app.lab.internal & WP=$!
cat > $W/dns.hosts <<H
10.99.0.41 intranet.corp.lab.internal
10.99.0.42 mail.corp.lab.internal
10.99.0.43 vpn.corp.lab.internal
H
dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll --addn-hosts=$W/dns.hosts --listen-address=10.99.0.31 --bind-interfaces --port=53 --local=/lab.internal/ --user=root --pid-file= --log-facility=- 2>/dev/null & DP=$!
sleep 1
cd "$W"
gobuster dir -q -z --no-color -u http://10.99.0.30:18090/ -w $L/wordlists/web/common.txt -t 4 --delay 10ms > g-dir.txt 2> g-dir.err; echo rc=$?
gobuster dir -q -z --no-color -e -u http://10.99.0.30:18090/ -w $L/wordlists/web/common.txt -x txt,php > g-dir-e.txt 2>&1; echo rc=$?
gobuster dir -q -z --no-color -n -u http://10.99.0.30:18090/ -w $L/wordlists/web/common.txt  > g-dir-n.txt 2>&1
gobuster dir -q -z --no-color -u http://10.99.0.30:18091/ -w $L/wordlists/web/common.txt > g-dir-refused.txt 2> g-dir-refused.err; echo rc=$?
gobuster vhost -q -z --no-color -u http://10.99.0.30:18090/ --domain app.lab.internal --append-domain -w $L/wordlists/web/vhosts.txt > g-vhost.txt 2> g-vhost.err; echo rc=$?
gobuster vhost -q -z --no-color -u http://10.99.0.30:18090/ -w $L/wordlists/web/vhosts.txt > g-vhost-noappend.txt 2>&1; echo rc=$?
gobuster dns -q -z --no-color -d corp.lab.internal -r 10.99.0.31:53 -w $L/wordlists/dns/subdomains.txt > g-dns.txt 2> g-dns.err; echo rc=$?
gobuster dns -q -z --no-color -i -d corp.lab.internal -r 10.99.0.31:53 -w $L/wordlists/dns/subdomains.txt > g-dns-i.txt 2>&1; echo rc=$?
gobuster dns -q -z --no-color -d corp.lab.internal -r 10.99.0.31 -w $L/wordlists/dns/subdomains.txt > g-dns-noport.txt 2>&1; echo rc=$?
gobuster dir -q -z --no-color -u http://10.99.0.30:18090/ -w /nonexistent > g-dir-nowl.txt 2>&1; echo rc=$?
mkdir -p h && cd h
hydra -I -o out.json -b json -t 4 -L $L/credentials/users.txt -P $L/credentials/passwords.txt -s 18090 10.99.0.30 http-get /protected > ../h-get.out 2> ../h-get.err; echo rc=$?
cp out.json ../h-get.json; rm -f out.json
hydra -I -o out.json -b json -t 4 -L $L/credentials/users.txt -P $L/credentials/passwords.txt -s 18090 10.99.0.30 http-post-form '/login:user=^USER^&pass=^PASS^:F=Login failed' > ../h-form.out 2> ../h-form.err; echo rc=$?
cp out.json ../h-form.json; rm -f out.json
hydra -I -o out.json -b json -t 4 -l root -p nope -s 18090 10.99.0.30 http-get /protected > ../h-none.out 2> ../h-none.err; echo rc=$?
cp out.json ../h-none.json 2>/dev/null; rm -f out.json
hydra -I -o out.json -b json -t 4 -l root -p nope -s 18099 10.99.0.30 http-get /protected > ../h-refused.out 2> ../h-refused.err; echo rc=$?
cp out.json ../h-refused.json 2>/dev/null; rm -f out.json
hydra -I -o out.json -b json -f -t 4 -L $L/credentials/users.txt -P $L/credentials/passwords.txt -s 18090 10.99.0.30 http-get /protected > ../h-get-f.out 2> ../h-get-f.err; echo rc=$?
cp out.json ../h-get-f.json; rm -f out.json
ls -la
kill $WP $DP
cp g-dir.txt "$OUT/gobuster-3.5-dir.out"; cp g-dir-e.txt "$OUT/gobuster-3.5-dir-expanded-x.out"; cp g-dir-n.txt "$OUT/gobuster-3.5-dir-no-status.out"
cp g-vhost.txt "$OUT/gobuster-3.5-vhost-append-domain.out"; cp g-dns-i.txt "$OUT/gobuster-3.5-dns-show-ips.out"; cp g-dns.txt "$OUT/gobuster-3.5-dns.out"; cp g-dir-refused.err "$OUT/gobuster-3.5-dir-refused.err"
for k in get form none refused get-f; do cp "h-$k.out" "$OUT/hydra-9.4-$k.out"; cp "h-$k.err" "$OUT/hydra-9.4-$k.err"; cp "h-$k.json" "$OUT/hydra-9.4-$k.json"; done
rm -rf "$W"
