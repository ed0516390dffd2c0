"""The parent's side of a part: parse it, send its statements one by one, and judge each raw reply.

The verdict is computed here, in the pytest process, which example code cannot reach: the file executor
(``runpart``, in the sandbox) only runs statements and reports what they printed and raised. The semantics
are doctest's (``DocTestRunner.__run``): per-statement option directives, ``SKIP``, expected exceptions
(with ``IGNORE_EXCEPTION_DETAIL``), and ``FAIL_FAST``: the first statement that does not match ends the
part. Output matching is ``checker.Checker``. Every message is capped (``MESSAGE_CAP``) and scrubbed of
the environment's secret-like values (``redact``) before it leaves this module.
"""

from __future__ import annotations

import doctest
import re
import time

from .checker import Checker, option_flags
from .redact import cap, defuse, scrub

MESSAGE_CAP = 6000  # characters of one part's message
GOT_CAP = 2000  # characters of actual output quoted in a message
TRACEBACK_FRAMES = 6  # frames kept in a trimmed traceback (the example's own, then the innermost)
_PARSER = doctest.DocTestParser()
_DOCTEST_FILE = re.compile(r"^<doctest (?P<name>.*)\[(?P<num>\d+)\]>$")


class Lost(Exception):
    """The file executor died or stopped answering; ``reason`` says how, in one line."""

    def __init__(self, reason: str, timed_out: bool = False):
        super().__init__(reason)
        self.reason, self.timed_out = reason, timed_out


def drive(request: dict, session) -> dict:
    """Run one part through ``session`` (``begin(request)``, ``run(index, source, filename)``, ``end(names)``);
    return {status, message, line, duration, values}. ``Lost`` from the session propagates, with
    ``at`` set to (yaml line, source) of the statement that was running."""
    label, first = request["label"], request["first_line"]
    examples = _PARSER.get_examples(request["code"], request["display"])
    base = option_flags(request["options"]) | doctest.FAIL_FAST
    checker = Checker()
    start = time.perf_counter()
    session.begin(request)
    outcome = None
    for index, example in enumerate(examples):
        flags = _flags(example, base)
        if flags & doctest.SKIP:
            continue
        line = first + example.lineno
        session.at = (line, example.source.splitlines()[0] if example.source else "")
        reply = session.run(index, example.source, f"<doctest {label}[{index}]>")
        outcome = judge(example, reply, flags, checker, request, examples, line)
        if outcome is not None:
            break
    session.at = None
    ended = session.end(request.get("names", ()) if outcome is None else ())
    result = outcome or {"status": "passed", "message": "", "line": None}
    result["duration"] = ended.get("duration", time.perf_counter() - start)
    result["values"] = ended.get("values", {}) if outcome is None else {}
    result["message"] = finish(result["message"])
    return result


def finish(message: str) -> str:
    return cap(defuse(scrub(message)), MESSAGE_CAP)


def _flags(example: doctest.Example, base: int) -> int:
    flags = base
    for flag, on in example.options.items():
        flags = flags | flag if on else flags & ~flag
    return flags


def judge(example, reply: dict, flags: int, checker, request, examples, line) -> dict | None:
    """None when the statement matches; else the part's outcome {status, line, message}."""
    exc = reply.get("exc")
    if exc and exc.get("timeout"):
        return {
            "status": "failed",
            "line": line,
            "message": f"timed out after {request['timeout']:g} s: still running this statement\n"
            f"{_where(example)}",
        }
    if exc is None:
        got = reply.get("out", "")
        if checker.check_output(example.want, got, flags):
            return None
        return _differs(example, got, reply.get("out_size", len(got)), line)
    if example.exc_msg is None:
        return _raised(exc, example, request, examples, line)
    got = exc.get("last", "")
    if checker.check_output(example.exc_msg, got, flags):
        return None
    if flags & doctest.IGNORE_EXCEPTION_DETAIL and checker.check_output(
        doctest._strip_exception_details(example.exc_msg),
        doctest._strip_exception_details(got),
        flags,
    ):
        return None
    return _differs(example, "Traceback (most recent call last):\n    ...\n" + got, len(got), line)


def _differs(example, got: str, size: int, line: int) -> dict:
    shown = got[:GOT_CAP]
    more = max(size, len(got)) - len(shown)
    return {
        "status": "failed",
        "line": line,
        "message": f"output differs\n{_where(example)}\n"
        f"Expected:\n{_indent(example.want) or '    (nothing)'}\n"
        f"Got:\n{_indent(shown) or '    (nothing)'}"
        + (f"\n    ... ({more} more characters not shown)" if more > 0 else ""),
    }


def _raised(exc: dict, example, request, examples, line: int) -> dict:
    status, head = "failed", "raised"
    if exc.get("missing_module"):
        status, head = "errored", f"missing package '{exc['missing_module']}':"
    elif exc.get("memory"):
        head = "ran out of memory (address-space limit per executor):"
    frames = trimmed_traceback(exc.get("frames", []), request, examples)
    return {
        "status": status,
        "line": line,
        "message": f"{head} {exc.get('text', '')}\n{_where(example)}\n{frames}",
    }


def trimmed_traceback(frames: list, request: dict, examples) -> str:
    """The frames of the example's own code (with their YAML lines) and the innermost library frames."""
    display, first = request["display"], request["first_line"]
    kept = []
    for filename, lineno, name, text in frames:
        m = _DOCTEST_FILE.match(str(filename))
        if m and int(m["num"]) < len(examples):
            ex = examples[int(m["num"])]
            source = ex.source.splitlines() or [""]
            shown = source[lineno - 1].strip() if 0 < lineno <= len(source) else ""
            kept.append(f"  {display}:{first + ex.lineno + lineno - 1}\n    {shown}")
        elif kept:  # library code called from the example (the runner's own frames come before it)
            kept.append(
                f"  {_short_path(str(filename))}:{lineno} in {name}"
                + (f"\n    {text}" if text else "")
            )
    if len(kept) > TRACEBACK_FRAMES:
        kept = (
            kept[:2]
            + [f"  ... {len(kept) - TRACEBACK_FRAMES} frame(s) omitted ..."]
            + kept[-(TRACEBACK_FRAMES - 2) :]
        )
    return "Traceback (trimmed):\n" + "\n".join(kept) if kept else ""


def _where(example) -> str:
    first = example.source.splitlines()[0] if example.source.strip() else ""
    return f"    >>> {first}" + ("\n    ..." if example.source.count("\n") > 1 else "")


def _short_path(path: str) -> str:
    marker = "site-packages/"
    return path.split(marker, 1)[1] if marker in path else path


def _indent(text: str) -> str:
    return (
        "".join("    " + line + "\n" for line in text.rstrip("\n").splitlines()).rstrip("\n")
        if text.strip()
        else ""
    )
