"""The loader's own limits hold on every PyYAML release it may meet: the same one-line errors on each.

PyYAML 6.0.4 bundles a libyaml that stops at 1,000 nesting levels, and inside a flow collection it reads ahead
past apimap's own depth check; each release is installed into a throwaway folder that shadows the locked one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BAD = Path(__file__).resolve().parent / "bad_inputs"
REPO = BAD.parent.parent
CASES = ["cases/hostile-deep-flow.yaml", "cases/hostile-deep-block.yaml"]
EXPECTED = [
    line
    for line in (BAD / "expected.txt").read_text(encoding="utf-8").splitlines()
    if line.split(":")[0] in CASES
]


@pytest.mark.parametrize("version", ["6.0.2", "6.0.3", "6.0.4"])
def test_nesting_limit_is_apimaps_own_on_every_pyyaml(version, tmp_path):
    target = tmp_path / f"pyyaml-{version}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "uv",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--python",
            sys.executable,
            "--target",
            str(target),
            f"pyyaml=={version}",
        ],
        check=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(REPO)])}
    probe = subprocess.run(
        [sys.executable, "-c", "import yaml; print(yaml.__version__, yaml.__with_libyaml__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.split() == [
        version,
        "True",
    ]  # this release, with libyaml: the path that broke
    # just under the size limit: libyaml's limit, then ours, both quickly
    huge = tmp_path / "huge-flow.yaml"
    huge.write_text("torch: " + "[" * 999_000 + "\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "apimap", "validate", *CASES, str(huge)],
        cwd=BAD,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert sorted(
        line for line in run.stderr.splitlines() if not line.startswith("apimap validate:")
    ) == sorted([*EXPECTED, f"{huge}:1: torch{'[0]' * 11}: nested deeper than 12 levels"])


def test_libyaml_limit_is_reached_by_the_corpus():
    """The deep-flow case really is deeper than libyaml's 1,000 levels, so the test above exercises it."""
    assert (BAD / CASES[0]).read_text(encoding="utf-8").count("[") > 1000
