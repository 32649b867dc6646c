#!/usr/bin/env python3
"""What a model reads from tools/list before its first call: each offered tool's name,
description and input schema, counted in tokens, for the default configuration and
for one that enables everything (intrusive tools, sqlmap enumeration).

    scripts/tool-tokens.py SECMCP_BIN

Tokens are counted with the Claude tokenizer that older releases of the `anthropic`
Python package ship (anthropic==0.34.2 bundles tokenizer.json; the `tokenizers`
package reads it). Without them it falls back to bytes/4 and says so.
"""

import json
import os
import subprocess
import sys
import tempfile


def counter():
    try:
        import anthropic  # noqa: F401
        from tokenizers import Tokenizer

        path = os.path.join(os.path.dirname(anthropic.__file__), "tokenizer.json")
        tok = Tokenizer.from_file(path)
        return "Claude tokenizer (anthropic 0.34 tokenizer.json)", lambda s: len(tok.encode(s).ids)
    except Exception:  # noqa: BLE001
        return "bytes/4 estimate (pip install anthropic==0.34.2 tokenizers for real counts)", lambda s: len(s.encode()) // 4


def tools(bin_path: str, config: str) -> list[dict]:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(config)
    try:
        out = subprocess.run([bin_path, "tools", "--config", f.name], capture_output=True, text=True, check=True)
    finally:
        os.unlink(f.name)
    return json.loads(out.stdout)


def main() -> None:
    bin_path = sys.argv[1]
    how, count = counter()
    configs = {
        "default config": "security:\n  allowed_targets: [RFC1918]\n",
        "everything enabled": "security:\n  allowed_targets: [RFC1918]\n  allow_intrusive: true\ntools:\n  sqlmap:\n    allow_enumeration: true\n",
    }
    print(f"\n# tools/list as a model reads it ({how})\n")
    print("| configuration | tools | tokens (name + description + input schema) | bytes of the whole tools/list |")
    print("|---|---|---|---|")
    for name, cfg in configs.items():
        listed = tools(bin_path, cfg)
        read = [t for t in listed if t["name"] != "server_health"]
        tokens = sum(
            count(t["name"] + "\n" + t["description"] + "\n" + json.dumps(t["inputSchema"], separators=(",", ":")))
            for t in read
        )
        whole = len(json.dumps(listed, separators=(",", ":")))
        print(f"| {name} | {', '.join(t['name'] for t in read)} | {tokens} | {whole} |")


if __name__ == "__main__":
    main()
