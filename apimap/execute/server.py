"""The executor process: ``python -m apimap.execute.server``.

Imports numpy, torch and MindSpore once (those installed), then runs the example parts it is sent, one at a
time, for as long as it lives. Protocol: one JSON object per line; requests on stdin, replies on the
original stdout. File descriptor 1 is pointed at stderr so that C-level prints cannot corrupt the
protocol. Events sent back: ``ready`` (once), ``at`` (before each statement: its YAML line) and ``done``.
"""

from __future__ import annotations

import faulthandler
import json
import os
import sys
import time


def main() -> int:
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", closefd=False)
    faulthandler.enable(sys.stderr)

    def send(obj: dict) -> None:
        proto.write(json.dumps(obj) + "\n")
        proto.flush()

    start = time.perf_counter()
    versions = preload()
    memory_limit(int(os.environ.get("APIMAP_MEMORY_LIMIT_MB", "0")))
    from .runpart import run_part

    send(
        {
            "event": "ready",
            "import_seconds": time.perf_counter() - start,
            "versions": versions,
            "pid": os.getpid(),
        }
    )
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            result = run_part(
                request, progress=lambda n, src: send({"event": "at", "line": n, "source": src})
            )
        except Exception as exc:  # noqa: BLE001 - a bug in the runner must not look like an example failure
            result = {
                "status": "errored",
                "message": f"executor error: {type(exc).__name__}: {exc}",
                "line": None,
                "duration": 0.0,
                "values": {},
            }
        send({"event": "done", **result})
    return 0


def preload() -> dict[str, str]:
    """Import the frameworks that are installed (their import is what we pay once); return their versions."""
    import importlib
    import importlib.util
    import platform

    versions = {"python": platform.python_version()}
    names = [
        n for n in os.environ.get("APIMAP_PRELOAD", "numpy,torch,mindspore").split(",") if n.strip()
    ]
    for name in names:
        if importlib.util.find_spec(name) is None:
            continue
        try:
            module = importlib.import_module(name)
            versions[name] = getattr(module, "__version__", "?")
        except Exception as exc:  # noqa: BLE001 - examples that import it will report the error
            print(f"apimap executor: importing {name} failed: {exc}", file=sys.stderr)
            continue
        if name == "mindspore":
            synchronous_mindspore(module)
    return versions


def synchronous_mindspore(ms) -> None:
    """Run MindSpore ops synchronously. By default they launch asynchronously, and an op's error can be raised a
    second time at a later statement (or in the next example run by this executor): about half the time when a
    failing op is followed by another (tests/fixtures/execute/late_errors)."""
    launch_blocking = getattr(getattr(ms, "runtime", None), "launch_blocking", None)
    if launch_blocking is not None:
        launch_blocking()
    else:  # MindSpore before 2.5
        ms.set_context(pynative_synchronize=True)


def memory_limit(megabytes: int) -> None:
    """Cap the address space at what the frameworks already use plus ``megabytes`` (0: no cap)."""
    if megabytes <= 0:
        return
    import resource

    with open("/proc/self/status", encoding="ascii") as status:
        vm_kb = next((int(ln.split()[1]) for ln in status if ln.startswith("VmSize:")), 0)
    limit = vm_kb * 1024 + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


if __name__ == "__main__":
    sys.exit(main())
