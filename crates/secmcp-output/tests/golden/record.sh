#!/bin/sh
# Re-records the golden nmap XML files (nmap 7.93, Debian). SAFETY: everything runs
# inside private network namespaces (unshare -n) that have no link to the outside.
# In the scanning namespace, 10.99.0.1, .2 and .7 are local addresses on lo and
# 10.99.0.6/29 sits on a veth whose peer lives in a second private namespace holding
# 10.99.0.5 (MAC 52:54:00:12:34:56); .0, .3 and .4 answer nothing (hosts down).
# 127.0.0.1 and ::1 are the namespace's own loopback. No other address is targeted.
# Run as root from this directory.
set -u
unshare -n sh -c '
set -u
ip link set lo up
ip addr add 10.99.0.1/32 dev lo
ip addr add 10.99.0.2/32 dev lo
ip addr add 10.99.0.7/32 dev lo
unshare -n sleep 120 & PEER=$!
sleep 0.3
ip link add v0 type veth peer name v1
ip link set v1 netns $PEER
ip addr add 10.99.0.6/29 dev v0
ip link set v0 up
nsenter -t $PEER -n sh -c "ip link set lo up; ip link set v1 address 52:54:00:12:34:56; ip addr add 10.99.0.5/29 dev v1; ip link set v1 up"
nsenter -t $PEER -n python3 -m http.server 8080 --bind 10.99.0.5 >/dev/null 2>&1 & P0=$!
python3 -m http.server 18080 --bind 10.99.0.7 >/dev/null 2>&1 & P1=$!
python3 -m http.server 80 --bind 10.99.0.7 >/dev/null 2>&1 & P2=$!
python3 -m http.server 8443 --bind 10.99.0.1 >/dev/null 2>&1 & P3=$!
python3 -m http.server 18082 --bind ::1 >/dev/null 2>&1 & P4=$!
sleep 1.5
nmap -n -sT -sV -p 18080,18081 --script http-title,http-headers -oX - 10.99.0.7 > nmap-sT-sV-scripts.xml
nmap -n -sT -p 1-2000,18080 -oX - 10.99.0.7 > nmap-sT-open-closed.xml
nmap -v -n -sn -oX - 10.99.0.3 > nmap-sn-host-down.xml
nmap -n -Pn -sT -p 80,443 --max-retries 0 -oX - 10.99.0.4 > nmap-Pn-filtered.xml
nmap -n -sS -p 8080,8081 -oX - 10.99.0.5 > nmap-sS-mac.xml
nmap -n -O -p 80,18080,18081 -oX - 10.99.0.7 > nmap-O.xml
nmap -n -sU -p 53,161 -oX - 127.0.0.1 > nmap-sU-closed.xml
nmap -n -sT -p 80,8080,8443,18080 -oX - 10.99.0.0/29 > nmap-range.xml
nmap -6 -n -sT -sV -p 18082,18083 -oX - ::1 > nmap-ipv6.xml
nmap -sT -p 80 -oX - localhost > nmap-localhost-hostname.xml
timeout -s TERM 2 nmap -n -Pn -sT -p- --max-rate 200 -oX - 10.99.0.4 > nmap-truncated-early.xml
timeout -s TERM 4 nmap -n -sT -p 1-300 --max-rate 200 --max-hostgroup 1 -oX - 10.99.0.1,2,7 > nmap-truncated-midrun.xml
nmap -n --script no-such-script-xyz -p 80 -oX - 10.99.0.7 > nmap-script-error.xml 2>/dev/null
nmap -n --no-such-option -oX - 10.99.0.7 > nmap-bad-option.xml 2>/dev/null
kill $P0 $P1 $P2 $P3 $P4 $PEER
wait
'
