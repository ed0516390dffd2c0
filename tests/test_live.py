"""`apimap serve --watch`'s resident site (apimap.live): an edited mapping reaches its HTML through resident Sphinx
applications, the pages equal what a fresh build writes, and anything but a mapping takes the whole build."""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import pytest

from apimap.cli import build
from apimap.live import LiveSite
from apimap.project import Project

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "site" / "mappings"
RELU = "torch/nn/ReLU.yaml"
PAGE = "en/maps/torch.nn.ReLU.html"


@pytest.fixture
def live(tmp_path):
    (tmp_path / "conf").symlink_to(REPO / "conf")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    shutil.copytree(FIXTURE, tmp_path / "mappings")
    project = Project(tmp_path)
    args = argparse.Namespace(project=project, jobs="1")
    site = LiveSite(project, lambda: _count(site, build.run(args)))
    site.full_builds = 0
    assert site.start() == 0
    yield site
    site.close()


def _count(site: LiveSite, code: int) -> int:
    site.full_builds += 1
    return code


def _edit(site: LiveSite, old: str, new: str, rel: str = RELU) -> Path:
    path = site.project.mappings / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _article(html: str) -> str:
    return re.search(r"<article.*?</article>", html, re.S).group(0)


def test_edits_reach_the_pages_through_the_residents(live, capsys):
    """One resident site through a contributor's session (one test: each start is a whole build)."""
    # an edited note: the fast path, English Sphinx only, and the page shown
    shown = []
    path = _edit(live, "The same activation", "Exactly the same zyxwvutsrq activation")
    assert live.rebuild([path], lambda: shown.append(True)) == 0
    assert shown == [True] and live.full_builds == 1  # no second whole build
    assert set(live.sphinx_seconds) == {"en"}
    page = live.root / PAGE
    assert "Exactly the same zyxwvutsrq activation" in page.read_text(encoding="utf-8")

    # an invalid edit: reported with its line, nothing shown, the last good page kept
    before = page.read_text(encoding="utf-8")
    _edit(live, "relation: general", "relation: generall")
    shown.clear()
    assert live.rebuild([path], lambda: shown.append(True)) == 1
    assert shown == [] and page.read_text(encoding="utf-8") == before
    assert "did you mean 'general'" in capsys.readouterr().err
    _edit(live, "relation: generall", "relation: general")

    # a new counterpart file: Sphinx finds the new page itself
    added = path.with_name("ReLU@mint.yaml")
    added.write_text(
        path.read_text(encoding="utf-8").replace("mindspore.nn.ReLU", "mindspore.mint.nn.ReLU"),
        encoding="utf-8",
    )
    assert live.rebuild([path, added], lambda: None) == 0 and live.full_builds == 1
    pages = sorted(p.name for p in (live.root / "en" / "maps").glob("torch.nn.ReLU*.html"))
    assert len(pages) == 3, pages  # the chooser and one page per counterpart

    # after the residents finish their deferred work: the search index has the edit
    resident = {p.name: _article(p.read_text(encoding="utf-8")) for p in page.parent.glob("*.html")}
    live.close()
    index = (live.root / "en" / "searchindex.js").read_text(encoding="utf-8")
    assert "zyxwvutsrq" in index

    # and every mapping page equals what Sphinx writes from nothing
    for gone in ("staging", "doctrees", "sphinx-state", "html"):
        shutil.rmtree(live.project.build / gone, ignore_errors=True)
    assert live.full_build() == 0
    fresh = {p.name: _article(p.read_text(encoding="utf-8")) for p in page.parent.glob("*.html")}
    assert resident == fresh


def test_a_template_change_takes_the_whole_build(live):
    template = live.project.templates / "mapping.md.j2"
    template.write_text(
        template.read_text(encoding="utf-8") + "\nTemplate marker 4711.\n", encoding="utf-8"
    )
    assert live.rebuild([template], lambda: None) == 0
    assert live.full_builds == 2
    assert "Template marker 4711." in (live.root / PAGE).read_text(encoding="utf-8")
    # and the residents are back: the next mapping edit is fast again
    path = _edit(live, "The same activation", "Again the same activation")
    assert live.rebuild([path], lambda: None) == 0 and live.full_builds == 2
    assert "Again the same activation" in (live.root / PAGE).read_text(encoding="utf-8")
