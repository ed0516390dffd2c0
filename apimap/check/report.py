"""site/_build/check-results.json: what the renderer shows as each page's ``check:<status>`` badge.

Shape (``apimap.results.CheckResults``)::

    {"schema": 1, "created": "2026-11-21T19:00:00Z",
     "versions": {"python": "3.11.7", "torch": "2.13.0", "mindspore": "2.10.0"},
     "files": {"torch/optim/Adamax.yaml": {"status": "ok", "findings": [
         {"line": 5, "path": "torch.signature", "severity": "warning", "drift": true, "message": "..."}]}}}
"""

from __future__ import annotations

import platform
from collections.abc import Iterable
from datetime import UTC, datetime

from ..problems import Problem
from ..results import CheckFile, CheckFinding, CheckResults
from .rules import FileCheck


def check_results(
    checks: Iterable[FileCheck],
    invalid: Iterable[Problem],
    versions: dict[str, str],
    previous: CheckResults | None = None,
    rel_of=None,
) -> CheckResults:
    """The results record; files from ``previous`` that were not checked this time are kept."""
    files = dict(previous.files) if previous else {}
    for check in checks:
        files[check.item.rel] = CheckFile(
            status=check.status,
            findings=tuple(_finding(f.problem, f.drift) for f in check.findings),
        )
    not_loaded: dict[str, list[CheckFinding]] = {}
    for problem in invalid:  # files that did not load are errors
        rel = rel_of(problem.file) if rel_of else None
        if rel:
            not_loaded.setdefault(rel, []).append(_finding(problem, False))
    for rel, findings in not_loaded.items():
        files[rel] = CheckFile(status="error", findings=tuple(findings))
    return CheckResults(
        created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        versions={"python": platform.python_version(), **versions},
        files=dict(sorted(files.items())),
    )


def _finding(p: Problem, drift: bool) -> CheckFinding:
    return CheckFinding(
        line=p.line, path=p.path, severity=p.severity, drift=drift, message=p.message
    )
