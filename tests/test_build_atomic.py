"""A failed or interrupted build leaves the last good site/_build/html intact, and leaves no process behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES


def make_project(root: Path, repo: Path) -> Path:
    (root / "conf").symlink_to(repo / "conf")
    shutil.copytree(repo / "templates", root / "templates")  # a private copy: one test breaks it
    shutil.copytree(FIXTURES / "mappings", root / "mappings")
    return root


def build(proj: Path, repo: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "apimap", "--project", str(proj), "build"],
        capture_output=True,
        text=True,
        cwd=repo,
        timeout=600,
        **kw,
    )


def break_the_pages(proj: Path) -> None:
    """A directive Sphinx does not know: validation and rendering pass, Sphinx (-W) fails."""
    path = proj / "templates/mapping.md.j2"
    path.write_text(
        path.read_text(encoding="utf-8") + "\n```{nosuchdirective}\n```\n", encoding="utf-8"
    )


def sphinx_processes(proj: Path) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmd = (
                    Path(f"/proc/{pid}/cmdline")
                    .read_bytes()
                    .replace(b"\0", b" ")
                    .decode(errors="replace")
                )
            except OSError:
                continue
            if "sphinx" in cmd and str(proj) in cmd:
                found.append(cmd)
    return found


@pytest.fixture
def built(tmp_path, project):
    (tmp_path / "proj").mkdir()
    proj = make_project(tmp_path / "proj", project.root)
    run = build(proj, project.root)
    assert run.returncode == 0, run.stderr
    page = proj / "site/_build/html/en/maps/torch.demo.nn.Thing.html"
    return proj, page, page.read_bytes()


def test_failed_build_keeps_last_good_site(built, project):
    proj, page, before = built
    break_the_pages(proj)
    run = build(proj, project.root)
    assert run.returncode == 1 and "Sphinx failed" in run.stderr
    assert page.read_bytes() == before
    assert (
        not (proj / "site/_build/html.new").exists()
        and not (proj / "site/_build/html.old").exists()
    )


def test_sigterm_keeps_last_good_site_and_leaves_no_process(built, project):
    proj, page, before = built
    (proj / "mappings/torch/demo/nn/Thing.yaml").write_text(
        (proj / "mappings/torch/demo/nn/Thing.yaml")
        .read_text(encoding="utf-8")
        .replace("Identical.", "Identical again."),
        encoding="utf-8",
    )
    # force a full (slower) rebuild so there is time to interrupt it
    shutil.rmtree(proj / "site/_build/doctrees")
    proc = subprocess.Popen(
        [sys.executable, "-m", "apimap", "--project", str(proj), "build"],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while not sphinx_processes(proj) and time.time() < deadline:
        time.sleep(0.05)
    assert sphinx_processes(proj), "Sphinx never started"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "unchanged" in err
    assert page.read_bytes() == before
    time.sleep(0.2)
    assert sphinx_processes(proj) == []


def test_incremental_publish_copies_what_changed_and_links_the_rest(built, project):
    """A one-file edit publishes a new snapshot: the edited page and the exports are new files, pages Sphinx
    did not rewrite are shared with the previous snapshot (hard links), and html/ stays complete."""
    proj, page, before = built
    html = proj / "site/_build/html"
    other = html / "en/maps/torch.demo.Widget.html"
    other_inode, page_inode = other.stat().st_ino, page.stat().st_ino
    thing = proj / "mappings/torch/demo/nn/Thing.yaml"
    thing.write_text(
        thing.read_text(encoding="utf-8").replace("Identical.", "Identical again."),
        encoding="utf-8",
    )
    run = build(proj, project.root)
    assert run.returncode == 0, run.stderr
    assert (
        "Identical again." in page.read_text(encoding="utf-8") and page.stat().st_ino != page_inode
    )
    assert other.stat().st_ino == other_inode and other.stat().st_nlink >= 1
    assert "Identical again." in (html / "mappings.json").read_text(encoding="utf-8")
    assert (html / "index.html").is_file() and (html / "zh_CN/index.html").is_file()
    assert (
        not (proj / "site/_build/html.new").exists()
        and not (proj / "site/_build/html.old").exists()
    )


def test_a_deleted_mapping_and_a_failed_builds_pages_are_never_published(built, project):
    """Sphinx never deletes output: without pruning, the page of a deleted mapping stayed online, and what a
    failed build had written was published by the next good one."""
    proj, page, _ = built
    html = proj / "site/_build/html"
    assert page.is_file() and (html / "zh_CN/maps/torch.demo.nn.Thing.html").is_file()
    (proj / "mappings/torch/demo/nn/Thing.yaml").unlink()
    (proj / "mappings/torch/demo/nn/Thing@other.yaml").unlink()
    run = build(proj, project.root)
    assert run.returncode == 0, run.stderr
    assert not page.exists() and not (html / "zh_CN/maps/torch.demo.nn.Thing.html").exists()
    assert not (proj / "site/_build/staging/en/maps/torch.demo.nn.Thing.html").exists()
    assert (html / "en/maps/torch.demo.Widget.html").is_file()
    assert (html / "en/search.html").is_file() and (html / "en/genindex.html").is_file()


def test_a_language_whose_inputs_did_not_change_is_not_rebuilt(built, project):
    proj, page, before = built
    run = build(proj, project.root)  # nothing changed at all
    assert run.returncode == 0, run.stderr
    assert "en, zh_CN: no source or configuration changed; Sphinx not run" in run.stderr
    assert page.read_bytes() == before

    thing = proj / "mappings/torch/demo/nn/Thing.yaml"  # an edit to the English text only
    thing.write_text(
        thing.read_text(encoding="utf-8").replace("Identical.", "Identical again."),
        encoding="utf-8",
    )
    run = build(proj, project.root)
    assert run.returncode == 0, run.stderr
    assert (
        "zh_CN: no source or configuration changed" in run.stderr and "en, zh_CN" not in run.stderr
    )
    assert "Identical again." in page.read_text(encoding="utf-8")

    # a Sphinx input that is not a page: both languages are built again
    static = proj / "site/_static"
    static.mkdir(parents=True)
    (static / "extra.css").write_text("/* changed */\n", encoding="utf-8")
    run = build(proj, project.root)
    assert run.returncode == 0, run.stderr
    assert "Sphinx not run" not in run.stderr


def test_a_failed_sphinx_run_is_never_skipped_later(tmp_path, monkeypatch):
    """Sources rendered before a failed (or interrupted) Sphinx run must be built by the next build, even though
    render then finds nothing new to write."""
    from types import SimpleNamespace

    from apimap import sitebuild

    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "conf.py").write_text("", encoding="utf-8")
    (tmp_path / "site/_build/src/en").mkdir(parents=True)
    (tmp_path / "site/_build/src/en/index.md").write_text("# Hi\n", encoding="utf-8")
    project = SimpleNamespace(
        root=tmp_path,
        conf=conf,
        build=tmp_path / "site/_build",
        src=tmp_path / "site/_build/src",
        html=tmp_path / "site/_build/html",
    )
    outcome = {"code": 1}

    def fake_sphinx(project, lang, jobs="1", out=None):
        script = (
            f"import pathlib, sys; p = pathlib.Path({str(out)!r}); p.mkdir(parents=True, exist_ok=True); "
            f"(p / 'index.html').write_text('ok'); sys.exit({outcome['code']})"
        )
        return [sys.executable, "-c", script]

    monkeypatch.setattr(sitebuild, "sphinx_command", fake_sphinx)
    runs = sitebuild.build_html(project, {"en": "English"})
    assert [(r.returncode, r.skipped) for r in runs] == [(1, False)]
    outcome["code"] = 0
    runs = sitebuild.build_html(project, {"en": "English"})
    # same sources, but the last run failed
    assert [(r.returncode, r.skipped) for r in runs] == [(0, False)]
    runs = sitebuild.build_html(project, {"en": "English"})
    assert [(r.returncode, r.skipped) for r in runs] == [(0, True)]
    assert (project.html / "en/index.html").read_text() == "ok"


def test_invalid_mappings_stop_the_early_sphinx_processes(built, project):
    """Sphinx processes start before validation; a validation error must end them, not leave them waiting."""
    proj, page, before = built
    thing = proj / "mappings/torch/demo/nn/Thing.yaml"
    thing.write_text(
        thing.read_text(encoding="utf-8").replace("category: consistent", "category: nonsense"),
        encoding="utf-8",
    )
    run = build(proj, project.root)
    assert run.returncode == 1 and "unknown category 'nonsense'" in run.stderr
    assert page.read_bytes() == before
    assert sphinx_processes(proj) == []


def test_a_worker_that_died_while_warming_up_is_replaced(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from apimap import sitebuild

    (tmp_path / "conf").mkdir()
    (tmp_path / "site/_build/src/en").mkdir(parents=True)
    (tmp_path / "site/_build/src/en/index.md").write_text(
        "# index\n"
    )  # published pages have a source
    project = SimpleNamespace(
        root=tmp_path,
        conf=tmp_path / "conf",
        build=tmp_path / "site/_build",
        src=tmp_path / "site/_build/src",
        html=tmp_path / "site/_build/html",
    )

    def fake_sphinx(project, lang, jobs="1", out=None):
        script = f"import pathlib; p = pathlib.Path({str(out)!r}); p.mkdir(parents=True, exist_ok=True); (p / 'index.html').write_text('fresh')"
        return [sys.executable, "-c", script]

    monkeypatch.setattr(sitebuild, "sphinx_command", fake_sphinx)
    with sitebuild.EarlySphinx(project, {"en": "English"}) as early:
        early.procs["en"].kill()
        early.procs["en"].wait()
        runs = sitebuild.build_html(project, {"en": "English"}, early=early)
    assert [(r.lang, r.returncode, r.skipped) for r in runs] == [("en", 0, False)]
    assert (project.html / "en/index.html").read_text() == "fresh"
