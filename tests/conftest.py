"""Shared fixtures: the project, its vocabulary, and small mapping trees to mutate."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from apimap.config import Config, load_config
from apimap.project import Project

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(REPO)


@pytest.fixture(scope="session")
def config(project) -> Config:
    return load_config(project.conf)


@pytest.fixture(scope="session")
def vocab(config):
    return config.vocab


@pytest.fixture
def fixture_tree(tmp_path) -> Path:
    """A private copy of tests/fixtures/mappings, as tmp/mappings."""
    dest = tmp_path / "mappings"
    shutil.copytree(FIXTURES / "mappings", dest)
    return dest


def load_fake_frameworks():
    """tests/fixtures/check/fake_frameworks.py: small fake torch/mindspore modules for the check rules."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "apimap_check_fakes", FIXTURES / "check" / "fake_frameworks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fw():
    """The check stage's view of the fake frameworks."""
    from apimap.check.introspect import Frameworks

    return Frameworks(load_fake_frameworks().build())


def pytest_sessionfinish(session, exitstatus):
    """Under the README's test command (APIMAP_NO_SKIPS=1) a skipped test fails the run: it tested nothing."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not os.environ.get("APIMAP_NO_SKIPS") or reporter is None or exitstatus != 0:
        return
    skipped = reporter.stats.get("skipped", [])
    if skipped:
        reporter.write_line(
            f"apimap: {len(skipped)} test(s) skipped; the README's test command allows none "
            "(deselect explicitly instead, e.g. scripts/test --no-browser)",
            red=True,
        )
        session.exitstatus = 1
