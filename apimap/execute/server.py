"""The executor process: ``python -m apimap.execute.server``, a fork server for file executors.

It imports numpy, torch and MindSpore once (those installed, plus the submodules their optimizers load
lazily), freezes that heap for the garbage collector, and then runs no example code itself. For each mapping
file the parent opens, it forks a *file executor*: a child that runs that file's parts and nothing else, and
is killed when the parent moves to the next file, with everything it started. So an example cannot reach
the examples of another file (a patched function, a thread left running, a forged output), and each file
costs a fork (~0.1 s), not an import (~6 s). The server is not dumpable, so its children cannot ptrace it or
read its memory.

Protocol: one JSON object per line; requests on stdin, replies on the original stdout (file descriptor 1
is pointed at stderr so that C-level prints cannot corrupt it). Lines the server writes start with ``S``,
lines it relays from the file executor with ``F``: a file executor cannot forge the server's replies.

Server ops: ``open`` (end the current file executor, fork a new one: ``opened``), ``close`` (end it:
``closed``). Anything else is relayed to the file executor. When the file executor dies or sends a line over
``protocol.MAX_MESSAGE``, the server replies ``lost`` with its exit status.
File-executor ops (``runpart``): ``begin`` → ``begun``, ``run`` → ``ran``, ``end`` → ``ended``; (``probing``)
``call`` → ``called``.
"""

from __future__ import annotations

import faulthandler
import gc
import json
import os
import selectors
import signal
import sys
import time

from .protocol import LineReader, MessageTooLarge, encode, into_buffer, write_all

# imported once with their framework, not in each file executor: torch's optimizers import torch._dynamo on
# first use (~2 s), and the rest are what the project's examples imported lazily in more than one file
# (counted over all files: sys.modules after each file executor, minus before)
WARM_IMPORTS = {
    "torch": ("torch.optim", "torch._dynamo", "torch.profiler._cupti_monitor"),
    "mindspore": (
        "mindspore.mint",
        "mindspore.nn",
        "mindspore.experimental.optim",
        "mindspore.graph._parse.compile_config",
        "mindspore.ops.tensor_method",
        "asttokens.mark_tokens",
        "asttokens.astroid_compat",
    ),
}


def main() -> int:
    proto = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", closefd=False)
    faulthandler.enable(sys.stderr)
    start = time.perf_counter()
    versions = preload()
    from . import runpart  # noqa: F401 - imported before the fork, not in every file executor

    gc.collect()
    gc.freeze()  # children do not copy the frameworks' pages when their collector walks the heap
    _not_dumpable()
    server = Server(proto, int(os.environ.get("APIMAP_MEMORY_LIMIT_MB", "0")))
    server.say(
        {
            "event": "ready",
            "import_seconds": time.perf_counter() - start,
            "versions": versions,
            "pid": os.getpid(),
        }
    )
    return server.serve()


