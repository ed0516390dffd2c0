"""``apimap doctest``: wraps pytest, records site/_build/doctest-results.json, JUnit XML on request."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "execute"


def _apimap(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "APIMAP_PRELOAD": ""}  # plain-Python fixtures: skip the framework import
    return subprocess.run(
        [sys.executable, "-m", "apimap", "--project", str(project), "doctest", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
    )


def test_doctest_command_records_results(tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(REPO / "conf", project / "conf")
    shutil.copytree(FIXTURES / "plain" / "mappings", project / "mappings")
    run = _apimap(
        project, "-q", "-k", "passes or wrong-output", "--junitxml", str(tmp_path / "junit.xml")
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed, 2 passed" in run.stdout
    results = json.loads((project / "site" / "_build" / "doctest-results.json").read_text())
    assert [(i["example"], i["part"], i["status"]) for i in results["items"]] == [
        ("passes", "torch", "passed"),
        ("passes", "mindspore", "passed"),
        ("wrong-output", "torch", "failed"),
    ]
    assert results["items"][2]["message"].startswith(
        "mappings/torch/abs.yaml:33: example 'wrong-output' [torch]: output differs"
    )
    assert "<testsuite" in (tmp_path / "junit.xml").read_text()

    outside = tmp_path / "elsewhere" / "mappings"
    shutil.copytree(FIXTURES / "plain" / "mappings", outside)
    run = _apimap(project, "-q", "-k", "after-crash", str(outside))
    assert run.returncode == 0 and "results are not recorded" in run.stderr
    assert json.loads((project / "site" / "_build" / "doctest-results.json").read_text()) == results
