"""The file executor's side of a part: run the statements the parent sends, one at a time; report raw outputs.

This runs in the forked process that serves one mapping file (``server``). It decides nothing: for each
statement it returns what was printed (capped at ``OUTPUT_CAP``) and the exception raised, if any, as plain
data; the parent (``verdict``) compares that with the expected output. A part gets a fresh ``__main__``
module as its namespace, a fresh temporary working folder (removed afterwards), fixed seeds for python,
numpy, torch and MindSpore, and a soft timeout for the whole part (SIGALRM; the parent kills the process if
that does not stop it). Global state that examples commonly change is put back after each part.
"""

from __future__ import annotations

import base64
import builtins
import difflib
import io
import linecache
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
import types
import warnings

SEED = 0
OUTPUT_CAP = 256 * 1024  # characters of one statement's output kept (the rest is counted, not kept)
TEXT_CAP = 4000  # characters of an exception's text kept
FRAMES_CAP = 40  # traceback frames sent (the outermost and innermost)


class ExampleTimeout(BaseException):
    """Raised by the soft timeout; BaseException so example code's ``except Exception`` cannot swallow it."""


class CappedText(io.TextIOBase):
    """sys.stdout for one statement: keeps the first ``cap`` characters, counts the rest."""

    def __init__(self, cap: int = OUTPUT_CAP):
        self.cap, self.size, self._kept = cap, 0, []
        self._room = cap

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        self.size += len(text)
        if self._room > 0:
            self._kept.append(text[: self._room])
            self._room -= min(len(text), self._room)
        return len(text)

    def getvalue(self) -> str:
        return "".join(self._kept)


class PartSession:
    """One part in progress: its namespace, working folder, seeds and time budget."""

    def __init__(self, timeout: float):
        # The part runs in a real module installed as __main__: MindSpore's @jit resolves a function's globals
        # through sys.modules[fn.__module__], so names the example defines must live in that module.
        self.module = types.ModuleType("__main__")
        self.module.__dict__["__builtins__"] = builtins
        self.globs = self.module.__dict__
        self._saved_main = sys.modules.get("__main__")
        sys.modules["__main__"] = self.module
        self._saved = _save_state()
        self.workdir = tempfile.mkdtemp(prefix="apimap-example-")
        os.chdir(self.workdir)
        _seed_everything()
        self.started = time.perf_counter()
        self.deadline = self.started + float(timeout)
        self._armed = False
        self._files: list[str] = []
        self._old_handler = signal.signal(signal.SIGALRM, self._on_alarm)

    def _on_alarm(self, signum, frame):
        if self._armed:
            raise ExampleTimeout()

    def run(self, source: str, filename: str) -> dict:
        """Run one statement; return {out, out_size, exc, seconds}."""
        remaining = self.deadline - time.perf_counter()
        if remaining <= 0:
            return {"out": "", "out_size": 0, "exc": {"timeout": True}, "seconds": 0.0}
        out = CappedText()
        saved = sys.stdout, sys.displayhook
        sys.stdout, sys.displayhook = out, sys.__displayhook__
        start = time.perf_counter()
        exc = None
        # the source, where inspect finds it (MindSpore's @jit parses the function it compiles), as doctest does
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        self._files.append(filename)
        try:
            self._armed = True
            signal.setitimer(signal.ITIMER_REAL, remaining)
            exec(compile(source, filename, "single", 0, True), self.globs)
        except BaseException as error:  # noqa: BLE001 - SystemExit and timeouts are outcomes too
            exc = describe(error)
        finally:
            self._armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdout, sys.displayhook = saved
        return {
            "out": out.getvalue(),
            "out_size": out.size,
            "exc": exc,
            "seconds": time.perf_counter() - start,
        }

    def end(self, names) -> dict:
        """Encode the compared variables, put the process back as it was; return {values, duration}."""
        try:
            values = {n: encode_value(self.globs[n]) for n in names if n in self.globs}
            return {"values": values, "duration": time.perf_counter() - self.started}
        finally:
            if self._saved_main is not None:
                sys.modules["__main__"] = self._saved_main
            signal.signal(signal.SIGALRM, self._old_handler)
            _restore_state(self._saved)
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.globs.clear()
            for filename in self._files:
                linecache.cache.pop(filename, None)


class LocalSession:
    """``verdict.drive``'s session in this very process (benchmarks; no isolation at all)."""

    at = None

    def begin(self, request: dict) -> None:
        self.part = PartSession(request["timeout"])

    def run(self, index: int, source: str, filename: str) -> dict:
        return self.part.run(source, filename)

    def end(self, names) -> dict:
        return self.part.end(names)


