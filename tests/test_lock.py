"""The environment is exactly the lock, and the locks agree with pyproject.toml and with each other."""

from __future__ import annotations

import os
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
LOCKS = REPO / "lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def pins(path: Path) -> dict[str, str]:
    """``name -> version`` of a lock file (uv pip compile output)."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := _PIN.match(line):
            found[canonicalize_name(m.group(1))] = m.group(2)
    return found


def installed() -> dict[str, str]:
    return {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}


def differences(locked: dict[str, str], have: dict[str, str]) -> list[str]:
    out = [
        f"{n}: locked {v}, installed {have[n]}"
        for n, v in locked.items()
        if n in have and have[n] != v
    ]
    out += [f"{n}: locked {v}, not installed" for n, v in locked.items() if n not in have]
    out += [
        f"{n}: installed {v}, not in the lock"
        for n, v in have.items()
        if n not in locked and n != "apimap"
    ]
    return sorted(out)


def test_installed_environment_is_exactly_the_lock():
    lock = os.environ.get("APIMAP_LOCK", str(LOCKS / "test.txt"))
    if lock == "none":
        pytest.skip("scripts/test --latest runs on the newest releases, not on the lock")
    problems = differences(pins(Path(lock)), installed())
    assert not problems, (
        f"this environment differs from {lock} (recreate it: tox -r -e test):\n"
        + "\n".join(problems)
    )


def test_differences_names_every_kind_of_drift():
    locked = {"a": "1", "b": "2", "c": "3"}
    assert differences(locked, {"a": "1", "b": "9", "d": "4", "apimap": "0.1"}) == [
        "b: locked 2, installed 9",
        "c: locked 3, not installed",
        "d: installed 4, not in the lock",
    ]
    assert differences(locked, dict(locked)) == []


@pytest.mark.parametrize("lock", ["test.txt", "site.txt", "tools.txt", "build.txt"])
def test_every_pin_has_a_hash(lock):
    text = (LOCKS / lock).read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text)
    unhashed = [e.split()[0] for e in entries if _PIN.match(e) and "--hash=sha256:" not in e]
    assert pins(LOCKS / lock) and not unhashed


def _project_requirements(*extras: str) -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    return [Requirement(r) for r in reqs]


@pytest.mark.parametrize(
    ("lock", "extras"), [("site.txt", ()), ("test.txt", ("test", "frameworks", "browser", "lint"))]
)
def test_lock_satisfies_pyproject(lock, extras):
    """An edited pyproject.toml needs scripts/lock before it can pass."""
    locked = pins(LOCKS / lock)
    unmet = [
        str(r)
        for r in _project_requirements(*extras)
        if not r.specifier.contains(
            locked.get(canonicalize_name(r.name), "0.0.0.dev0"), prereleases=True
        )
    ]
    assert not unmet, (
        f"lock/{lock} does not satisfy pyproject.toml ({', '.join(unmet)}): run scripts/lock"
    )


def test_site_lock_is_the_test_lock_subset():
    site, test = pins(LOCKS / "site.txt"), pins(LOCKS / "test.txt")
    assert {n: test.get(n) for n in site} == site


def test_build_backend_is_locked():
    build = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["build-system"][
        "requires"
    ]
    locked = pins(LOCKS / "build.txt")
    assert all(
        Requirement(r).specifier.contains(locked[canonicalize_name(Requirement(r).name)])
        for r in build
    )


def test_each_matrix_lock_is_the_test_lock_with_only_mindspore_swapped():
    wanted = [
        ln.split("==")[1]
        for ln in (LOCKS / "matrix.in").read_text().splitlines()
        if ln.startswith("mindspore==")
    ]
    assert wanted, "lock/matrix.in lists no release"
    test = pins(LOCKS / "test.txt")
    found = sorted(p.name for p in (LOCKS / "matrix").glob("mindspore-*.txt"))
    assert found == sorted(f"mindspore-{v}.txt" for v in wanted), "run scripts/lock"
    for version in wanted:
        matrix = pins(LOCKS / "matrix" / f"mindspore-{version}.txt")
        assert matrix["mindspore"] == version
        assert {k: v for k, v in matrix.items() if k != "mindspore"} == {
            k: v for k, v in test.items() if k != "mindspore"
        }, f"lock/matrix/mindspore-{version}.txt moved more than mindspore"
