"""site/_build/check-results.json: what the renderer shows as each page's ``check:<status>`` badge.

Shape (see apimap/results.py)::

    {"schema": 1, "created": "2026-11-21T19:00:00Z", "versions": {"python": "3.11.7", "torch": "2.13.0", "mindspore": "2.10.0"},
     "files": {"torch/optim/Adamax.yaml": {"status": "ok", "findings": [
         {"line": 5, "path": "torch.signature", "severity": "warning", "drift": true, "message": "..."}]}}}
"""
from __future__ import annotations

import json
import os
import platform
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from ..problems import Problem
from .rules import FileCheck


def results_json(checks: Iterable[FileCheck], invalid: Iterable[Problem], versions: dict[str, str],
                 previous: dict | None = None, rel_of=None) -> dict:
    """The results document; files from ``previous`` that were not checked this time are kept."""
    files = dict((previous or {}).get("files", {}))
    for check in checks:
        files[check.item.rel] = {"status": check.status, "findings": [_finding(f.problem, f.drift) for f in check.findings]}
    not_loaded: dict[str, list[dict]] = {}
    for problem in invalid:  # files that did not load are errors
        rel = rel_of(problem.file) if rel_of else None
        if rel:
            not_loaded.setdefault(rel, []).append(_finding(problem, False))
    for rel, findings in not_loaded.items():
        files[rel] = {"status": "error", "findings": findings}
    return {
        "schema": 1,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": {"python": platform.python_version(), **versions},
        "files": dict(sorted(files.items())),
    }


def _finding(p: Problem, drift: bool) -> dict:
    return {"line": p.line, "path": p.path, "severity": p.severity, "drift": drift, "message": p.message}


def write_json(path: Path, data: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
