#!/usr/bin/env python3
"""Fill VETTED.md placeholders from vetted.tsv, results and doc/*.md."""
import collections, csv, json, os

H = os.path.dirname(os.path.abspath(__file__))
tpl = open(os.path.join(H, "VETTED.tpl.md")).read()
rows = list(csv.DictReader(open(os.path.join(H, "vetted.tsv")), delimiter="\t"))
by = collections.defaultdict(list)
for r in rows:
    by[r["verdict"]].append(r)


def res(d):
    return json.load(open(os.path.join(H, d, "results.json")))


# category table
cat_rows = []
labels = {
    "cat_safe": "`--script '(safe) and not (...)'` all lab ports",
    "cat_discovery": "`--script '(discovery) and not (...)'` all lab ports",
    "cat_default": "`--script '(default) and not (...)'` all lab ports",
    "cat_version": "`--script '(version) and not (...)'` all lab ports",
    "cat_default_core": "`--script '(default) and not (...)'` core ports",
    "sV_core": "`-sV` (implicit version scripts) core ports",
    "sC_nmap_core": "nmap `-sC` core ports",
    "A_nmap_core": "nmap `-A` core ports",
    "A_secmcp_core": "secmcp `-A` rendering core ports",
}
for d in ("out-cat", "out-cats2"):
    for k, v in res(d).items():
        if k not in labels:
            continue
        hosts = collections.Counter()
        for e, c in v["egress_dst"]:
            hosts[e.split()[0]] += c
        cat_rows.append("| %s | %.0f | %d | %d | %s | %d (%s) |" % (
            labels[k], v["wall"], len(v["ran"]), v["egress"],
            ", ".join("%s x%d" % kv for kv in sorted(hosts.items())) or "-",
            v["dns"], ", ".join(n.rsplit("/", 1)[0] for n, _ in v["dns_names"]) or "-"))

cnt = {k: len(v) for k, v in by.items()}
vet = sorted(r["script"] for r in by["vetted"])
summary = (
    "**Result: %d candidate scripts -> %d vetted, %d rejected, %d untested.**\n\n"
    "A script is `vetted` only if (1) reading its source and the nselib code it uses found no way to\n"
    "send anything to a host other than the scanned one (no custom redirect_ok, no httpspider, no\n"
    "dns.query without an explicit target or with referral following, no names passed to connect,\n"
    "no multicast/broadcast, no target.add that could act), (2) its rule matched and it ran in the\n"
    "canary lab (`NSE: Starting <script> against ...` in `-d` output), and (3) those runs produced\n"
    "0 packets to non-target addresses and 0 DNS queries. The combined run of all vetted scripts\n"
    "by name with `-sV` also saw 0 (section 6).\n\n"
    "Vetted (%d): %s\n" % (len(rows), cnt.get("vetted", 0), cnt.get("rejected", 0), cnt.get("untested", 0),
                            len(vet), ", ".join(vet)))

verdicts = ("Counts by verdict: %s. Per-script evidence (run id, ports it ran against, whether it printed "
            "output, packets/DNS/canary connections, wall time) and reasons are in `vetted.tsv`." %
            ", ".join("%s %d" % kv for kv in sorted(cnt.items())))
rej = []
for r in sorted(by["rejected"], key=lambda r: r["script"]):
    ev = r["evidence"]
    lab = ""
    if "[" in ev:
        lab = " Lab: " + ev[ev.index("[") + 1: ev.index("]")]
    rej.append("* **%s** (%s): %s%s" % (r["script"], r["nmap_categories"], r["reason"], lab))
unt = ["* **%s** (%s): %s" % (r["script"], r["nmap_categories"], r["reason"]) for r in by["untested"]]

comb = open(os.path.join(H, "doc", "combined.md")).read() if os.path.exists(os.path.join(H, "doc", "combined.md")) else "(pending)"
out = (tpl.replace("__SUMMARY__", summary)
       .replace("__CATTABLE__", "\n".join(cat_rows))
       .replace("__VERDICTS__", verdicts)
       .replace("__REJECTED__", "\n".join(rej))
       .replace("__UNTESTED__", "\n".join(unt))
       .replace("__ARGS__", open(os.path.join(H, "doc", "args.md")).read())
       .replace("__LAB__", open(os.path.join(H, "doc", "lab.md")).read())
       .replace("__COMBINED__", comb))
open(os.path.join(H, "VETTED.md"), "w").write(out)
print("ok", cnt)
