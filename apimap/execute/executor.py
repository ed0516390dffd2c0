"""The client side of the executor: one persistent process per pytest worker, replaced when it dies.

Design (measured on this project's machine, torch 2.13.0 + MindSpore 2.10.0, see scripts/bench_doctest.py):

- Importing torch + MindSpore costs 3-6 s, and MindSpore's first run of an operator or optimizer in a
  process costs another 1.5-3 s of lazy initialisation. A *fork server* that imports the frameworks and
  forks per example pays that lazy initialisation in every child (measured 1.6-3.1 s per example instead
  of 0.06 s); warming the runtime up before forking makes the forked children hang (MindSpore's runtime
  threads are not carried across fork). So we use a *persistent executor*: one subprocess per worker that
  imports once and runs parts in fresh namespaces, one after another.
- Isolation comes from the process boundary: a segfault, a hard hang (a C call the soft SIGALRM timeout
  cannot interrupt) or an abort kills only the executor; this side notices (EOF or its own deadline),
  reports that one part as failed with the YAML line of the statement it was running, and starts a new
  executor for the next part. Memory is capped with RLIMIT_AS (framework footprint + a budget).
- The executor gets a minimal environment (no inherited secrets), its own session (process group), and is
  killed with its whole group when it dies or when the worker finishes: no stray processes.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..interrupts import interrupts_held
from . import sandbox as sb

HARD_KILL_GRACE = 3.0  # seconds after the soft timeout before the executor is killed
START_TIMEOUT = 180.0  # importing the frameworks on a loaded 2-core machine can take a while
DEFAULT_MEMORY_MB = 4096  # address space on top of the frameworks' own footprint
_KEEP_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "LD_LIBRARY_PATH")


PRELOAD = ("numpy", "torch", "mindspore")


def executor_env(memory_mb: int, home: str, preload=PRELOAD) -> dict[str, str]:
    env = {k: os.environ[k] for k in _KEEP_ENV if k in os.environ}
    env.setdefault("PATH", "/usr/bin:/bin")
    env.update(
        {
            "HOME": home,
            "TMPDIR": home,
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            # this apimap, even when not installed
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            "GLOG_v": "3",  # MindSpore: errors only
            "APIMAP_MEMORY_LIMIT_MB": str(memory_mb),
            "APIMAP_PRELOAD": ",".join(preload),
        }
    )
    for (
        key,
        value,
    ) in os.environ.items():  # explicit opt-in passthrough, e.g. APIMAP_ENV_OMP_NUM_THREADS=1
        if key.startswith("APIMAP_ENV_"):
            env[key[len("APIMAP_ENV_") :]] = value
    return env


class ExecutorDied(Exception):
    pass


class Executor:
    """Runs example parts in a persistent subprocess; ``run`` always returns a result dict."""

    def __init__(
        self,
        memory_mb: int = DEFAULT_MEMORY_MB,
        python: str | None = None,
        preload=PRELOAD,
        sandbox: str = "auto",
    ):
        """``sandbox``: ``required`` (bubblewrap, or ``sb.SandboxUnavailable``), ``auto`` (bubblewrap when it
        runs here) or ``off``. See apimap.execute.sandbox for what it contains."""
        self.memory_mb = memory_mb
        self.sandboxed = sandbox != "off" and sb.bwrap_problem() is None
        if sandbox == "required" and not self.sandboxed:
            raise sb.SandboxUnavailable(f"sandbox required: {sb.bwrap_problem()}")
        self._limits: sb.GroupLimits | None = None
        self.preload = tuple(preload)
        self.python = python or sys.executable
        self.proc: subprocess.Popen | None = None
        self.versions: dict[str, str] = {}
        self.import_seconds: list[float] = []  # one entry per executor started
        self.restarts = 0
        self._home = tempfile.mkdtemp(prefix="apimap-executor-")
        self._buf = b""
        self._ready = False
        self._eof = False

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the process (returns at once; the frameworks import while the caller does other work)."""
        if self.proc is not None:
            return
        self._log = open(Path(self._home) / "executor.log", "ab")
        argv = [self.python, "-m", "apimap.execute.server"]
        env = executor_env(self.memory_mb, self._home, self.preload)
        if self.sandboxed:  # the example's environment is set inside; bwrap itself needs only PATH
            argv = sb.wrap(argv, env, Path(self._home))
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
            group_mb = self.memory_mb + sb.FRAMEWORKS_MB if self.memory_mb else None
            self._limits = sb.GroupLimits.create(group_mb * 2**20 if group_mb else None)
            if self._limits is not None:  # memory and processes bounded for everything it starts
                argv = self._limits.enter(argv)
        with interrupts_held():  # never leave a started executor untracked
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._log,
                env=env,
                cwd=self._home,
                start_new_session=True,
            )
        self._buf = b""
        self._ready = False

    def _wait_ready(self) -> None:
        if self._ready:
            return
        msg = self._read(time.monotonic() + START_TIMEOUT)
        if msg is None or msg.get("event") != "ready":
            tail = self._log_tail()
            self.stop()
            raise ExecutorDied("the executor did not start" + (f":\n{tail}" if tail else ""))
        self.versions = msg["versions"]
        self.import_seconds.append(msg["import_seconds"])
        self._ready = True

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
        if self._limits is not None:
            self._limits.close()
            self._limits = None
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self._log.close()

    def close(self) -> None:
        self.stop()
        import shutil

        shutil.rmtree(self._home, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    # --- running -----------------------------------------------------------------------------------

    def run(self, request: dict) -> dict:
        """request as for ``runpart.run_part``. Result: {status, message, line, duration, values}."""
        try:
            self.start()
            self._wait_ready()
        except ExecutorDied as exc:
            return {
                "status": "errored",
                "message": str(exc),
                "line": None,
                "duration": 0.0,
                "values": {},
            }
        log_offset = self._log_size()
        started = time.monotonic()
        self.proc.stdin.write((json.dumps(request) + "\n").encode())
        self.proc.stdin.flush()
        deadline = started + float(request["timeout"]) + HARD_KILL_GRACE
        at: dict = {}
        while True:
            msg = self._read(deadline)
            if msg is None:
                return self._lost(request, at, time.monotonic() - started, log_offset)
            if msg.get("event") == "at":
                at = msg
            elif msg.get("event") == "done":
                msg.pop("event")
                if msg["status"] == "timeout":
                    msg["status"] = "failed"
                    msg["message"] = f"timed out after {request['timeout']:g} s: " + msg["message"]
                return msg

    def _lost(self, request: dict, at: dict, took: float, log_offset: int) -> dict:
        """The executor crashed or hung: report that, restart lazily on the next run."""
        proc = self.proc
        if proc is not None and self._eof:  # it closed its end: it is exiting; get its status
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        alive = proc is not None and proc.poll() is None
        self.stop()
        code = proc.returncode if proc else None
        if code is not None and self.sandboxed and 128 < code < 128 + signal.NSIG:
            code = 128 - code  # bubblewrap reports its child's death by signal N as status 128 + N
        if alive:
            reason = f"timed out after {request['timeout']:g} s (the statement did not return; the executor was killed)"
        elif code is not None and code < 0:
            sig = signal.Signals(-code)
            reason = f"crashed the executor with {sig.name}" + (
                " (segmentation fault)" if sig == signal.SIGSEGV else ""
            )
            if sig == signal.SIGKILL:
                reason += "; possibly the kernel's out-of-memory killer"
        else:
            reason = f"the executor exited with status {code}"
        where = ""
        if at:
            where = f"\n    >>> {at.get('source', '')}"
        tail = self._log_tail(log_offset, crash=not alive)
        self.restarts += 1
        return {
            "status": "failed",
            "message": reason
            + where
            + (f"\nExecutor output (last lines):\n{tail}" if tail else ""),
            "line": at.get("line"),
            "duration": took,
            "values": {},
        }

    def _read(self, deadline: float) -> dict | None:
        """Next protocol message, or None on EOF or when ``deadline`` passes."""
        fd = self.proc.stdout.fileno()
        self._eof = False
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            with selectors.DefaultSelector() as sel:
                sel.register(fd, selectors.EVENT_READ)
                if not sel.select(remaining):
                    return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                self._eof = True
                return None
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def _log_size(self) -> int:
        try:
            return os.path.getsize(Path(self._home) / "executor.log")
        except OSError:
            return 0

    def _log_tail(self, offset: int = 0, lines: int = 8, crash: bool = False) -> str:
        """Last lines the executor wrote to stderr since ``offset``, without MindSpore's WARNING chatter.

        For a crash only the fatal-error lines are kept (the statement is already named)."""
        try:
            with open(Path(self._home) / "executor.log", "rb") as f:
                f.seek(offset)
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        kept = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("[WARNING")]
        if crash:
            kept = [
                ln
                for ln in kept
                if ln.startswith(("Fatal Python error", "terminate called", "Aborted"))
            ]
        return "\n".join("    " + ln for ln in kept[-lines:])
