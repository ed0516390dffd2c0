"""The parent's side of a part: doctest's rules applied to raw replies, framing, redaction."""

from __future__ import annotations

import os
import threading
import time

import pytest

from apimap.execute.protocol import LineReader, MessageTooLarge
from apimap.execute.redact import cap, defuse, scrub
from apimap.execute.runpart import LocalSession
from apimap.execute.verdict import drive


def part(code: str, options=(), timeout: float = 5) -> dict:
    request = dict(
        display="m.yaml",
        first_line=10,
        label="ex[torch]",
        code=code,
        options=list(options),
        timeout=timeout,
    )
    return drive(request, LocalSession())


@pytest.mark.parametrize(
    "code, options, status",
    [
        (">>> 1 + 1\n2\n", (), "passed"),
        (">>> 1 + 1\n3\n", (), "failed"),
        (">>> 1 + 1  # doctest: +SKIP\n3\n", (), "passed"),
        (
            ">>> raise ValueError('a b')\nTraceback (most recent call last):\nValueError: a b\n",
            (),
            "passed",
        ),
        (
            ">>> raise ValueError('a b')\nTraceback (most recent call last):\nValueError: c\n",
            (),
            "failed",
        ),
        (
            ">>> raise ValueError('a b')\nTraceback (most recent call last):\nValueError: c\n",
            ("IGNORE_EXCEPTION_DETAIL",),
            "passed",
        ),
        (">>> print(list(range(30)))\n[0, 1, ..., 29]\n", ("ELLIPSIS",), "passed"),
        (">>> print(list(range(30)))  # doctest: +ELLIPSIS\n[0, 1, ..., 29]\n", (), "passed"),
        (">>> import sys; sys.exit(3)\n", (), "failed"),
        (">>> import apimap_missing_pkg\n", (), "errored"),
    ],
)
def test_doctest_rules(code, options, status):
    assert part(code, options)["status"] == status


def test_the_first_failing_statement_ends_the_part_and_is_named_by_its_yaml_line():
    result = part(">>> x = 1\n>>> x + 1\n3\n>>> print('never')\n")
    assert result["status"] == "failed" and result["line"] == 11
    assert "Expected:\n    3\nGot:\n    2" in result["message"]


def test_a_traceback_points_at_yaml_lines():
    result = part(">>> def f():\n...     return 1 / 0\n>>> f()\n")
    assert (
        "m.yaml:11\n    return 1 / 0" in result["message"]
        and "m.yaml:12\n    f()" in result["message"]
    )


def test_a_soft_timeout_fails_the_statement():
    result = part(">>> while True:\n...     pass\n", timeout=0.5)
    assert result["status"] == "failed" and result["message"].startswith("timed out after 0.5 s")


def test_output_is_cut_and_counted():
    result = part(">>> print('x' * 10_000_000)\nx\n")
    assert result["status"] == "failed" and len(result["message"]) < 7000
    assert "more characters not shown" in result["message"]


def test_redaction_replaces_secret_values_by_their_name():
    env = {"GITHUB_TOKEN": "ghp_abcdef123456", "PATH": "/usr/bin", "SHORT_KEY": "ab"}
    text = "token ghp_abcdef123456 on /usr/bin, ab"
    assert scrub(text, env) == "token [$GITHUB_TOKEN redacted] on /usr/bin, ab"
    assert cap("x" * 50, 10) == "x" * 10 + "\n    ... (40 more characters not shown)"


def _pipe_with(data: bytes):
    r, w = os.pipe()

    def write():
        try:
            with os.fdopen(w, "wb") as f:
                f.write(data)
        except BrokenPipeError:  # the reader stopped early, on purpose
            pass

    threading.Thread(target=write, daemon=True).start()
    return r


def test_a_long_line_is_read_in_linear_time():
    fd = _pipe_with(b"x" * 100_000_000 + b"\nnext\n")
    reader = LineReader(fd, limit=200_000_000)
    start = time.perf_counter()
    assert len(reader.line(time.monotonic() + 30)) == 100_000_000
    assert reader.line(time.monotonic() + 5) == b"next"
    assert (
        time.perf_counter() - start < 5
    )  # quadratic (search the whole buffer per chunk) took minutes
    os.close(fd)


def test_a_line_over_the_limit_is_refused_before_it_is_all_read():
    fd = _pipe_with(b"x" * 50_000_000)
    reader = LineReader(fd, limit=10_000_000)
    with pytest.raises(MessageTooLarge):
        reader.line(time.monotonic() + 30)
    os.close(fd)


def test_log_commands_and_terminal_controls_are_defused():
    assert (
        defuse("a\n::error::x\n  ##[group]y\x1b[31mred\u202e")
        == "a\n| ::error::x\n  | ##[group]y[31mred"
    )
