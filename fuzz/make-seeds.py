#!/usr/bin/env python3
"""Writes fuzz/corpus/<target>/seed-* from the test suites' own strings and the
output crate's golden files, so every fuzz target starts from inputs the tests
already know. Deterministic; rerun after tests change (old seeds are replaced,
other corpus files are kept).

    python3 fuzz/make-seeds.py                # every target
    python3 fuzz/make-seeds.py config_load    # one target's seeds only

config_load seeds are the example config (config/*.yaml), the e2e configs, every
YAML/JSON body in the config tests, and the environment names of env_vars.rs, each
as YAML and (where it converts) as JSON, alone and with an environment.

String literals are taken from the policy crate's tests (per tool, the
address and scope tests, the tokenizer) and from the e2e tests; the
tricky-target list below adds the forms nmap or libc read differently
(octal/hex/short IPv4, zone ids, brackets, ranges, unicode digits, IDNA).
"""

import hashlib
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
POLICY = ROOT / "crates" / "secmcp-policy" / "src"
OUTPUT = ROOT / "crates" / "secmcp-output" / "tests"

# Forms a target parser must not read differently from nmap/libc.
TRICKY_TARGETS = [
    "127.1", "0x7f.1", "0x7f.0.0.1", "2130706433", "0x7f000001", "017700000001",
    "010.0.0.1", "10.0.0.01", "10.0.0.1.", "10.0.0.1..", ".10.0.0.1", "10.0.0", "10.0.1",
    "10.0.0.256", "10.0.0.1/24", "10.0.0.0/024", "10.0.0.0/8", "10.0.0.0/33", "10.0.0.1-5",
    "10.0.0.*", "10.0.0.1,2", "10.0.0.1 ", " 10.0.0.1", "10.0.0.1\t", "\u0661\u0660.0.0.1",
    "１０.0.0.1", "10。0。0。1", "::1", "[::1]", "::1%lo", "fe80::1%eth0", "::ffff:10.0.0.5",
    "::ffff:0a00:0005", "::10.0.0.5", "0:0:0:0:0:ffff:10.0.0.5", "2001:db8::5", "2001:DB8::5",
    "2001:db8::/64", "2001:db8::1/64", "[2001:db8::5]:80", "10.0.0.5:80", "web.lab.internal",
    "WEB.LAB.INTERNAL", "web.lab.internal.", "web..lab.internal", "-web.lab.internal",
    "web.lab.internal/24", "xn--bcher-kva.lab.internal", "bücher.lab.internal", "1.lab.internal",
    "web.lab.123", "0x10.lab.internal", "localhost", "169.254.169.254", "0251.0376.0251.0376",
    "0.0.0.0", "255.255.255.255", "224.0.0.1", "10.0.0.5/32", "10.0.0.0/31", "1e1", "0",
    "-sL", "--script=x", "http://10.0.0.5/", "10.0.0.5#x", "10.0.0.5\n", "%31%30.0.0.1",
]


def literals(path):
    """Rust string literals (plain and raw) of a file, unescaped roughly."""
    text = path.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r'r#"(.*?)"#|"((?:[^"\\\n]|\\.)*)"', text, re.S):
        raw, plain = m.group(1), m.group(2)
        if raw is not None:
            out.append(raw)
            continue
        s = plain
        s = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda x: chr(int(x.group(1), 16)), s)
        s = s.replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t").replace("\\'", "'")
        s = s.replace("\\\\", "\\")
        out.append(s)
    return out


def looks_like_args(s):
    return s.startswith(("-", "+", "@")) or " -" in s


def looks_like_target(s):
    if not s or len(s) > 253 or " " in s or "\n" in s:
        return False
    return bool(re.fullmatch(r"[0-9A-Za-z.:/\-\[\]%_]+", s)) and ("." in s or ":" in s)


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    digest = hashlib.sha1(data).hexdigest()[:16]
    (d / f"seed-{name}-{digest}").write_bytes(data)


def clean():
    for p in CORPUS.glob("*/seed-*"):
        p.unlink()


# What each tool is usually pointed at, and its typical typed fields.
TOOL = {
    "nmap": (["10.0.0.5", "web.lab.internal", "10.0.0.0/28", "2001:db8::5"], [""]),
    "masscan": (["10.0.0.5", "10.0.0.0/28"], ["ports=80", "ports=22,80,U:53\nrate=100", "banners=1"]),
    "gobuster": (
        ["http://web.lab.internal/", "https://10.0.0.5:8443/app/", "lab.internal"],
        ["mode=dir", "mode=dns", "mode=vhost", "mode=dir\nwordlist=common", "mode=dir\nwordlist=dirb/small.txt",
         "mode=dns\nwordlist=subdomains"],
    ),
    "hydra": (
        ["10.0.0.5", "web.lab.internal"],
        ["service=ssh\nuser=root\npass=toor", "service=ftp\nuser_list=usernames\npassword_list=passwords",
         "service=http-get\npath=/admin\nuser_list=common\npassword_list=creds/pw.txt",
         "service=http-post-form\npath=/login\nform=u=^USER^&p=^PASS^\nfailure=bad\nuser=a\npass=b"],
    ),
    "sqlmap": (
        ["http://10.0.0.5/item.php?id=1", "http://web.lab.internal:8080/q?x=1"],
        ["", "data=id=1&x=2"],
    ),
    "dig": (
        ["web.lab.internal", "10.0.0.5", "lab.internal"],
        ["", "type=MX", "type=AXFR\nserver=10.0.0.53", "server=ns.lab.internal\nclass=CH\ntype=TXT"],
    ),
}


