#!/usr/bin/env python3
"""Attribute canary hits, DNS queries and target ports to each lab run.

usage: analyze.py OUTDIR [OUTDIR...]  -> prints a table, writes OUTDIR/results.json
A "hit" is any egress packet (TCP SYN / UDP datagram / ICMP request / IPv6 /
ARP) to an address other than the victim, the DNS logger and 127/8, plus every
connection logged by a canary listener. DNS queries are the resolver log.
"""
import collections, json, re, socket, sys, xml.etree.ElementTree as ET
HOSTNAME = socket.gethostname().lower()


def load(path):
    try:
        return [json.loads(l) for l in open(path) if l.strip()]
    except FileNotFoundError:
        return []


def script_runs(out_text, name=None):
    ran = collections.defaultdict(set)
    errors = collections.defaultdict(list)
    for m in re.finditer(r"^NSE: Starting (\S+) against (\S+?)\.?$", out_text, re.M):
        ran[m.group(1)].add(m.group(2))
    for m in re.finditer(r"^NSE: Starting (\S+) \((\w+)\)\.?$", out_text, re.M):
        ran[m.group(1)].add(m.group(2))
    for m in re.finditer(r"^NSE: Starting (\S+)\.$", out_text, re.M):
        ran[m.group(1)].add("(pre/post)")
    for m in re.finditer(r"^NSE: (\S+) against (\S+) threw an error!", out_text, re.M):
        errors[m.group(1)].append(m.group(2))
    return ran, errors


def xml_outputs(path):
    outs = collections.defaultdict(list)
    try:
        root = ET.parse(path).getroot()
    except Exception:
        return outs
    for port in root.iter("port"):
        for s in port.findall("script"):
            outs[s.get("id")].append("%s/%s" % (port.get("portid"), port.get("protocol")))
    for hs in root.iter("hostscript"):
        for s in hs.findall("script"):
            outs[s.get("id")].append("host")
    for tag in ("prescript", "postscript"):
        for ps in root.iter(tag):
            for s in ps.findall("script"):
                outs[s.get("id")].append(tag)
    return outs


def scanned_ports(args):
    m = re.search(r"-p (\S+)", args)
    tcp, udp = set(), set()
    if not m:
        return tcp, udp
    spec = m.group(1)
    cur = tcp
    for part in spec.split(","):
        if part.startswith("T:"):
            cur, part = tcp, part[2:]
        elif part.startswith("U:"):
            cur, part = udp, part[2:]
        if "-" in part:
            a, b = part.split("-")
            cur.update(range(int(a), int(b) + 1))
        elif part:
            cur.add(int(part))
    return tcp, udp


def analyze(outdir):
    sniff = open(outdir + "/sniff.log").read().splitlines()
    dns = open(outdir + "/dns.log").read().splitlines()
    can = open(outdir + "/canary.log").read().splitlines()
    rows = [l.split("\t") for l in open(outdir + "/runs.tsv").read().splitlines()[1:]]
    results = {}
    baseline = None
    for r in rows:
        rid, start, end, wall, rc, s0, s1, d0, d1, c0, c1, args = r[:12]
        s0, s1, d0, d1, c0, c1 = map(int, (s0, s1, d0, d1, c0, c1))
        pk = [json.loads(x) for x in sniff[s0:s1]]
        egress = [p for p in pk if p.get("kind") == "egress"]
        victim = collections.Counter((p.get("proto"), p.get("dport")) for p in pk if p.get("kind") == "victim")
        if rid.startswith("ctl"):
            baseline = victim
        # queries for the lab machine's own hostname come from smbd (verified with
        # strace: nmap sent nothing to the resolver); the lab's /etc/hosts now lists it
        dq = [q for q in (json.loads(x) for x in dns[d0:d1]) if q.get("qname", "").lower() != HOSTNAME]
        cq = [json.loads(x) for x in can[c0:c1]]
        extra = {}
        if baseline is not None and not rid.startswith("ctl"):
            extra = {"%s/%s" % k: v - baseline.get(k, 0) for k, v in victim.items() if v - baseline.get(k, 0) > 0}
        tcp, udp = scanned_ports(args)
        outside = sorted({"%s/%s" % (p.get("proto"), p.get("dport")) for p in pk if p.get("kind") == "victim"
                          and ((p.get("proto") == "tcp" and p.get("dport") not in tcp)
                               or (p.get("proto") == "udp" and p.get("dport") not in udp))})
        try:
            out_text = open("%s/runs/%s.out" % (outdir, rid), errors="replace").read()
        except FileNotFoundError:
            out_text = ""
        ran, errs = script_runs(out_text)
        outs = xml_outputs("%s/runs/%s.xml" % (outdir, rid))
        results[rid] = {
            "wall": float(wall), "rc": int(rc), "args": args,
            "egress": len(egress),
            "egress_dst": sorted(collections.Counter("%s %s/%s" % (p.get("dst"), p.get("proto"), p.get("dport", p.get("type"))) for p in egress).items()),
            "dns": len(dq),
            "dns_names": sorted(collections.Counter("%s/%s" % (q.get("qname"), q.get("qtype")) for q in dq).items()),
            "canary_conns": len(cq),
            "canary_first": [("%s:%s" % (c["canary"], c["port"]), c["first"][:80]) for c in cq[:6]],
            "victim_extra_ports": extra,
            "victim_outside_scan": outside,
            "ran": {k: sorted(v) for k, v in ran.items()},
            "errors": {k: v for k, v in errs.items()},
            "outputs": {k: v for k, v in outs.items()},
        }
    json.dump(results, open(outdir + "/results.json", "w"), indent=1)
    return results


if __name__ == "__main__":
    for d in sys.argv[1:]:
        res = analyze(d)
        for rid, r in res.items():
            print("%-40s wall=%6.1f rc=%s egress=%3d dns=%3d canary=%3d ran=%s out=%s" % (
                rid, r["wall"], r["rc"], r["egress"], r["dns"], r["canary_conns"],
                ",".join(sorted(r["ran"]))[:60], ",".join(sorted(r["outputs"]))[:40]))
