#!/bin/bash
# NSE canary lab. Run ONLY as:
#   unshare -n -m --propagation private bash tests/lab/nse-vet/lab.sh RUNLIST OUTDIR
# RUNLIST: one run per line, "<id><TAB><nmap arguments without the target>".
# The script refuses to run unless it is in a fresh network namespace whose only
# interface is lo, and in a mount namespace of its own. Everything it adds
# (addresses, a dummy catch-all interface, bind mounts of /etc/resolv.conf and
# /etc/hosts, daemons) lives and dies with that namespace.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/fixtures
RUNLIST=${1:?runlist}
OUT=${2:?outdir}
VICTIM=10.99.0.7
DNSLOG=10.99.0.53
CANARIES="8.8.8.8 169.254.169.254 203.0.113.9 198.51.100.77"

# ---- safety: refuse outside a private namespace --------------------------------
links=$(ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ')
if [ "$links" != "lo " ]; then
  echo "REFUSING: interfaces are '$links' (need only lo): not in a fresh network namespace" >&2
  exit 2
fi
if [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ]; then
  echo "REFUSING: same network namespace as PID 1" >&2; exit 2
fi
if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
  echo "REFUSING: same mount namespace as PID 1" >&2; exit 2
fi

mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
T=$OUT/tmp; rm -rf "$T"; mkdir -p "$T"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; sleep 0.5; for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT

# ---- network: lo addresses + dummy catch-all -----------------------------------
ip link set lo up
ip addr add $VICTIM/32 dev lo
ip addr add $DNSLOG/32 dev lo
for a in $CANARIES; do ip addr add $a/32 dev lo; done
# catch-all: a veth pair that exists only in here. Everything not on lo is routed
# out of veth0 (sniffed there) and dropped at veth1, which has no address.
ip link add veth0 type veth peer name veth1
sysctl -qw net.ipv6.conf.veth0.disable_ipv6=1 net.ipv6.conf.veth1.disable_ipv6=1
ip link set veth0 up; ip link set veth1 up
ip addr add 192.0.2.250/24 dev veth0            # TEST-NET-1: source for the catch-all
PEERMAC=$(ip -o link show veth1 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
ip neigh replace 192.0.2.1 lladdr "$PEERMAC" dev veth0 nud permanent
ip route add default via 192.0.2.1 dev veth0
ip route add 224.0.0.0/4 dev veth0
[ -n "$PEERMAC" ] || { echo "no veth1 MAC" >&2; exit 3; }
ip -o addr > "$OUT/net.txt"; ip route >> "$OUT/net.txt"; ip neigh >> "$OUT/net.txt"

# ---- private resolver config ----------------------------------------------------
printf 'nameserver %s\noptions timeout:1 attempts:1\n' $DNSLOG > "$T/resolv.conf"
# the machine's own hostname: smbd resolves it on every connection (seen in the
# DNS log as queries for it; strace showed nmap never sends them)
printf '127.0.0.1 localhost\n127.0.1.1 %s\n%s canarysmb\n' "$(hostname)" $VICTIM > "$T/hosts"
mount --bind "$T/resolv.conf" /etc/resolv.conf
mount --bind "$T/hosts" /etc/hosts

# ---- loggers and fixtures --------------------------------------------------------
: > "$OUT/sniff.log"; : > "$OUT/dns.log"; : > "$OUT/canary.log"; : > "$OUT/victim.log"
python3 "$FIX/sniff.py" "$OUT/sniff.log" $VICTIM $DNSLOG & PIDS+=($!)
python3 "$FIX/dnsfix.py" logger $DNSLOG 53 "$OUT/dns.log" & PIDS+=($!)
python3 "$FIX/dnsfix.py" referral $VICTIM 53 "$OUT/victimdns.log" & PIDS+=($!)
python3 "$FIX/dnsfix.py" referral $VICTIM 5353 "$OUT/victimdns.log" & PIDS+=($!)
python3 "$FIX/dnsfix.py" nbns $VICTIM 137 "$OUT/victimdns.log" & PIDS+=($!)
python3 "$FIX/canary.py" "$OUT/canary.log" $CANARIES & PIDS+=($!)
python3 "$FIX/victim.py" $VICTIM "$FIX/cert.pem" "$FIX/key.pem" "$OUT/victim.log" & PIDS+=($!)

if [ -x /usr/sbin/sshd ]; then
  mkdir -p /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$T/ssh_ed25519" && ssh-keygen -q -t rsa -b 2048 -N '' -f "$T/ssh_rsa"
  cat > "$T/sshd_config" <<EOF
ListenAddress $VICTIM:22
HostKey $T/ssh_ed25519
HostKey $T/ssh_rsa
PidFile $T/sshd.pid
UsePAM no
UseDNS no
PasswordAuthentication yes
EOF
  /usr/sbin/sshd -D -e -f "$T/sshd_config" 2> "$T/sshd.log" & PIDS+=($!)
fi
if [ -x /usr/sbin/smbd ]; then
  S=$T/samba; mkdir -p $S/{lock,state,cache,private,pid,share,log}
  echo canary > $S/share/readme.txt
  ln -s 'msdfs:8.8.8.8\pub,canary.example.com\pub' $S/share/dfslink
  cat > $S/smb.conf <<EOF
[global]
workgroup = CANARY
netbios name = CANARYSMB
server string = canary smb
server role = standalone server
server min protocol = NT1
ntlm auth = yes
interfaces = $VICTIM/32
bind interfaces only = yes
smb ports = 445 139
disable netbios = yes
lock directory = $S/lock
state directory = $S/state
cache directory = $S/cache
private dir = $S/private
pid directory = $S/pid
ncalrpc dir = $S/ncalrpc
log file = $S/log/log.%m
map to guest = Bad User
host msdfs = yes
load printers = no
printcap name = /dev/null
[public]
path = $S/share
guest ok = yes
read only = yes
msdfs root = yes
EOF
  /usr/sbin/smbd --foreground -s $S/smb.conf > $S/smbd.out 2>&1 & PIDS+=($!)
fi
if [ -x /usr/sbin/snmpd ]; then
  mkdir -p $T/snmp
  cat > $T/snmpd.conf <<EOF
rocommunity public default
sysLocation canary http://8.8.8.8/ canary.example.com
sysContact admin@canary.example.com
sysName canary-snmp
EOF
  SNMP_PERSISTENT_DIR=$T/snmp /usr/sbin/snmpd -f -Lo -C -c $T/snmpd.conf -p $T/snmpd.pid udp:$VICTIM:161 > $T/snmpd.log 2>&1 & PIDS+=($!)
fi
sleep 3

# ---- runs -------------------------------------------------------------------------
lines() { wc -l < "$1"; }
echo -e "id\tstart\tend\twall\trc\tsniff0\tsniff1\tdns0\tdns1\tcan0\tcan1\targs" > "$OUT/runs.tsv"
# baseline: background noise while idle
s0=$(lines "$OUT/sniff.log"); d0=$(lines "$OUT/dns.log"); c0=$(lines "$OUT/canary.log")
sleep 5
echo -e "_idle\t0\t0\t5\t0\t$s0\t$(lines "$OUT/sniff.log")\t$d0\t$(lines "$OUT/dns.log")\t$c0\t$(lines "$OUT/canary.log")\t-" >> "$OUT/runs.tsv"
mkdir -p "$OUT/runs"
while IFS=$'\t' read -r id args; do
  [ -z "$id" ] && continue
  case "$id" in \#*) continue;; esac
  s0=$(lines "$OUT/sniff.log"); d0=$(lines "$OUT/dns.log"); c0=$(lines "$OUT/canary.log")
  t0=$(date +%s.%N)
  eval "ARGS=($args)"
  WRAP=()
  case "$id" in strace_*) WRAP=(strace -f -qq -e trace=connect,sendto,sendmsg -o "$OUT/runs/$id.strace");; esac
  timeout -k 5 300 "${WRAP[@]}" nmap "${ARGS[@]}" -oX "$OUT/runs/$id.xml" $VICTIM > "$OUT/runs/$id.out" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  sleep 1.5   # let late packets / logs land
  wall=$(python3 -c "print(round($t1-$t0,2))")
  echo -e "$id\t$t0\t$t1\t$wall\t$rc\t$s0\t$(lines "$OUT/sniff.log")\t$d0\t$(lines "$OUT/dns.log")\t$c0\t$(lines "$OUT/canary.log")\t$args" >> "$OUT/runs.tsv"
  echo "run $id rc=$rc wall=${wall}s" >&2
done < "$RUNLIST"
cp "$T/sshd.log" "$OUT/" 2>/dev/null
echo done >&2