def main():
    clean()
    all_args = set()
    names = set()
    urls = set()
    targets = set(TRICKY_TARGETS)
    for tool, (tool_targets, tool_fields) in TOOL.items():
        lits = literals(POLICY / "tools" / tool / "tests.rs")
        args = sorted({s for s in lits if looks_like_args(s) and len(s) < 400})
        all_args.update(args)
        found_targets = sorted({s for s in lits if looks_like_target(s)})
        targets.update(t for t in found_targets if "://" not in t)
        urls.update(t for t in lits if t.startswith(("http://", "https://")))
        names.update(s for s in lits if re.fullmatch(r"[A-Za-z0-9._+/\-]{1,80}", s) and "." in s and "/" in s)
        target0 = tool_targets[0]
        for i, a in enumerate(args):
            for knobs in ("ir", "irS1"):
                fields = tool_fields[i % len(tool_fields)]
                write(f"argv_{tool}", "args", f"{knobs}\n{target0}\n{a}\n{fields}")
        for t in found_targets + tool_targets:
            write(f"argv_{tool}", "target", f"ir\n{t}\n\n{tool_fields[0]}")
        for f in tool_fields:
            for t in tool_targets:
                for knobs in ("", "ir", "irA0", "irA1", "irF1", "irA", "irA46"):
                    write(f"argv_{tool}", "fields", f"{knobs}\n{t}\n\n{f}")
    for p in [POLICY / "address" / "tests.rs", POLICY / "scope" / "tests.rs", POLICY / "policy" / "tests.rs"]:
        targets.update(s for s in literals(p) if looks_like_target(s) or s in TRICKY_TARGETS)
    for e2e in (ROOT / "tests" / "e2e").glob("*.py"):
        for m in re.finditer(r'"([^"\n]{1,200})"', e2e.read_text(encoding="utf-8")):
            s = m.group(1)
            if looks_like_target(s) and "://" not in s:
                targets.add(s)
            if s.startswith(("http://", "https://")):
                urls.add(s)
            if looks_like_args(s):
                all_args.add(s)
    scopes = [
        "rfc1918 .lab.internal\n\n10.0.0.5",
        "10.0.0.0/24 loopback 2001:db8::/120 .lab.internal\n10.0.0.200 .bad.lab.internal\n10.0.0.5 ::ffff:10.0.0.200",
        "169.254.169.254/32 169.254.0.0/16 fd00:ec2::/64\n\n169.254.169.254",
    ]
    for t in sorted(targets):
        for s in scopes:
            write("target_scope", "target", f"{t}\n{s}")
    for a in sorted(all_args) + literals(POLICY / "tokens.rs"):
        write("tokenize", "args", a)
    for u in sorted(urls) + [
        "http://[::1]:8080/a", "https://WEB.lab.internal/x%20y", "http://user@10.0.0.5/", "http://10.0.0.5#f",
        "http://0x7f.1/", "http://10.0.0.5:99999/", "HTTP://10.0.0.5/", "http://[fe80::1%25eth0]/",
    ]:
        write("url", "url", u)
    for n in sorted(names) + literals(POLICY / "files.rs") + ["common", "dirb/small.txt", "../etc/passwd", "a//b", "/etc/x"]:
        write("list_names", "name", n)
    golden = OUTPUT / "golden"
    fixtures = OUTPUT / "fixtures"
    sep = b"\n@@@@\n"
    for p in sorted(list(golden.glob("nmap-*")) + list(fixtures.glob("nmap-*"))):
        write("output_nmap", p.stem, p.read_bytes())
    for p in sorted(list(golden.glob("masscan-*")) + list(fixtures.glob("masscan-*"))):
        write("output_masscan", p.stem, p.read_bytes())
    for p in sorted(list(golden.glob("dig-*")) + list(fixtures.glob("dig-*"))):
        write("output_dig", p.stem, p.read_bytes())
    for p in sorted(golden.glob("gobuster-*.out")):
        mode = "dns" if "-dns" in p.name else "vhost" if "vhost" in p.name else "dir"
        err = p.with_suffix(".err")
        write("output_gobuster", p.stem, mode.encode() + sep + p.read_bytes() + sep + (err.read_bytes() if err.exists() else b""))
    for p in sorted(golden.glob("hydra-*.json")):
        out, err = p.with_suffix(".out"), p.with_suffix(".err")
        parts = [p.read_bytes(), out.read_bytes() if out.exists() else b"", err.read_bytes() if err.exists() else b""]
        write("output_hydra", p.stem, sep.join(parts))
    sq = golden / "sqlmap"
    for out in sorted(sq.glob("*.stdout")):
        log = out.with_suffix(".log")
        write("output_sqlmap", out.stem, out.read_bytes() + sep + (log.read_bytes() if log.exists() else b""))
    config_seeds()

