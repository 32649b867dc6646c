#!/usr/bin/env python3
"""Print the conformance suite's own requirement text for server scenarios.

Reads the installed @modelcontextprotocol/conformance bundle (scripts/install-test-deps.sh
puts it in ~/.cache/secmcp-ci/node), so the text always matches the pinned version.

    tests/conformance/describe.py                    # every scenario, names + text
    tests/conformance/describe.py tools-call-error caching
    tests/conformance/describe.py --names            # just the scenario names found
"""
import os
import re
import sys
from pathlib import Path

cache = Path(os.environ.get("SECMCP_TEST_CACHE", Path.home() / ".cache" / "secmcp-ci"))
bundle = cache / "node/node_modules/@modelcontextprotocol/conformance/dist/index.js"
if not bundle.exists():
    sys.exit(f"{bundle} not found: run scripts/install-test-deps.sh")
src = bundle.read_text()

STR = r"(`(?:\\.|[^`\\])*`|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*')"
name_re = re.compile(r"this\.name\s*=\s*`([a-z0-9][a-z0-9/_.-]*)`")
desc_re = re.compile(r"this\.description\s*=\s*" + STR)
src_re = re.compile(r"this\.source\s*=\s*(\{[^}]*\})")


def unquote(s: str) -> str:
    body = s[1:-1]
    if s[0] == "`":
        return body.replace("\\`", "`").replace("\\$", "$")
    return body.encode().decode("unicode_escape", errors="replace").encode("latin-1", errors="replace").decode("utf-8", errors="replace")


found = {}
for m in name_re.finditer(src):
    name = m.group(1)
    window = src[m.end() : m.end() + 400]
    d = desc_re.search(src, m.end(), m.end() + 400 + 20000)
    s = src_re.search(window)
    if d and d.start() - m.end() < 400 and name not in found:
        found[name] = (s.group(1) if s else "?", unquote(d.group(1)))

args = sys.argv[1:]
if args == ["--names"]:
    print("\n".join(sorted(found)))
    sys.exit(0)
for name in args or sorted(found):
    if name not in found:
        print(f"### {name}\n(not found in {bundle})\n")
        continue
    source, text = found[name]
    print(f"### {name}\nsource: {source}\n\n{text}\n")
