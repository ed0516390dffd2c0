"""Reading the optional results files that the execute and check stages leave in site/_build/.

``doctest-results.json`` (written by ``apimap doctest``)::

    {"schema": 1, "created": "2026-11-21T18:00:00Z", "platform": "Linux-x86_64",
     "versions": {"python": "3.11.7", "torch": "2.13.0", "mindspore": "2.10.0"},
     "items": [{"file": "torch/optim/Adamax.yaml", "example": "three-steps", "part": "torch",
                "status": "passed", "duration": 0.41, "message": ""}, ...]}

``part`` is ``torch``, ``mindspore`` or ``compare``; ``status`` one of STATUSES (``errored``: the part could
not start, e.g. a missing package; ``xfailed``/``xpassed``: the example is marked ``xfail``). ``duration`` is
the example's own run time in seconds (the comparison's for ``compare``); ``message`` is the failure report
(empty when passed). ``file`` is relative to mappings/.
The renderer never imports a framework: these files are all it knows about execution.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

STATUSES = ("passed", "failed", "errored", "xfailed", "xpassed", "skipped")
# Worst first: one status for an example (from its parts) or a mapping (from its examples).
WORST_FIRST = ("failed", "errored", "xpassed", "not_run", "skipped", "xfailed", "passed")


def worst(statuses) -> str:
    """The worst of ``statuses`` by WORST_FIRST (an unknown status counts as the worst)."""
    return min(statuses, key=lambda s: WORST_FIRST.index(s) if s in WORST_FIRST else -1)
DOCTEST_RESULTS = "doctest-results.json"
CHECK_RESULTS = "check-results.json"


@dataclass
class DoctestResults:
    created: str = ""
    platform: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    items: list[dict] = field(default_factory=list)

    @property
    def present(self) -> bool:
        return bool(self.items)

    def for_example(self, rel: str, example: str) -> dict[str, dict]:
        """{'torch': item, 'mindspore': item, 'compare': item} for one example (missing parts absent)."""
        return self._index.get((rel, example), {})

    @property
    def _index(self) -> dict[tuple[str, str], dict[str, dict]]:
        if not hasattr(self, "_idx"):
            idx: dict[tuple[str, str], dict[str, dict]] = {}
            for item in self.items:
                idx.setdefault((item["file"], item["example"]), {})[item["part"]] = item
            self._idx = idx
        return self._idx

    def example_status(self, rel: str, example: str) -> str:
        """One status for the whole example: the worst of its parts, or 'not_run'."""
        parts = self.for_example(rel, example)
        if not parts:
            return "not_run"
        return worst(p["status"] for p in parts.values())

    def part(self, rel: str, example: str, part: str) -> dict | None:
        """The item for one example part, or None when it was not run."""
        return self.for_example(rel, example).get(part)

    def counts(self) -> dict[str, int]:
        """{status: number of items}, in STATUSES order, only statuses that occur."""
        found = [item.get("status") for item in self.items]
        return {s: found.count(s) for s in STATUSES if s in found}

    @property
    def total_duration(self) -> float:
        return sum(float(item.get("duration") or 0) for item in self.items)

    @staticmethod
    def headline(message: str, limit: int = 160) -> str:
        """The first line of a failure message, shortened for a table cell."""
        line = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
        return line if len(line) <= limit else line[: limit - 1] + "…"

    def versions_text(self) -> str:
        names = {"torch": "PyTorch", "mindspore": "MindSpore", "python": "Python"}  # in this order
        return ", ".join(f"{label} {self.versions[k]}" for k, label in names.items() if k in self.versions)


def read_doctest_results(path: Path) -> DoctestResults:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return DoctestResults()
    return DoctestResults(data.get("created", ""), data.get("platform", ""), data.get("versions", {}), data.get("items", []))


def read_check_results(path: Path) -> dict:
    """``{"versions": {...}, "files": {"torch/optim/Adamax.yaml": {"status": "ok"|"drift"|"error", "findings": [...]}}}``."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