SECMCP = ROOT / "crates" / "secmcp" / "src"


def config_seeds():
    """fuzz/corpus/config_load: `FORMAT [KNOBS]`, `NAME=value` lines, `%%`, the file."""
    import json
    try:
        import yaml  # only to add JSON twins of the YAML bodies; optional
    except ImportError:
        yaml = None

    def case(fmt, body, env=(), knobs=""):
        head = fmt + (" " + knobs if knobs else "")
        return "\n".join([head, *env, "%%", body])

    bodies = []
    for p in sorted((ROOT / "config").glob("*.yaml")) + sorted((ROOT / "tests" / "e2e" / "configs").glob("*.yaml")):
        bodies.append(("yaml", p.read_text(encoding="utf-8")))
    for lit in literals(SECMCP / "config" / "tests.rs"):
        if lit.lstrip().startswith("{") and lit.rstrip().endswith("}") and '":' in lit:
            bodies.append(("json", lit))
        elif re.match(r"^[a-z_]+:", lit) and ("\n" in lit or ": " in lit):
            bodies.append(("yaml", lit))
    env_text = (SECMCP / "config" / "env_vars.rs").read_text(encoding="utf-8")
    names = re.findall(r'"((?:SECMCP|MCP)_[A-Z0-9_]+)"', env_text)
    values = {
        "PORT": "8081", "HOST": "127.0.0.1", "TRANSPORT": "http", "LEVEL": "debug", "LOG": "info",
        "FORMAT": "json", "FILE": "/var/log/secmcp.log", "TARGETS": "10.0.0.0/24, .lab.internal",
        "INTRUSIVE": "yes", "TIMEOUT": "30.5", "THRESHOLD": "75.5", "INTERVAL": "15.0",
        "ENABLED": "off", "PREFIX": "lab_mcp", "URL": "postgresql://secmcp:$SECRET@db.lab.internal:5432/runs",
        "DIR": "/srv/secmcp", "DAYS": "30", "HOSTS": "mcp.lab.internal:8080", "PROXY": "true",
    }
    envs = []
    for n in names:
        if n in ("SECMCP_CONFIG_FILE", "SECMCP_CONFIG", "MCP_CONFIG_FILE"):
            continue
        key = next((k for k in values if n.endswith(k)), None)
        envs.append(f"{n}={values[key] if key else '7'}")
    secret_urls = [
        "postgresql://secmcp:$SECRET@db:5432/runs", "postgres://u:$SECRET@db/runs?sslmode=require",
        "mysql://u:$SECRET@db/runs", "u:$SECRET@db/runs", "postgresql://db/runs?user=u&password=$SECRET",
        " postgresql://u:$SECRET@db/runs ", "http://u:$SECRET@db", "postgresql:/u:$SECRET@db",
        "postgresql://u:$SECRET@db:notaport/x",
    ]
    scope = "security:\n  allowed_targets: [loopback]\n"
    for i, (fmt, body) in enumerate(bodies):
        write("config_load", "file", case(fmt, body))
        write("config_load", "file-env", case(fmt, body, envs[i % len(envs): i % len(envs) + 3], "r"))
        if fmt == "yaml" and yaml is not None:
            try:
                v = yaml.safe_load(body)
                write("config_load", "json", case("json", json.dumps(v, indent=1)))
            except Exception:
                pass
    for e in envs:
        write("config_load", "env", case("none", "", [e]))
        write("config_load", "env-file", case("yaml", scope, [e]))
    for u in secret_urls:
        for var in ("SECMCP_DATABASE_URL", "MCP_DATABASE_URL"):
            write("config_load", "secret", case("yaml", scope, [f"{var}={u}"]))
    write("config_load", "empty", case("yaml", ""))
    write("config_load", "none", case("none", ""))
    write("config_load", "scalar", case("json", "42"))
    write("config_load", "many", case("yaml", "security:\n  allowed_targets: [" + ", ".join(f"x{i}/99" for i in range(80)) + "]\n"))
    write("config_load", "ctl", case("yaml", 'server:\n  host: "a\\nb\\u001b[31m"\n'))


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["config_load"]:
        # Only this target's seeds (the others' corpora are left as they are).
        for p in CORPUS.glob("config_load/seed-*"):
            p.unlink()
        config_seeds()
    else:
        main()
