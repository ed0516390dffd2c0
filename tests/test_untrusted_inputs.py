"""Inputs from a pull request cannot reach outside the project or script the site: file names, symlinks,
hidden folders, empty trees, maths that makes links, and what the pages write into HTML attributes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from apimap.validate import load_tree

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "mappings"


def _validate(proj: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
    }  # this checkout's apimap, from the project's own folder
    return subprocess.run(
        [sys.executable, "-m", "apimap", "--project", str(proj), "validate"],
        capture_output=True,
        text=True,
        cwd=proj,
        env=env,
        timeout=120,
    )


def _project(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "conf").symlink_to(REPO / "conf")
    shutil.copytree(FIXTURES, root / "mappings")
    return root


def test_a_file_name_tag_that_is_not_a_slug_is_an_error(fixture_tree, vocab):
    hostile = fixture_tree / 'torch/demo/Widget@"onmouseover=alert(1) x=".yaml'
    shutil.copy(fixture_tree / "torch/demo/Widget.yaml", hostile)
    (fixture_tree / "torch/demo/Widget.yaml").unlink()
    loaded, problems = load_tree([fixture_tree], fixture_tree, vocab)
    assert [p.message for p in problems] == [
        "file name tag '@\"onmouseover=alert(1) x=\"' is not a valid tag: lowercase letters, digits, - and _ "
        "(e.g. Adam@mint.yaml)"
    ]
    assert all("onmouseover" not in item.slug for item in loaded)


def test_maths_that_makes_a_link_is_an_error(fixture_tree, vocab):
    path = fixture_tree / "torch/demo/Widget.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "summary:\n  en: |\n", "summary:\n  en: |\n    $\\href{javascript:alert(1)}{x}$\n", 1
        ),
        encoding="utf-8",
    )
    _, problems = load_tree([fixture_tree], fixture_tree, vocab)
    assert [(p.path, p.message) for p in problems] == [
        (
            "summary.en",
            "TeX command \\href is not allowed in maths (it makes links or markup, not formulas)",
        )
    ]


def test_a_project_under_a_hidden_folder_is_read(tmp_path):
    """It validated 0 mappings and exited 0: every path had '.cache' in it."""
    proj = _project(tmp_path / ".cache" / "docs")
    run = _validate(proj)
    assert run.returncode == 0, run.stderr
    assert "apimap validate: 4 mapping(s) valid" in run.stderr


def test_hidden_folders_inside_the_tree_are_skipped(tmp_path):
    proj = _project(tmp_path / "docs")
    (proj / "mappings/.git").mkdir()
    (proj / "mappings/.git/junk.yaml").write_text("not: a mapping\n")
    run = _validate(proj)
    assert run.returncode == 0 and "4 mapping(s) valid" in run.stderr, run.stderr


def test_a_tree_with_no_mapping_files_is_an_error(tmp_path):
    proj = tmp_path / "docs"
    (proj / "mappings").mkdir(parents=True)
    (proj / "conf").symlink_to(REPO / "conf")
    run = _validate(proj)
    assert run.returncode == 1
    assert (
        run.stderr.splitlines()[0]
        == f"{os.path.relpath(proj / 'mappings', proj)}:1: no mapping files (*.yaml) here; nothing to check"
    )


def test_a_symlink_out_of_the_tree_is_refused_unread(tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2-do-not-print\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "more.yaml").write_text("token: also-secret\n")
    proj = _project(tmp_path / "docs")
    (proj / "mappings/torch/leak.yaml").symlink_to(secret)
    (proj / "mappings/torch/leakdir").symlink_to(outside)
    run = _validate(proj)
    assert run.returncode == 1
    assert (
        "hunter2" not in run.stderr
        and "also-secret" not in run.stderr
        and "password" not in run.stderr
    )
    assert sorted(line for line in run.stderr.splitlines() if "resolves outside" in line) == [
        "mappings/torch/leak.yaml:1: resolves outside mappings (a symbolic link?); not read",
        "mappings/torch/leakdir:1: resolves outside mappings (a symbolic link?); not read",
    ]


def test_an_unknown_key_is_echoed_only_as_a_short_excerpt(fixture_tree, vocab):
    path = fixture_tree / "torch/demo/Widget.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "x" * 500 + ": 1\n", encoding="utf-8")
    _, problems = load_tree([fixture_tree], fixture_tree, vocab)
    (problem,) = problems
    assert "x" * 41 not in problem.message + problem.path and len(problem.message) < 200


def test_language_links_escape_what_they_write_into_attributes():
    from types import SimpleNamespace

    from apimap.sphinx_ext import add_language_links

    app = SimpleNamespace(
        config=SimpleNamespace(apimap_languages={"en": "English", "zh_CN": "中文"}, language="en")
    )
    context: dict = {}
    add_language_links(app, 'maps/x" onmouseover="alert(1)', "page.html", context, None)
    assert 'onmouseover="alert(1)"' not in context["metatags"] and "&quot;" in context["metatags"]


def test_a_tree_over_the_configured_limits_is_refused_before_reading(tmp_path):
    proj = _project(tmp_path / "docs")
    (proj / "conf").unlink()
    shutil.copytree(REPO / "conf", proj / "conf")
    site = proj / "conf/site.yaml"
    site.write_text(
        site.read_text(encoding="utf-8").replace("max_mappings: 10000", "max_mappings: 3"),
        encoding="utf-8",
    )
    run = _validate(proj)
    assert run.returncode == 1
    assert (
        run.stderr.splitlines()[0]
        == "mappings:1: 4 mapping files; the limit is 3 (conf/site.yaml limits.max_mappings)"
    )
