"""conf/worklist.csv: the API pairs that MindSpore's own PyTorch mapping tables list, as a work list.

Columns ``module,torch_api,mindspore_api``: which pairs the tables name, nothing of what they say about them (the
site's coverage panel counts, per module, how many have a mapping and how many of those pass here). The file is
optional; a project without it shows no panel. Made from the tables' pair list by
``python scripts/coverage.py --write-worklist conf/worklist.csv``.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from .problems import Problem, ProblemsError

NAME = "worklist.csv"
COLUMNS = ("module", "torch_api", "mindspore_api")


@dataclass(frozen=True)
class WorkPair:
    module: str
    torch_api: str
    mindspore_api: str


def read_worklist(conf_dir: Path) -> tuple[WorkPair, ...]:
    """The pairs of conf/worklist.csv, in file order; () without the file. Raises ``ProblemsError`` naming the
    line of every bad row (a missing column, an empty cell, a pair listed twice)."""
    path = Path(conf_dir) / NAME
    if not path.is_file():
        return ()
    display = os.path.relpath(path) if path.is_absolute() else str(path)
    problems: list[Problem] = []
    pairs: list[WorkPair] = []
    seen: dict[tuple[str, str], int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemsError([Problem(display, 1, "", f"unreadable: {exc}")]) from None
    rows = csv.reader(text.splitlines())
    header = next(rows, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise ProblemsError(
            [Problem(display, 1, "", f"the header must be {','.join(COLUMNS)}; found {header}")]
        )
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        cells = [c.strip() for c in row]
        if len(cells) != len(COLUMNS) or not all(cells):
            problems.append(
                Problem(display, line, "", f"expected {len(COLUMNS)} non-empty cells, got {row}")
            )
            continue
        pair = WorkPair(*cells)
        key = (pair.torch_api, pair.mindspore_api)
        if key in seen:
            problems.append(
                Problem(display, line, "", f"{key[0]} → {key[1]} again (also line {seen[key]})")
            )
            continue
        seen[key] = line
        pairs.append(pair)
    if problems:
        raise ProblemsError(problems)
    return tuple(pairs)