class Server:
    def __init__(self, proto: int, memory_mb: int):
        self.proto, self.memory_mb = proto, memory_mb
        self.own_pid_namespace = os.environ.get("APIMAP_OWN_PID_NAMESPACE") == "1"
        self.child: int | None = None
        self.sock: int | None = None  # our end of the file executor's socket
        self.reader: LineReader | None = None
        self.dead: list[int] = []  # killed, not reaped yet

    def say(self, obj: dict) -> None:
        write_all(self.proto, b"S" + encode(obj))

    def serve(self) -> int:
        requests = LineReader(0)
        sel = selectors.DefaultSelector()
        sel.register(0, selectors.EVENT_READ, "parent")
        while True:
            ready = {key.data for key, _ in sel.select()}
            # one source per round: handling one may end the file executor the other report is about
            if "parent" in ready:
                requests.feed()
                while (line := requests.pop()) is not None:
                    self.request(line, sel)
                if requests.eof:
                    self.end_child(sel)
                    return 0
            elif self.reader is not None:
                self.relay(sel)

    def request(self, line: bytes, sel) -> None:
        if not line.strip():
            return
        op = json.loads(line).get("op")
        if op == "open":
            self.end_child(sel)
            self.start_child(sel)
            self.say({"event": "opened"})
        elif op == "close":
            self.end_child(sel)
            self.say({"event": "closed"})
        elif self.sock is None:
            self.say({"event": "lost", "reason": "no file executor is open"})
        else:
            try:
                write_all(self.sock, line + b"\n")
            except OSError:  # it died; its end of the socket reports that as EOF
                pass

    def relay(self, sel) -> None:
        try:
            self.reader.feed()
        except MessageTooLarge as exc:
            self.end_child(sel)
            self.say({"event": "lost", "reason": f"the file executor sent {exc}"})
            return
        while (line := self.reader.pop()) is not None:
            write_all(self.proto, b"F" + line + b"\n")
        if self.reader.eof:
            status = self.end_child(sel, wait=True)
            self.say({"event": "lost", **status})

    def fork(self) -> tuple[int, int]:
        """A new file executor: (pid, our end of its socket)."""
        import socket

        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the file executor
            try:
                ours.close()
                os.close(0)
                os.close(self.proto)
                _die_with_parent()
                code = file_executor(theirs.detach(), self.memory_mb)
            except BaseException:  # noqa: BLE001 - said on stderr, reported by the parent as an exit status
                import traceback

                traceback.print_exc()
                code = 70
            os._exit(code)
        theirs.close()
        return pid, ours.detach()

    def start_child(self, sel) -> None:
        self.child, self.sock = self.fork()
        os.set_blocking(self.sock, False)
        self.reader = LineReader(self.sock)
        sel.register(self.sock, selectors.EVENT_READ, "child")

    def end_child(self, sel, wait: bool = False) -> dict:
        """Kill the file executor and, in our own PID namespace, every process it left. With ``wait`` (it died
        by itself), reap it and return its status; otherwise it is reaped later, off the parent's clock."""
        if self.child is None:
            return {}
        sel.unregister(self.sock)
        os.close(self.sock)
        child, self.child, self.sock, self.reader = self.child, None, None, None
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.own_pid_namespace:
            _kill_all_but({1, os.getpid()})
        self.dead = [pid for pid in self.dead if os.waitpid(pid, os.WNOHANG) == (0, 0)]
        if not wait:
            self.dead.append(child)
            return {}
        _, wait_status = os.waitpid(child, 0)
        if os.WIFSIGNALED(wait_status):
            return {"signal": os.WTERMSIG(wait_status)}
        return {"exit": os.WEXITSTATUS(wait_status)}


def file_executor(fd: int, memory_mb: int) -> int:
    """Serve one mapping file's parts over ``fd`` until the server ends us."""
    import socket

    from .probing import run_call
    from .runpart import PartSession

    sock = socket.socket(fileno=fd)
    reader = LineReader(fd, read=into_buffer(sock))
    memory_limit(memory_mb)
    session: PartSession | None = None
    while (line := reader.line(None)) is not None:
        request = json.loads(line)
        op = request.get("op")
        try:
            if op == "begin":
                session = PartSession(request["timeout"])
                reply = {"event": "begun"}
            elif op == "run" and session is not None:
                reply = {"event": "ran", **session.run(request["source"], request["filename"])}
            elif (
                op == "call"
            ):  # a probe call (apimap.execute.probing): both frameworks, raw results
                reply = {"event": "called", **run_call(request["call"], request["timeout"])}
            elif op == "calls":  # all probe calls of one mapping in one request
                results = [run_call(call, request["timeout"]) for call in request["calls"]]
                reply = {"event": "called", "results": results}
            elif op == "end" and session is not None:
                reply = {"event": "ended", **session.end(request.get("names", ()))}
                session = None
            else:
                reply = {"event": "error", "reason": f"unexpected request {op!r}"}
        except Exception as exc:  # noqa: BLE001 - a bug in the runner must not look like an example failure
            reply = {"event": "error", "reason": f"executor error: {type(exc).__name__}: {exc}"}
        write_all(fd, encode(reply))
    return 0


def _kill_all_but(keep: set[int]) -> None:
    """SIGKILL every process of this PID namespace not in ``keep`` (its init and this server): no
    daemon an example started outlives its file."""
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) not in keep:
            try:
                os.kill(int(name), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _not_dumpable() -> None:
    PR_SET_DUMPABLE = 4
    _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _die_with_parent() -> None:
    PR_SET_PDEATHSIG = 1
    _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


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
        for extra in WARM_IMPORTS.get(name, ()):
            try:
                importlib.import_module(extra)
            except Exception:  # noqa: BLE001 - optional: only a speed-up
                pass
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
