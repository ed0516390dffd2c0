"""Write site/_build/doctest-results.json (format: apimap/results.py) from pytest's reports.

Registered by the plugin in the process that sees every report (the xdist controller, or the only process).
Status per item: passed | failed | errored (could not start: missing package, executor did not start, a
compare whose parts failed) | xfailed | xpassed | skipped. Written atomically at the end of the session;
an interrupted run writes nothing.
"""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from pathlib import Path

from ..results import DoctestResults, PartResult, read_doctest_results, write_record

MESSAGE_CHARS = 2000
UNFINISHED = "did not finish: the process running it ended first"


class Recorder:
    def __init__(self, path: Path, merge: bool = False):
        self.path = Path(path)
        self.merge = merge
        self.items: dict[str, dict] = {}
        self.versions: dict[str, str] = {}

    def pytest_runtest_logreport(self, report):
        info = dict(report.user_properties).get("apimap")
        if not info:
            if report.nodeid in self.items and report.failed:  # xdist's report for a crashed worker
                entry = self.items[report.nodeid]
                entry["status"] = "errored"
                entry["message"] = _message(report)
            return
        entry = self.items.setdefault(
            report.nodeid,
            {
                "file": info["file"],
                "example": info["example"],
                "part": info["part"],
                # until its call phase reports: a part whose process died before that never passed
                "status": "errored",
                "duration": 0.0,
                "message": UNFINISHED,
            },
        )
        for key in ("outcome", "detail", "torch_result", "mindspore_result"):
            if info.get(key):
                entry[key] = info[key]
        if info.get("versions") and not self.versions:
            self.versions = info["versions"]
        status = _status(report, info)
        if status is None:
            return
        if report.when == "call" or status != "passed":
            entry["status"] = status
            entry["duration"] = float(info.get("duration", report.duration))
            if status == "passed":
                entry["message"] = ""
            elif entry["message"] in ("", UNFINISHED):  # the first failure's message is kept
                entry["message"] = _message(report)

    def pytest_sessionfinish(self, session, exitstatus):
        # interrupted, internal error, usage error: keep the old file, write nothing partial
        if exitstatus in (2, 3, 4):
            return
        write_results(self.path, list(self.items.values()), self.versions, merge=self.merge)


def _status(report, info) -> str | None:
    if report.when == "teardown":
        return "errored" if report.failed else None
    if report.skipped:
        return "xfailed" if hasattr(report, "wasxfail") else "skipped"
    if report.failed:
        if report.when == "setup":
            return "errored"
        return info.get("status") if info.get("status") in ("errored", "xpassed") else "failed"
    return "passed" if report.when == "call" else None


def _message(report) -> str:
    if hasattr(report, "wasxfail"):
        return report.wasxfail
    text = (
        report.longreprtext
        if report.failed
        else str(report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr)
    )
    return text.strip()[:MESSAGE_CHARS]


def framework_versions() -> dict[str, str]:
    """Versions as installed (used when no executor reported its own)."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in ("torch", "mindspore", "numpy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def write_results(
    path: Path, items: list[dict], versions: dict[str, str], merge: bool = False
) -> None:
    """Write the results file atomically. ``merge``: keep the old file's items for files not run now."""
    # a status outside the vocabulary fails here, not in a page
    parts = [PartResult(**item) for item in items]
    if merge:
        ran = {p.file for p in parts}
        parts = [p for p in read_doctest_results(path).items if p.file not in ran] + parts
    parts.sort(key=lambda p: p.file)  # stable: examples keep the order they were run in
    write_record(
        path,
        DoctestResults(
            created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            platform=f"{platform.system()}-{platform.machine()}",
            versions=versions or framework_versions(),
            items=parts,
        ),
    )
