#!/usr/bin/env python3
"""Combine code review (review.py) and lab results (out-*/results.json) into vetted.tsv."""
import glob, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
exec(open(os.path.join(HERE, "review.py")).read())

cands = [l.rstrip("\n").split("\t") for l in open(os.path.join(HERE, "candidates.tsv"))]
results = {}
for d in sorted(glob.glob(os.path.join(HERE, "out-*/results.json"))):
    tag = os.path.basename(os.path.dirname(d))
    for rid, r in json.load(open(d)).items():
        r["_dir"] = tag
        results.setdefault(rid, r)
extra_runs = {k: v for k, v in results.items() if not k.startswith("s_")}


def hits(r):
    return r["egress"] + r["dns"] + r["canary_conns"]


def hit_text(r):
    parts = []
    if r["egress_dst"]:
        parts.append("egress " + "; ".join("%s x%d" % (k, v) for k, v in r["egress_dst"][:5]))
    if r["dns_names"]:
        parts.append("DNS " + "; ".join("%s x%d" % (k, v) for k, v in r["dns_names"][:5]))
    return ", ".join(parts)


rows = []
for name, cats in cands:
    code, reaches, note = R[name]
    solo = [(k, v) for k, v in results.items() if set(v.get("ran", {})) == {name}
            or (k == "s_" + name)]
    ran_runs = [(k, v) for k, v in solo if name in v.get("ran", {})]
    # multi-script runs with zero hits also exercise the script cleanly
    ran_runs += [(k, v) for k, v in results.items() if name in v.get("ran", {}) and (k, v) not in solo
                 and not hits(v) and not k.startswith("vetted_")][:2]
    hit_runs = [(k, v) for k, v in solo if hits(v)]
    evs = []
    for k, v in ran_runs:
        outputs = v["outputs"].get(name, [])
        errs = v["errors"].get(name, [])
        e = "run %s/%s: ran against %s; output: %s%s; %d egress, %d DNS, %d canary conns; %.1f s" % (
            v["_dir"], k, ",".join(sorted(t.replace("10.99.0.7", "") or "host" for t in v["ran"][name])),
            ",".join(outputs) if outputs else "none", "; Lua error" if errs else "",
            v["egress"], v["dns"], v["canary_conns"], v["wall"])
        if hits(v):
            e += " [" + hit_text(v) + "]"
        evs.append(e)
    if not ran_runs:
        r = results.get("s_" + name)
        evs.append("not exercised: rule did not match in the lab (run %s/s_%s)" % (r["_dir"], name) if r else "not run")
    ev = " | ".join(evs)
    errs_any = any(v["errors"].get(name) for k, v in ran_runs)
    reason = ""
    if code == "escape" or hit_runs:
        verdict = "rejected"
        reason = note or "lab: reached canaries"
        if hit_runs and code != "escape":
            reason = "LAB HIT (code review missed it): " + hit_text(hit_runs[0][1]) + "; " + note
    elif code == "args":
        verdict = "rejected"
        reason = "does nothing without script-args/hostname targets/newtargets (secmcp refuses them); by design: " + reaches + ". " + note
    elif code == "v6":
        verdict = "untested"
        reason = note
    elif ran_runs:
        verdict = "vetted"
        reason = note + ("; raised a Lua error against the fixture" if errs_any else "")
    else:
        verdict = "untested"
        reason = "rule never matched in the lab; code review: %s (%s)" % (code, note or reaches)
    rows.append((name, cats, verdict, reaches, ev, reason))

with open(os.path.join(HERE, "vetted.tsv"), "w") as f:
    f.write("script\tnmap_categories\tverdict\treaches\tevidence\treason\n")
    for row in rows:
        f.write("\t".join(x.replace("\t", " ").replace("\n", " ") for x in row) + "\n")
cnt = {}
for row in rows:
    cnt[row[2]] = cnt.get(row[2], 0) + 1
print(cnt)
print("vetted:", ",".join(r[0] for r in rows if r[2] == "vetted"))
