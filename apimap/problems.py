"""Problems found in input files, reported as one line each: ``file:line: key.path: message``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    path: str
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:"
        sev = "" if self.severity == "error" else f" {self.severity}:"
        key = f" {self.path}:" if self.path else ""
        return " ".join(f"{where}{sev}{key} {self.message}".splitlines())  # always one line


class ProblemsError(Exception):
    """Raised when input is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ``; did you mean 'x'?`` suffix, or ``""`` when nothing is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def format_path(loc: Sequence[str | int]) -> str:
    """('params', 3, 'relation') -> 'params[3].relation'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
