#!/usr/bin/python3
"""secmcp sandbox probe: a fake tool (configured as `tools.dig.binary` by
tests/e2e/test_sandbox_e2e.py) that tries what no scanner should be able to do
and reports, on one stderr line, what each attempt got:

  shadow  read /etc/shadow
  etc     write /etc/secmcp-escape-PID (outside its working directory)
  tmp     write /tmp/secmcp-escape-PID (outside its working directory)
  fork    fork until refused (at most 300; children sleep, the cgroup kills them)
  mem     allocate 10 GiB
  ptrace  ptrace(PTRACE_TRACEME)
  cwd     write a file in its own working directory (must work)

Each result is `ok` (the attempt succeeded) or the error's name. `-v` (the
server's version probe for dig) prints a version line instead.
"""

import ctypes
import errno
import os
import sys
import time


def attempt(fn) -> str:
    try:
        fn()
        return "ok"
    except MemoryError:
        return "MemoryError"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def read_shadow() -> None:
    with open("/etc/shadow", "rb") as f:
        f.read(1)


def write_to(path: str):
    def go() -> None:
        with open(path, "w") as f:
            f.write("escaped\n")
        os.unlink(path)

    return go


def fork_bomb() -> None:
    started = 0
    try:
        for _ in range(300):
            pid = os.fork()
            if pid == 0:
                time.sleep(30)
                os._exit(0)
            started += 1
    finally:
        fork_bomb.started = started  # type: ignore[attr-defined]


def allocate() -> None:
    block = bytearray(10 * 1024**3)
    block[-1] = 1


def ptrace() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(0, 0, None, None) != 0:
        raise OSError(ctypes.get_errno(), "ptrace")


def main() -> None:
    if sys.argv[1:] == ["-v"]:
        print("DiG 9.18.0-secmcp-sandbox-probe", file=sys.stderr)
        return
    pid = os.getpid()
    report = {
        "uid": str(os.getuid()),
        "shadow": attempt(read_shadow),
        "etc": attempt(write_to(f"/etc/secmcp-escape-{pid}")),
        "tmp": attempt(write_to(f"/tmp/secmcp-escape-{pid}")),
        "cwd": attempt(write_to(f"cwd-{pid}")),
        "mem": attempt(allocate),
        "ptrace": attempt(ptrace),
    }
    report["fork"] = attempt(fork_bomb)
    report["forked"] = str(getattr(fork_bomb, "started", 0))
    print("probe " + " ".join(f"{k}={v}" for k, v in report.items()), file=sys.stderr, flush=True)
    sys.exit(1)


if __name__ == "__main__":
    main()
