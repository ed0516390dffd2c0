"""What several commands share: loading the project (conf/, then the mappings), reporting problems."""

from __future__ import annotations

import sys
from pathlib import Path

from ..cache import ValidationCache
from ..catalog import Catalog, build_catalog
from ..config import Config, load_config
from ..problems import Problem
from ..project import Project
from ..validate import Loaded, load_tree


def report(problems: list[Problem]) -> None:
    for prob in sorted(problems):
        print(prob, file=sys.stderr)


def report_missing(paths: list[Path]) -> bool:
    """Report paths that do not exist, one line each; True if there were any."""
    missing = [p for p in paths if not p.exists()]
    for p in missing:
        print(f"{p}:1: no such file or folder", file=sys.stderr)
    return bool(missing)


def load(
    project: Project, paths: list[Path] | None = None
) -> tuple[Config, list[Loaded], list[Problem]]:
    """conf/ (raises ``ProblemsError``), then the mappings (valid ones, and every problem found)."""
    config = load_config(project.conf)
    cache = ValidationCache(project.build / "cache" / "validated.pickle", project.conf)
    loaded, problems = load_tree(
        paths or [project.mappings],
        None if paths else project.mappings,
        config.vocab,
        cache,
        limits=config.limits,
    )
    cache.save(keep=None if paths else {str(item.path) for item in loaded})
    return config, loaded, problems


def load_catalog(project: Project, command: str) -> Catalog | None:
    """The whole project as a catalog, or None (problems reported) when anything is invalid."""
    config, loaded, problems = load(project)
    report(problems)
    errors = sum(p.severity == "error" for p in problems)
    if errors:
        print(f"apimap {command}: {errors} problem(s); nothing written", file=sys.stderr)
        return None
    return build_catalog(project, config, loaded)


def console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)
