"""A real Sphinx build (-W: warnings are errors) of the fixture mappings, in both languages."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from apimap.project import Project


@pytest.fixture(scope="module")
def built_site(tmp_path_factory, project):
    from tests.conftest import FIXTURES

    proj = tmp_path_factory.mktemp("site")
    for name in ("conf", "templates"):
        (proj / name).symlink_to(project.root / name)
    import shutil

    shutil.copytree(FIXTURES / "mappings", proj / "mappings")
    run = subprocess.run(
        [sys.executable, "-m", "apimap", "--project", str(proj), "build"],
        capture_output=True,
        text=True,
        cwd=project.root,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return Project(proj)


def read(site: Project, rel: str) -> str:
    return (site.html / rel).read_text(encoding="utf-8")


def test_root_index_offers_both_languages(built_site):
    html = read(built_site, "index.html")
    assert 'href="en/index.html"' in html and 'href="zh_CN/index.html"' in html


@pytest.mark.parametrize(
    "lang,col_note,relation",
    [("en", "Notes", "Renamed; default differs"), ("zh_CN", "说明", "参数名与默认值均不同")],
)
def test_mapping_page_has_signatures_table_and_language_link(built_site, lang, col_note, relation):
    html = read(built_site, f"{lang}/maps/torch.demo.Widget.html")
    text = re.sub(r"<[^>]+>", "", html)
    assert "torch.demo.Widget(" in text and "mindspore.demo.Gadget(" in text  # both signatures
    assert re.search(r"<table[^>]*>.*?" + col_note, html, re.S)  # the parameter table
    assert relation in text
    other = "zh_CN" if lang == "en" else "en"
    # language switch to the same page
    assert f'href="../../{other}/maps/torch.demo.Widget.html"' in html
    assert f'hreflang="{other.replace("_", "-")}"' in html


@pytest.mark.parametrize(
    "lang,back,toc", [("en", "Back to top", "On this page"), ("zh_CN", "回到顶部", "本页内容")]
)
def test_the_themes_own_strings_are_in_the_pages_language(built_site, lang, back, toc):
    html = read(built_site, f"{lang}/maps/torch.demo.Widget.html")
    assert back in html and toc in html  # conf/site.yaml theme_strings
    if lang != "en":
        assert "Back to top" not in html and "On this page" not in html


def test_hostile_text_is_not_html(built_site):
    html = read(built_site, "en/maps/torch.demo.Widget.html")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_category_badge_explains_itself_to_mouse_keyboard_and_touch(built_site):
    html = read(built_site, "en/maps/torch.demo.Widget.html")
    definition = "A parameter exists on both sides but its default value differs."
    # the title on hover; focusable (Tab, or a tap) with the definition for apimap.css and screen readers
    assert (
        f'<span aria-label="Defaults differ: {definition}" class="apimap-badge apimap-cat '
        f'apimap-cat-defaults_differ" data-def="{definition}" tabindex="0" title="{definition}">'
        "Defaults differ</span>" in html
    )


@pytest.mark.parametrize(
    "lang,general,same",
    [
        ("en", "General differences", "Same on both sides (1)"),
        ("zh_CN", "通用差异", "两边一致的参数（1 个）"),
    ],
)
def test_parameter_rows_that_need_action_come_first_and_general_rows_link_their_page(
    built_site, lang, general, same
):
    html = read(built_site, f"{lang}/maps/torch.demo.Widget.html")
    table = html[html.index("<table") : html.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]
    relations = [re.search(r"apimap-rel-(act|ok)", row).group(1) for row in rows]
    assert relations == sorted(relations)  # every "act" row before every "ok" row
    assert (
        '<code class="docutils literal notranslate"><span class="pre">size</span></code>'
        not in table
    )
    assert same in re.sub(r"<[^>]+>", "", html)  # the same row, folded under the table
    assert 'href="../general.html#general-out"' in table and general in table
    page = read(built_site, f"{lang}/general.html")
    assert 'id="general-out"' in page and 'id="general-requires-grad"' in page


def test_module_tables_and_status_page(built_site):
    table = read(built_site, "zh_CN/tables/torch.demo.html")
    assert (
        "torch.demo.Widget" in table and "mindspore.demo.Gadget" in table and "默认值不同" in table
    )
    assert "暂无对应" in table  # the missing mapping's category label
    status = read(built_site, "en/status.html")
    assert "not run" in status


@pytest.mark.parametrize(
    "lang,title",
    [("en", "PyTorch → MindSpore API mappings"), ("zh_CN", "PyTorch 与 MindSpore API 映射")],
)
def test_pages_have_a_title_and_a_description_in_their_language(built_site, lang, title):
    index = read(built_site, f"{lang}/index.html")
    assert f"<title>{title}</title>" in index
    assert re.search(r'<meta content="[^"]+" name="description"', index)
    page = read(built_site, f"{lang}/maps/torch.demo.Widget.html")
    assert f"<title>torch.demo.Widget → mindspore.demo.Gadget - {title}</title>" in page
    described = re.search(r'<meta content="([^"]+)" name="description"', page).group(1)
    assert "`" not in described and len(described) <= 160  # the summary's first sentence, plain
