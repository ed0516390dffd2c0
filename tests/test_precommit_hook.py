"""The pre-commit hook, as a docs repository that keeps its own mappings would run it (``pre-commit try-repo``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "mappings" / "torch" / "demo"
BAD_LINE = "mappings/torch/demo/Nothing.yaml:13: params[1].relation: unknown relation 'torch_onyl'; did you mean 'torch_only'?"

pytestmark = pytest.mark.slow


def _git(cwd: Path, *args: str) -> str:
    run = subprocess.run(
        ["git", "-c", "user.name=apimap", "-c", "user.email=apimap@localhost", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout


@pytest.fixture
def hook_env(tmp_path):
    """This checkout's files (committed or not, never ignored ones) as a repository of their own, and a docs
    repository with one good and one bad mapping; pip is held to the lock's versions."""
    tmp = tmp_path
    source = tmp / "apimap"
    for name in _git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split(
        "\0"
    ):
        if name and (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    _git(source, "init", "-q")
    _git(source, "add", "-A")
    _git(source, "commit", "-q", "-m", "snapshot")
    pins = re.findall(
        r"^[A-Za-z0-9][^ \\\n]*==[^ \\\n]+", (REPO / "lock" / "site.txt").read_text(), re.M
    )
    (tmp / "constraints.txt").write_text("\n".join(pins) + "\n")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp / "pre-commit-home"),
        "PIP_CONSTRAINT": str(tmp / "constraints.txt"),
    }
    docs = tmp / "docs"  # the docs repository: its own conf/ and mappings/
    shutil.copytree(REPO / "conf", docs / "conf")
    (docs / "mappings" / "torch" / "demo").mkdir(parents=True)
    shutil.copy(FIXTURES / "Widget.yaml", docs / "mappings" / "torch" / "demo" / "Widget.yaml")
    bad = (
        (FIXTURES / "Nothing.yaml")
        .read_text(encoding="utf-8")
        .replace("relation: torch_only", "relation: torch_onyl")
    )
    (docs / "mappings" / "torch" / "demo" / "Nothing.yaml").write_text(bad, encoding="utf-8")
    _git(docs, "init", "-q")
    _git(docs, "add", "-A")
    _git(docs, "commit", "-q", "-m", "docs")
    return source, docs, env


def try_repo(hook_env, *files: str) -> subprocess.CompletedProcess:
    source, docs, env = hook_env
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(source),
            "apimap-validate",
            "--files",
            *files,
        ],
        cwd=docs,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


# pre-commit try-repo installs the hook into a fresh environment on every run (about 30 s): two tests, so that
# pytest-xdist runs them side by side.
def test_hook_passes_a_good_file(hook_env):
    run = try_repo(hook_env, "mappings/torch/demo/Widget.yaml")
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"^apimap validate\.+Passed$", run.stdout, re.M), run.stdout


def test_hook_fails_a_bad_file_with_its_one_line_error(hook_env):
    run = try_repo(hook_env, "mappings/torch/demo/Widget.yaml", "mappings/torch/demo/Nothing.yaml")
    assert run.returncode == 1, run.stdout + run.stderr
    assert re.search(r"^apimap validate\.+Failed$", run.stdout, re.M)
    assert "- exit code: 1" in run.stdout
    assert BAD_LINE in run.stdout.splitlines()
    assert "Traceback" not in run.stdout
