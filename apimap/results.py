"""The results files the execute and check stages leave in site/_build/, as typed records, and the one status
vocabulary that their writers, the catalog, the pages, the export and the Sphinx badges share.

``doctest-results.json`` (written by ``apimap doctest``, ``DoctestResults``)::

    {"schema": 1, "created": "2026-11-21T18:00:00Z", "platform": "Linux-x86_64",
     "versions": {"python": "3.11.7", "torch": "2.13.0", "mindspore": "2.10.0"},
     "items": [{"file": "torch/optim/Adamax.yaml", "example": "three-steps", "part": "torch",
                "status": "passed", "duration": 0.41, "message": ""}, ...]}

``part`` is ``torch``, ``mindspore`` or ``compare``; ``status`` one of STATUSES (``errored``: the part could
not start, e.g. a missing package; ``xfailed``/``xpassed``: the example is marked ``xfail``). ``duration`` is
the example's own run time in seconds (the comparison's for ``compare``); ``message`` is the failure report
(empty when passed). ``file`` is relative to mappings/.

``check-results.json`` (written by ``apimap check --json``, ``CheckResults``)::

    {"schema": 1, "created": "...", "versions": {...},
     "files": {"torch/optim/Adamax.yaml": {"status": "ok", "findings": [
         {"line": 5, "path": "torch.signature", "severity": "warning", "drift": true, "message": "..."}]}}}

The renderer never imports a framework: these files are all it knows about execution.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

PartStatus = Literal["passed", "failed", "errored", "xfailed", "xpassed", "skipped"]
STATUSES: tuple[str, ...] = get_args(PartStatus)
# Worst first: one status for an example (from its parts) or a mapping (from its examples).
WORST_FIRST = ("failed", "errored", "xpassed", "not_run", "skipped", "xfailed", "passed")
Status = Literal[WORST_FIRST]  # type: ignore[valid-type]  # a part's status, or not_run
CheckStatus = Literal["ok", "drift", "error"]
# How a badge looks: every status and check status, good / needs a look / bad.
TONE = {
    "passed": "ok",
    "xfailed": "ok",
    "failed": "bad",
    "errored": "bad",
    "xpassed": "bad",
    "skipped": "warn",
    "not_run": "warn",
    "ok": "ok",
    "drift": "warn",
    "error": "bad",
}
_WORKER_HEADER = re.compile(r"^\[gw\d+\] \S+ -- Python ")
DOCTEST_RESULTS = "doctest-results.json"
CHECK_RESULTS = "check-results.json"
MATRIX_DIR = "matrix"  # one doctest results file per MindSpore release: apimap doctest --release


def matrix_file(mindspore_version: str, shard: tuple[int, int] | None = None) -> str:
    """Where the run on one MindSpore release is recorded, relative to site/_build/ (one file per shard, when
    the release's run is spread over several machines)."""
    part = f".shard-{shard[0]}-of-{shard[1]}" if shard else ""
    return f"{MATRIX_DIR}/mindspore-{mindspore_version}{part}.json"


def survey_file(mindspore_version: str) -> str:
    """Where ``apimap check --release`` records one release's MindSpore APIs, relative to site/_build/."""
    return f"{MATRIX_DIR}/apis-mindspore-{mindspore_version}.json"


def worst(statuses) -> str:
    """The worst of ``statuses`` by WORST_FIRST (an unknown status counts as the worst)."""
    return min(statuses, key=lambda s: WORST_FIRST.index(s) if s in WORST_FIRST else -1)


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class PartResult(_Record):
    """One example part's outcome."""

    file: str
    example: str
    part: Literal["torch", "mindspore", "compare", "probe"]  # probe: ``example`` is the call's id
    status: PartStatus
    duration: float = 0.0
    message: str = ""
    outcome: str = ""  # a probe call's outcome (apimap.probe.judge.OUTCOMES)
    detail: str = ""  # and what was measured (the difference, the exception)
    torch_result: str = ""  # a probe call's result on each side, in a few words ("float32 (2, 3)")
    mindspore_result: str = ""


class DoctestResults(_Record):
    schema_version: int = Field(1, alias="schema")
    created: str = ""
    platform: str = ""
    versions: dict[str, str] = {}
    items: tuple[PartResult, ...] = ()

    @property
    def present(self) -> bool:
        return bool(self.items)

    @cached_property
    def _by_example(self) -> dict[tuple[str, str], dict[str, PartResult]]:
        idx: dict[tuple[str, str], dict[str, PartResult]] = {}
        for item in self.items:
            if item.part != "probe":  # a probe call's id is not an example id
                idx.setdefault((item.file, item.example), {})[item.part] = item
        return idx

    @cached_property
    def _probes(self) -> dict[str, dict[str, PartResult]]:
        idx: dict[str, dict[str, PartResult]] = {}
        for item in self.items:
            if item.part == "probe":
                idx.setdefault(item.file, {})[item.example] = item
        return idx

    @cached_property
    def _failed(self) -> dict[str, list[PartResult]]:
        idx: dict[str, list[PartResult]] = {}
        for item in self.items:
            if item.status in ("failed", "errored", "xpassed"):
                idx.setdefault(item.file, []).append(item)
        return idx

    def failed_for(self, rel: str) -> list[PartResult]:
        """One mapping's items that did not pass (failed, errored, or an expected failure that passed)."""
        return self._failed.get(rel, [])

    def probes_for(self, rel: str) -> dict[str, PartResult]:
        """{call id: item} for one mapping's probe calls, in the order they ran."""
        return self._probes.get(rel, {})

    def for_example(self, rel: str, example: str) -> dict[str, PartResult]:
        """{'torch': item, 'mindspore': item, 'compare': item} for one example (missing parts absent)."""
        return self._by_example.get((rel, example), {})

    def example_status(self, rel: str, example: str) -> str:
        """One status for the whole example: the worst of its parts, or 'not_run'."""
        parts = self.for_example(rel, example)
        return worst(p.status for p in parts.values()) if parts else "not_run"

    def part(self, rel: str, example: str, part: str) -> PartResult | None:
        """The item for one example part, or None when it was not run."""
        return self.for_example(rel, example).get(part)

    def counts(self) -> dict[str, int]:
        """{status: number of example parts}, in STATUSES order, only statuses that occur (probe calls are
        counted by their outcome, not here)."""
        found = [item.status for item in self.items if item.part != "probe"]
        return {s: found.count(s) for s in STATUSES if s in found}

    @property
    def total_duration(self) -> float:
        return sum(item.duration for item in self.items)

    @staticmethod
    def headline(message: str, limit: int = 160) -> str:
        """The first line of a failure message that says something (not pytest-xdist's ``[gw0] linux --
        Python ...`` worker header), shortened for a table cell."""
        lines = [ln.strip() for ln in (message or "").splitlines() if ln.strip()]
        line = next((ln for ln in lines if not _WORKER_HEADER.match(ln)), "")
        return line if len(line) <= limit else line[: limit - 1] + "…"

    def versions_text(self) -> str:
        names = {"torch": "PyTorch", "mindspore": "MindSpore", "python": "Python"}  # in this order
        return ", ".join(
            f"{label} {self.versions[k]}" for k, label in names.items() if k in self.versions
        )


class CheckFinding(_Record):
    line: int
    path: str
    severity: str
    drift: bool = False
    message: str


class CheckFile(_Record):
    status: CheckStatus
    findings: tuple[CheckFinding, ...] = ()


class CheckResults(_Record):
    schema_version: int = Field(1, alias="schema")
    created: str = ""
    versions: dict[str, str] = {}
    files: dict[str, CheckFile] = {}


class ApiSurvey(_Record):
    """One MindSpore release's view of the mappings' MindSpore APIs (``apimap check --release``)::

        {"schema": 1, "versions": {"mindspore": "2.9.0", ...},
         "apis": {"mindspore.ops.sum": "mindspore.ops.sum(input, dim=None, keepdim=False, *, dtype=None)",
                  "mindspore.mint.gone": null}}

    A signature text per API (the form closest to the mapping's stored one), "" when it has no readable
    signature, null when the release does not have it."""

    schema_version: int = Field(1, alias="schema")
    versions: dict[str, str] = {}
    apis: dict[str, str | None] = {}


_READ: dict[
    tuple, _Record
] = {}  # (path, model, file identity) -> record: a resident preview rereads nothing


def _read(path: Path, model: type[_Record]):
    """A results file as its record; an empty record when it is absent or unreadable (the pages then say
    "not run"/show no check badge, as without the file). Records are frozen, so one parsed record is shared
    by every catalog built while the file stays the same (same inode, size and mtime)."""
    try:
        st = os.stat(path)
    except OSError:
        return model()
    key = (str(path), model, st.st_ino, st.st_size, st.st_mtime_ns)
    if key not in _READ:
        try:
            record = model.model_validate_json(Path(path).read_bytes())
        except (OSError, ValueError, ValidationError):
            record = model()
        for old in [k for k in _READ if k[:2] == key[:2]]:
            del _READ[old]
        _READ[key] = record
    return _READ[key]


def read_doctest_results(path: Path) -> DoctestResults:
    return _read(path, DoctestResults)


def read_matrix(build: Path, main: DoctestResults) -> dict[str, DoctestResults]:
    """The version matrix: {MindSpore version: its run}, oldest release first. The files ``apimap doctest
    --release`` wrote under site/_build/matrix/ (a release's shards merged into one run), and the site's main
    results for the release they ran on (which win over matrix files of the same release)."""
    runs: dict[str, DoctestResults] = {}
    whole: set[str] = (
        set()
    )  # releases with an unsharded run: it wins over any shard files of theirs
    for path in sorted((Path(build) / MATRIX_DIR).glob("mindspore-*.json")):
        run = read_doctest_results(path)
        version = run.versions.get("mindspore")
        if not (run.present and version) or version in whole:
            continue
        if ".shard-" not in path.name:
            runs[version] = run
            whole.add(version)
        else:  # the shards of one release make one run
            had = runs.get(version)
            runs[version] = run if had is None else _merged(had, run)
    if main.present and main.versions.get("mindspore"):
        runs[main.versions["mindspore"]] = main
    return dict(sorted(runs.items(), key=lambda kv: release_key(kv[0])))


def _merged(a: DoctestResults, b: DoctestResults) -> DoctestResults:
    """Two shards of one release's run as one run."""
    return DoctestResults(
        created=max(a.created, b.created),
        platform=a.platform,
        versions=dict(a.versions),
        items=a.items + b.items,
    )


def release_key(version: str) -> tuple:
    """A release's version as a sortable tuple: 2.9.0 before 2.10.0 (a local tag, +cpu, is left out)."""
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("+")[0].split("."))


def read_surveys(build: Path) -> dict[str, ApiSurvey]:
    """{MindSpore version: its API survey}, oldest release first."""
    found = {}
    for path in (Path(build) / MATRIX_DIR).glob("apis-mindspore-*.json"):
        survey = _read(path, ApiSurvey)
        if survey.versions.get("mindspore"):
            found[survey.versions["mindspore"]] = survey
    return dict(sorted(found.items(), key=lambda kv: release_key(kv[0])))


def read_check_results(path: Path) -> CheckResults:
    return _read(path, CheckResults)


def write_record(path: Path, record: _Record) -> None:
    """Write a results record as JSON, atomically (readers never see half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(
                record.model_dump(mode="json", by_alias=True), fh, indent=1, ensure_ascii=False
            )
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