def describe(error: BaseException) -> dict:
    """An exception as plain data: what doctest compares (``last``), what people read (``text``), and where."""
    if isinstance(error, ExampleTimeout):
        return {"timeout": True}
    only = traceback.format_exception_only(type(error), error)
    frames = [
        [fs.filename, fs.lineno, fs.name, (fs.line or "").strip()[:200]]
        for fs in traceback.extract_tb(error.__traceback__)
    ]
    if len(frames) > FRAMES_CAP:
        frames = frames[: FRAMES_CAP // 2] + frames[-FRAMES_CAP // 2 :]
    text = "".join(only).strip()
    message = str(error).lower()
    return {
        "type": type(error).__name__,
        "last": only[-1][:TEXT_CAP] if only else "",
        "text": (text[:TEXT_CAP] + _suggestion(error))[: TEXT_CAP + 100],
        "frames": frames,
        "missing_module": (error.name or "?").split(".")[0]
        if isinstance(error, ModuleNotFoundError)
        else None,
        "memory": isinstance(error, MemoryError) or ("memory" in message and "alloc" in message),
    }


def _suggestion(exc) -> str:
    """Python 3.11 prints "Did you mean" only at top level; add it for a misspelt attribute or name."""
    if "Did you mean" in str(exc):
        return ""
    name, choices = getattr(exc, "name", None), None
    if isinstance(exc, AttributeError) and name and getattr(exc, "obj", None) is not None:
        choices = [c for c in dir(exc.obj) if not c.startswith("_")]
    if not name or not choices:
        return ""
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if not close:
        close = [c for c in choices if c.lower() == name.lower()]
    return f". Did you mean: '{close[0]}'?" if close else ""


# --- values for the cross-framework comparison --------------------------------------------------------


def to_numpy(value):
    """torch tensors/Parameters -> .detach().numpy(); MindSpore tensors -> .asnumpy(); others np.asarray."""
    import numpy as np

    module = type(value).__module__ or ""
    if module.startswith("torch"):
        return value.detach().cpu().numpy()
    if module.startswith("mindspore") and hasattr(value, "asnumpy"):
        return value.asnumpy()
    return np.asarray(value)


def encode_value(value) -> dict:
    """A JSON-safe form of a compared variable: one array, or a sequence of them (tuple outputs)."""
    import numpy as np

    try:
        if isinstance(value, (list, tuple)) and any(_is_tensor(v) for v in value):
            return {"kind": "seq", "items": [encode_value(v) for v in value]}
        array = np.asarray(to_numpy(value))  # not ascontiguousarray: it makes a 0-d array 1-d
        if array.dtype == object:
            return {
                "kind": "error",
                "message": f"cannot compare a {type(value).__name__} as numbers",
            }
        buf = io.BytesIO()
        np.save(buf, array, allow_pickle=False)
        return {"kind": "array", "npy": base64.b64encode(buf.getvalue()).decode("ascii")}
    except Exception as exc:  # noqa: BLE001 - reported to the user, not raised
        return {
            "kind": "error",
            "message": f"cannot turn a {type(value).__name__} into an array: {exc}",
        }


def _is_tensor(value) -> bool:
    return type(value).__module__.split(".")[0] in ("torch", "mindspore", "numpy")


# --- seeds and global state ---------------------------------------------------------------------------


def _seed_everything() -> None:
    random.seed(SEED)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(SEED)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(SEED)
    if "mindspore" in sys.modules:
        sys.modules["mindspore"].set_seed(SEED)


def _save_state() -> dict:
    state = {
        "cwd": os.getcwd(),
        "path": list(sys.path),
        "environ": dict(os.environ),
        "warnings": list(warnings.filters),
    }
    if "numpy" in sys.modules:
        np = sys.modules["numpy"]
        state["np_print"], state["np_err"] = np.get_printoptions(), np.geterr()
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        state["torch_dtype"], state["torch_grad"] = (
            torch.get_default_dtype(),
            torch.is_grad_enabled(),
        )
    if "mindspore" in sys.modules:
        try:
            state["ms_mode"] = sys.modules["mindspore"].get_context("mode")
        except Exception:  # noqa: BLE001
            pass
    return state


def _restore_state(state: dict) -> None:
    os.chdir(state["cwd"])
    sys.path[:] = state["path"]
    os.environ.clear()
    os.environ.update(state["environ"])
    warnings.filters[:] = state["warnings"]
    if "np_print" in state:
        np = sys.modules["numpy"]
        np.set_printoptions(**state["np_print"])
        np.seterr(**state["np_err"])
    if "torch_dtype" in state:
        torch = sys.modules["torch"]
        torch.set_default_dtype(state["torch_dtype"])
        torch.set_grad_enabled(state["torch_grad"])
        torch.set_printoptions(profile="default")
    if "ms_mode" in state:
        ms = sys.modules["mindspore"]
        try:
            if ms.get_context("mode") != state["ms_mode"]:
                ms.set_context(mode=state["ms_mode"])
        except Exception:  # noqa: BLE001
            pass
