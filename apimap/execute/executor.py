"""The client side of the executor: one server process per pytest worker, one file executor per mapping file.

Design (measured on this project's machine, torch 2.13.0 + MindSpore 2.10.0, see scripts/bench_doctest.py):

- Importing torch + MindSpore costs ~6 s of CPU, so no process imports them per file. The *server*
  (``server``) imports them once per worker and forks a *file executor* for each mapping file: a file's
  parts share one process, and no other file's code ever ran in it. Forking costs ~0.1 s per file once
  the server has also imported what the frameworks load lazily (torch's optimizers import torch._dynamo,
  ~2 s) and frozen its heap for the garbage collector. The server must not run a framework op before it
  forks: MindSpore's runtime threads are not carried across fork, and a warmed-up server's children hang.
- The verdict is computed here: the file executor runs the statements this side sends and reports what
  they printed and raised (``runpart``); ``verdict`` compares that with the YAML, so an example that
  patches the checker or the protocol in its own process changes nothing but its own outputs.
- Isolation comes from the process boundary: a segfault, a hard hang (a C call the soft SIGALRM timeout
  cannot interrupt) or an abort kills only the file executor; this side notices (the server's ``lost``, or
  its own deadline, after which it has the server kill it), reports that one part as failed with the YAML
  line of the statement it was running, and the next part gets a new file executor. Memory is capped with
  RLIMIT_AS (framework footprint + a budget) and, in the sandbox, for the whole group.
- The server gets a minimal environment (no inherited secrets), its own session (process group), and is
  killed with its whole group when it dies or when the worker finishes: no stray processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..interrupts import interrupts_held
from . import sandbox as sb
from .protocol import MAX_MESSAGE, LineReader, MessageTooLarge, encode
from .verdict import Lost, drive, finish

HARD_KILL_GRACE = 3.0  # seconds after the soft timeout before the executor is killed
START_TIMEOUT = 180.0  # importing the frameworks on a loaded 2-core machine can take a while
DEFAULT_MEMORY_MB = 4096  # address space on top of the frameworks' own footprint
LOG_TAIL_BYTES = 64 * 1024  # of the executor's stderr read for a message
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
        self._reader: LineReader | None = None
        self._ready = False
        self._file: str | None = None  # the mapping file whose file executor is open

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the process (returns at once; the frameworks import while the caller does other work)."""
        if self.proc is not None:
            return
        self._log = open(Path(self._home) / "executor.log", "ab")
        argv = [self.python, "-P", "-m", "apimap.execute.server"]  # -P: no cwd on sys.path
        env = executor_env(self.memory_mb, self._home, self.preload)
        if self.sandboxed:  # the example's environment is set inside; bwrap itself needs only PATH
            env["APIMAP_OWN_PID_NAMESPACE"] = "1"  # the server may kill every process it sees
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
        self._reader = LineReader(self.proc.stdout.fileno(), MAX_MESSAGE + 16)
        self._ready = False
        self._file = None

    def _wait_ready(self) -> None:
        if self._ready:
            return
        try:
            source, msg = self._next(time.monotonic() + START_TIMEOUT)
        except Lost:
            source, msg = None, {}
        if source != "S" or msg.get("event") != "ready":
            tail = self._log_tail()
            self.stop()
            raise ExecutorDied("the executor did not start" + (f":\n{tail}" if tail else ""))
        self.versions = msg["versions"]
        self.import_seconds.append(msg["import_seconds"])
        self._ready = True

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        self._file = None
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
        """Run one part (keys as for ``verdict.drive``, plus ``file``: parts of another file get a new file
        executor). Result: {status, message, line, duration, values}; the verdict is computed here."""
        try:
            self.start()
            self._wait_ready()
        except ExecutorDied as exc:
            return _result("errored", finish(str(exc)))
        log_offset = self._log_size()
        started = time.monotonic()
        session = _Remote(self, started + float(request["timeout"]) + HARD_KILL_GRACE)
        try:
            self._enter(request.get("file", request["display"]))
            return drive(request, session)
        except _RunnerError as exc:
            self._end_file()
            return _result("errored", finish(f"executor error: {exc}"))
        except Lost as lost:
            return self._lost(request, lost, session.at, time.monotonic() - started, log_offset)

    def call(self, request: dict) -> dict:
        """Run one probe call (``request``: {file, call: ``apimap.probe.plan.wire`` form, timeout}) in the file's
        executor. Returns the raw results {torch, mindspore, seconds}, or {lost: why} when the executor died or
        hung on it (that call only: the next one gets a new file executor)."""
        return self.calls({**request, "calls": [request["call"]]})[0]

    def calls(self, request: dict) -> list[dict]:
        """Run several probe calls of one file (``request``: {file, calls, timeout}) in one request. Returns one
        raw result per call; when the executor dies or hangs, every call gets {lost: why} (run them one at a time
        to learn which one did it)."""
        calls = request["calls"]
        try:
            self.start()
            self._wait_ready()
        except ExecutorDied as exc:
            return [{"lost": finish(str(exc))}] * len(calls)
        timeout = float(request["timeout"])
        # one timeout per side of each call
        session = _Remote(self, time.monotonic() + len(calls) * 2 * timeout + HARD_KILL_GRACE)
        try:
            self._enter(request["file"])
            reply = session._call({"op": "calls", "calls": calls, "timeout": timeout}, "called")
        except _RunnerError as exc:
            self._end_file()
            return [{"lost": finish(f"executor error: {exc}")}] * len(calls)
        except Lost as lost:
            self._end_file()
            self.restarts += 1
            reason = f"timed out after {timeout:g} s per side" if lost.timed_out else lost.reason
            return [{"lost": finish(reason)}] * len(calls)
        results = reply.get("results", [])
        for result in results:
            for side in ("torch", "mindspore"):
                if "error" in result.get(side, {}):
                    result[side]["error"] = finish(str(result[side]["error"]))
        return results

    def _enter(self, file: str) -> None:
        """Make ``file``'s executor the open one: a new file executor for another file."""
        if self._file != file:
            self._file = None
            self._server_op({"op": "open"}, "opened", time.monotonic() + START_TIMEOUT)
            self._file = file

    def _server_op(self, op: dict, event: str, deadline: float) -> None:
        self._send(op)
        while True:
            source, msg = self._next(deadline)
            if source == "S" and msg.get("event") == event:
                return
            if source == "S" and msg.get("event") == "lost":
                continue  # the previous file executor's end, reported late

    def _send(self, obj: dict) -> None:
        try:
            self.proc.stdin.write(encode(obj))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise Lost("the executor process ended") from None

    def _next(self, deadline: float) -> tuple[str, dict]:
        """The next message and who sent it: ``S`` the server, ``F`` the file executor."""
        try:
            line = self._reader.line(deadline)
        except MessageTooLarge as exc:
            self.stop()
            raise Lost(f"the executor sent {exc}") from None
        if line is None:
            if self._reader.eof:
                raise Lost(self._server_gone())
            raise Lost("no reply in time", timed_out=True)
        try:
            return line[:1].decode(), json.loads(line[1:])
        except ValueError:
            self.stop()
            raise Lost("the executor sent a line that is not a message") from None

    def _server_gone(self) -> str:
        """The server closed its end: it is exiting. Its exit status, said in words."""
        proc = self.proc
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        self.stop()
        if code is not None and self.sandboxed and 128 < code < 128 + signal.NSIG:
            code = 128 - code  # bubblewrap reports its child's death by signal N as status 128 + N
        return _status_words({"signal": -code} if code is not None and code < 0 else {"exit": code})

    def _end_file(self) -> None:
        """End the current file executor (the next part gets a new one); stop everything if that fails."""
        self._file = None
        if self.proc is None:
            return
        try:
            self._server_op({"op": "close"}, "closed", time.monotonic() + 10)
        except Lost:
            self.stop()

    def _lost(self, request: dict, lost: Lost, at, took: float, log_offset: int) -> dict:
        """The file executor crashed or hung: report that; the next part gets a new one."""
        if lost.timed_out:
            reason = f"timed out after {request['timeout']:g} s (the statement did not return; the executor was killed)"
        else:
            reason = lost.reason
        self._end_file()
        where = f"\n    >>> {at[1]}" if at else ""
        tail = self._log_tail(log_offset, crash=not lost.timed_out)
        self.restarts += 1
        message = reason + where + (f"\nExecutor output (last lines):\n{tail}" if tail else "")
        return {
            "status": "failed",
            "message": finish(message),
            "line": at[0] if at else None,
            "duration": took,
            "values": {},
        }

    def _log_size(self) -> int:
        try:
            return os.path.getsize(Path(self._home) / "executor.log")
        except OSError:
            return 0

    def _log_tail(self, offset: int = 0, lines: int = 8, crash: bool = False) -> str:
        """Last lines the executor wrote to stderr since ``offset``, without MindSpore's WARNING chatter.

        For a crash only the fatal-error lines are kept (the statement is already named). At most the last
        ``LOG_TAIL_BYTES`` are read: an example may have written hundreds of megabytes."""
        try:
            with open(Path(self._home) / "executor.log", "rb") as f:
                f.seek(max(offset, f.seek(0, os.SEEK_END) - LOG_TAIL_BYTES))
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return ""
        kept = [
            ln[:300] for ln in text.splitlines() if ln.strip() and not ln.startswith("[WARNING")
        ]
        if crash:
            kept = [
                ln
                for ln in kept
                if ln.startswith(("Fatal Python error", "terminate called", "Aborted"))
            ]
        return "\n".join("    " + ln for ln in kept[-lines:])


