"""Run one example part as a doctest, inside the executor process; return a plain-data result.

Each part gets a fresh namespace, a fresh temporary working folder (removed afterwards), fixed seeds for
python, numpy, torch and MindSpore, and a soft timeout (SIGALRM; the client kills the process if that
does not stop it). Global state that examples commonly change is put back afterwards.
"""

from __future__ import annotations

import base64
import builtins
import doctest
import io
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
import types
import warnings

from .checker import Checker, option_flags

SEED = 0
TRACEBACK_FRAMES = (
    6  # frames kept in a trimmed traceback (the example's own, then the innermost library ones)
)
_DOCTEST_FILE = re.compile(r"^<doctest (?P<name>.*)\[(?P<num>\d+)\]>$")


class ExampleTimeout(BaseException):
    """Raised by the soft timeout; BaseException so example code's ``except Exception`` cannot swallow it."""


def run_part(request: dict, progress=None) -> dict:
    """request: {display, first_line, label, code, options, timeout, names}; progress(line) is told
    each statement's YAML line.

    Returns {status, duration, message, line, values}; status is passed | failed | errored | timeout.
    """
    first_line = request["first_line"]
    display = request["display"]
    parser = doctest.DocTestParser()
    globs = {"__name__": "__main__", "__builtins__": builtins}
    test = parser.get_doctest(request["code"], globs, request["label"], display, first_line - 1)
    # The part runs in a real module installed as __main__: MindSpore's @jit resolves a function's globals through
    # sys.modules[fn.__module__], so names the example defines must live in that module.
    module = types.ModuleType("__main__")
    module.__dict__.update(test.globs)
    test.globs = module.__dict__
    saved_main = sys.modules.get("__main__")
    sys.modules["__main__"] = module
    runner = _Runner(Checker(), optionflags=option_flags(request["options"]) | doctest.FAIL_FAST)
    runner.yaml = (display, first_line)
    runner.progress = progress
    saved = _save_state()
    workdir = tempfile.mkdtemp(prefix="apimap-example-")
    old_handler = signal.signal(signal.SIGALRM, _on_alarm)
    start = time.perf_counter()
    try:
        os.chdir(workdir)
        _seed_everything()
        signal.setitimer(signal.ITIMER_REAL, float(request["timeout"]))
        try:
            runner.run(test, out=lambda text: None, clear_globs=False)
        except ExampleTimeout:  # fired between statements, outside the example's own code
            runner.outcome = runner.outcome or {
                "status": "timeout",
                "line": None,
                "message": "still running",
            }
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        duration = time.perf_counter() - start
        result = runner.outcome or {"status": "passed", "message": "", "line": None}
        result["duration"] = duration
        result["values"] = {
            name: encode_value(test.globs[name])
            for name in request.get("names", ())
            if name in test.globs
        }
        return result
    finally:
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
        signal.signal(signal.SIGALRM, old_handler)
        _restore_state(saved)
        shutil.rmtree(workdir, ignore_errors=True)
        test.globs.clear()


def _on_alarm(signum, frame):
    raise ExampleTimeout()


class _Runner(doctest.DocTestRunner):
    outcome: dict | None = None
    yaml: tuple[str, int]
    progress = None

    def _line(self, example) -> int:
        return self.yaml[1] + example.lineno

    def _where(self, example) -> str:
        first = example.source.splitlines()[0] if example.source.strip() else ""
        return f"    >>> {first}" + ("\n    ..." if example.source.count("\n") > 1 else "")

    def report_start(self, out, test, example):
        if self.progress:
            self.progress(
                self._line(example), example.source.splitlines()[0] if example.source else ""
            )

    def report_failure(self, out, test, example, got):
        self.outcome = {
            "status": "failed",
            "line": self._line(example),
            "message": f"output differs\n{self._where(example)}\n"
            f"Expected:\n{_indent(example.want) or '    (nothing)'}\n"
            f"Got:\n{_indent(got) or '    (nothing)'}",
        }

    def report_unexpected_exception(self, out, test, example, exc_info):
        exc_type, exc, tb = exc_info
        line = self._line(example)
        if isinstance(exc, ExampleTimeout):
            self.outcome = {
                "status": "timeout",
                "line": line,
                "message": f"still running this statement\n{self._where(example)}",
            }
            return
        status, head = "failed", "raised"
        if isinstance(exc, ModuleNotFoundError):
            status, head = "errored", f"missing package '{(exc.name or '?').split('.')[0]}':"
        elif isinstance(exc, MemoryError) or (
            "memory" in str(exc).lower() and "alloc" in str(exc).lower()
        ):
            head = "ran out of memory (address-space limit per executor):"
        text = "".join(
            traceback.TracebackException(exc_type, exc, tb).format_exception_only()
        ).strip()
        text += _suggestion(exc)
        self.outcome = {
            "status": status,
            "line": line,
            "message": f"{head} {text}\n{self._where(example)}\n{trimmed_traceback(tb, self.yaml, test)}",
        }


def _suggestion(exc) -> str:
    """Python 3.11 prints "Did you mean" only at top level; add it for a misspelt attribute or name."""
    import difflib

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


def trimmed_traceback(tb, yaml: tuple[str, int], test) -> str:
    """The frames of the example's own code (with their YAML lines) and the innermost library frames."""
    frames = []
    for fs in traceback.extract_tb(tb):
        m = _DOCTEST_FILE.match(fs.filename)
        if m:
            ex = test.examples[int(m["num"])]
            frames.append(
                f"  {yaml[0]}:{yaml[1] + ex.lineno + fs.lineno - 1}\n"
                f"    {(ex.source.splitlines() or [''])[fs.lineno - 1].strip()}"
            )
        # library code called from the example (skip the runner's own frames before it)
        elif frames:
            frames.append(
                f"  {_short_path(fs.filename)}:{fs.lineno} in {fs.name}"
                + (f"\n    {fs.line.strip()}" if fs.line else "")
            )
    if len(frames) > TRACEBACK_FRAMES:
        frames = (
            frames[:2]
            + [f"  ... {len(frames) - TRACEBACK_FRAMES} frame(s) omitted ..."]
            + frames[-(TRACEBACK_FRAMES - 2) :]
        )
    return "Traceback (trimmed):\n" + "\n".join(frames) if frames else ""


def _short_path(path: str) -> str:
    marker = "site-packages/"
    return path.split(marker, 1)[1] if marker in path else path


def _indent(text: str) -> str:
    return (
        "".join("    " + line + "\n" for line in text.rstrip("\n").splitlines()).rstrip("\n")
        if text.strip()
        else ""
    )


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
        array = np.ascontiguousarray(to_numpy(value))
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