class _RunnerError(Exception):
    """The file executor's own code failed (not the example's)."""


class _Remote:
    """A part's statements, sent to the file executor one by one (the session ``verdict.drive`` expects)."""

    def __init__(self, executor: Executor, deadline: float):
        self.executor, self.deadline = executor, deadline
        self.at = None  # (yaml line, first source line) of the statement running

    def begin(self, request: dict) -> None:
        self._call({"op": "begin", "timeout": request["timeout"]}, "begun")

    def run(self, index: int, source: str, filename: str) -> dict:
        return self._call({"op": "run", "source": source, "filename": filename}, "ran")

    def end(self, names) -> dict:
        return self._call({"op": "end", "names": list(names)}, "ended")

    def _call(self, request: dict, event: str) -> dict:
        ex = self.executor
        ex._send(request)
        source, msg = ex._next(self.deadline)
        if source == "S" and msg.get("event") == "lost":
            ex._file = None  # the server has already reaped it
            raise Lost(_status_words(msg))
        if source == "F" and msg.get("event") == "error":
            raise _RunnerError(str(msg.get("reason", "?"))[:500])
        if source != "F" or msg.get("event") != event:
            ex.stop()
            raise Lost(f"the executor answered {str(msg.get('event'))[:40]!r}, not {event!r}")
        return msg


def _status_words(status: dict) -> str:
    if status.get("reason"):
        return str(status["reason"])
    if status.get("signal"):
        sig = signal.Signals(status["signal"])
        reason = f"crashed the executor with {sig.name}" + (
            " (segmentation fault)" if sig == signal.SIGSEGV else ""
        )
        if sig == signal.SIGKILL:
            reason += "; possibly the kernel's out-of-memory killer"
        return reason
    return f"the executor exited with status {status.get('exit')}"


def _result(status: str, message: str) -> dict:
    return {"status": status, "message": message, "line": None, "duration": 0.0, "values": {}}
