"""The built site in a real browser: explorer, search in both languages, language switch, page furniture."""

from __future__ import annotations

import base64
import re

import pytest

pytestmark = pytest.mark.browser
LANGS = ("en", "zh_CN")
ALL = {"torch.nn.Linear", "torch.nn.ReLU", "torch.optim.Adam", "torch.optim.Adamax"}


def open_explorer(page, lang: str, query: str = ""):
    page.goto(f"/{lang}/index.html{query}")
    page.wait_for_selector(".apimap-explorer.apimap-explorer-ready")
    return page.locator(".apimap-explorer")


def shown_apis(page) -> list[str]:
    return page.locator(".apimap-explorer tbody tr td:first-child").all_inner_texts()


@pytest.mark.parametrize("lang", LANGS)
def test_landing_page_loads_without_console_errors(page, lang):
    open_explorer(page, lang)
    page.wait_for_load_state("networkidle")
    assert page.console.errors == []
    assert set(shown_apis(page)) == ALL
    count = page.locator(".apimap-explorer-count").inner_text()
    assert count == {"en": "4 mappings", "zh_CN": "共 4 个映射"}[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_typing_adam_shows_only_matching_rows(page, lang):
    open_explorer(page, lang)
    page.locator('.apimap-explorer input[data-filter="q"]').press_sequentially("Adam")
    rows = page.locator(".apimap-explorer tbody tr")
    assert sorted(shown_apis(page)) == ["torch.optim.Adam", "torch.optim.Adamax"]
    for text in rows.all_inner_texts():
        assert "adam" in text.lower()
    count = page.locator(".apimap-explorer-count").inner_text()
    assert count == {"en": "2 of 4 mappings", "zh_CN": "4 个映射中有 2 个符合"}[lang]
    page.wait_for_url("**?q=Adam")  # the view can be linked
    assert page.console.errors == []


@pytest.mark.parametrize("lang", LANGS)
def test_a_lookup_of_something_not_mapped_offers_near_matches_and_a_request(page, lang):
    open_explorer(page, lang, "?q=F.relu")
    empty = page.locator(".apimap-explorer-empty")
    assert empty.is_visible()
    assert (
        empty.locator("p").first.inner_text()
        == {
            "en": "F.relu has no mapping yet.",
            "zh_CN": "F.relu 尚无映射。",
        }[lang]
    )
    near = empty.locator(".apimap-explorer-near a")
    assert near.first.inner_text().startswith("torch.nn.ReLU")  # relu, the same leaf name
    ask = empty.locator("a.apimap-explorer-request")
    assert ask.get_attribute("href") == (
        "https://example.org/apimap/issues/new?title=Mapping%20for%20torch.nn.functional.relu"
    )
    near.first.click()
    page.wait_for_url("**/maps/torch.nn.ReLU.html")
    assert page.console.errors == []


def test_an_alias_finds_the_mapping(page):
    open_explorer(page, "en", "?q=nn.Linear")
    assert shown_apis(page) == ["torch.nn.Linear"]


@pytest.mark.parametrize("lang", LANGS)
def test_a_guessed_url_lands_in_the_explorer(page, lang):
    response = page.goto(f"/{lang}/maps/torch.nn.functional.relu.html")
    assert response.status == 404  # served by the site's 404.html
    page.wait_for_url(f"**/{lang}/index.html?q=torch.nn.functional.relu&missing=*")
    page.wait_for_selector(".apimap-explorer.apimap-explorer-ready")
    texts = page.locator(".apimap-explorer-empty p").all_inner_texts()
    assert (
        texts[0]
        == {
            "en": f"There is no page /{lang}/maps/torch.nn.functional.relu.html.",
            "zh_CN": f"页面 /{lang}/maps/torch.nn.functional.relu.html 不存在。",
        }[lang]
    )
    assert page.locator(".apimap-explorer-near a").first.inner_text().startswith("torch.nn.ReLU")


def test_a_search_for_an_api_name_opens_the_explorer_on_it(page):
    page.goto("/en/search.html?q=torch.optim.Adamax")
    page.wait_for_url("**/en/index.html?q=torch.optim.Adamax")
    page.wait_for_selector(".apimap-explorer.apimap-explorer-ready")
    assert shown_apis(page) == ["torch.optim.Adamax"]


def test_filter_matches_category_labels_in_both_languages(page):
    open_explorer(page, "en")
    # zh label on the en page
    page.locator('.apimap-explorer input[data-filter="q"]').fill("参数名不同")
    assert shown_apis(page) == ["torch.nn.Linear"]
    page.locator('.apimap-explorer input[data-filter="q"]').fill("names differ")
    assert shown_apis(page) == ["torch.nn.Linear"]


@pytest.mark.parametrize(
    "lang,label", [("en", "PyTorch has more parameters"), ("zh_CN", "PyTorch 参数更多")]
)
def test_category_filter(page, lang, label):
    open_explorer(page, lang)
    page.locator('.apimap-explorer select[data-filter="c"]').select_option(label=label)
    assert sorted(shown_apis(page)) == ["torch.optim.Adam", "torch.optim.Adamax"]
    badges = page.locator(".apimap-explorer tbody .apimap-cat").all_inner_texts()
    assert badges == [label, label]
    page.locator(".apimap-explorer-reset").click()
    assert set(shown_apis(page)) == ALL


def test_module_and_status_filters_and_sorting(page):
    open_explorer(page, "en")
    page.locator('.apimap-explorer select[data-filter="mod"]').select_option("torch.nn")
    assert sorted(shown_apis(page)) == ["torch.nn.Linear", "torch.nn.ReLU"]
    page.locator('.apimap-explorer select[data-filter="mod"]').select_option("")
    page.locator('.apimap-explorer select[data-filter="s"]').select_option("passed")
    assert sorted(shown_apis(page)) == [
        "torch.optim.Adam",
        "torch.optim.Adamax",
    ]  # from the fixture doctest results
    page.locator('.apimap-explorer select[data-filter="s"]').select_option("failed")
    assert shown_apis(page) == ["torch.nn.Linear"]
    page.locator(".apimap-explorer-reset").click()
    assert shown_apis(page) == sorted(ALL)
    header = page.locator('.apimap-explorer th[data-key="t"]')
    header.locator("button").click()
    assert shown_apis(page) == sorted(ALL, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"
    page.locator('.apimap-explorer th[data-key="m"] button').click()
    ms = page.locator(".apimap-explorer tbody tr td:nth-child(2)").all_inner_texts()
    assert ms == sorted(ms, key=str.lower)


def test_divergence_filter_shows_only_mappings_whose_probe_parts_ways(page):
    open_explorer(page, "en")
    box = page.locator(".apimap-explorer")
    box.locator('input[data-filter="d"]').check()
    assert shown_apis(page) == ["torch.nn.ReLU"]  # its NaN edge case differs
    page.wait_for_function("location.search.includes('divergent=1')")
    page.reload()
    page.wait_for_selector(".apimap-explorer.apimap-explorer-ready")
    assert box.locator('input[data-filter="d"]').is_checked()
    assert shown_apis(page) == ["torch.nn.ReLU"]
    page.locator(".apimap-explorer-reset").click()
    assert set(shown_apis(page)) == ALL


def test_release_filter_shows_what_passed_on_that_mindspore_release(page):
    open_explorer(page, "en")
    release = page.locator('.apimap-explorer select[data-filter="v"]')
    assert release.locator("option").all_inner_texts() == [
        "Any MindSpore release",
        "MindSpore 2.9.0",
        "MindSpore 2.10.0",
    ]
    release.select_option("2.9.0")
    assert sorted(shown_apis(page)) == ["torch.nn.Linear", "torch.optim.Adam", "torch.optim.Adamax"]
    release.select_option("2.10.0")  # Linear's example fails there, ReLU's did not run
    assert sorted(shown_apis(page)) == ["torch.optim.Adam", "torch.optim.Adamax"]
    page.wait_for_function("location.search.includes('release=2.10.0')")
    page.locator(".apimap-explorer-reset").click()
    assert set(shown_apis(page)) == ALL


def test_filtered_view_from_the_url(page):
    open_explorer(page, "zh_CN", "?q=relu")
    assert shown_apis(page) == ["torch.nn.ReLU"]
    assert page.locator('.apimap-explorer input[data-filter="q"]').input_value() == "relu"


@pytest.mark.parametrize("lang", LANGS)
def test_row_link_opens_its_page(page, lang):
    open_explorer(page, lang)
    page.locator('.apimap-explorer input[data-filter="q"]').fill("Dense")
    page.locator(".apimap-explorer tbody tr a").first.click()
    page.wait_for_url(f"**/{lang}/maps/torch.nn.Linear.html")
    assert "torch.nn.Linear" in page.locator("h1").inner_text()
    assert page.console.errors == []


@pytest.mark.parametrize("here,there,label", [("en", "zh_CN", "中文"), ("zh_CN", "en", "English")])
def test_language_switch_lands_on_the_counterpart(page, here, there, label):
    page.goto(f"/{here}/maps/torch.optim.Adamax.html")
    hreflang = there.replace("_", "-")
    assert page.locator(f'head link[rel="alternate"][hreflang="{hreflang}"]').count() == 1
    page.locator(".apimap-languages a", has_text=label).click()
    page.wait_for_url(f"**/{there}/maps/torch.optim.Adamax.html")
    assert "torch.optim.Adamax" in page.locator("h1").inner_text()
    assert page.locator("html").get_attribute("lang") == hreflang
    page.goto(f"/{here}/tables/torch.nn.html")  # every page has it, not only mapping pages
    page.locator(".apimap-languages a", has_text=label).click()
    page.wait_for_url(f"**/{there}/tables/torch.nn.html")


def search(page, lang: str, query: str) -> list[str]:
    page.goto(f"/{lang}/search.html?q={query}")
    page.wait_for_selector("#search-results .search-summary", timeout=15000)
    hrefs = page.locator("#search-results ul.search li a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    return [re.sub(r"[?#].*$", "", h) for h in hrefs]


@pytest.mark.parametrize("lang", LANGS)
def test_search_finds_learning_rate(page, lang):
    hits = search(page, lang, "learning_rate")
    assert "maps/torch.optim.Adamax.html" in hits and "maps/torch.optim.Adam.html" in hits, hits
    assert "maps/torch.nn.ReLU.html" not in hits
    assert page.console.errors == []


@pytest.mark.parametrize("lang", LANGS)
def test_search_shows_summaries_without_loading_the_result_pages(page, lang):
    fetched = []
    page.on("request", lambda r: "/maps/" in r.url and fetched.append(r.url))
    hits = search(page, lang, "learning_rate")
    assert hits
    first = page.locator("#search-results ul.search li").first
    snippet = first.locator(".apimap-snippet")
    assert snippet.count() == 1 and len(snippet.inner_text()) > 10
    assert fetched == []  # no result page was downloaded to cut a snippet out of it
    status = search(page, lang, "status")
    assert "status.html" not in status  # the pages that list every mapping are not in the index


def test_chinese_search_segments_words(page):
    hits = search(page, "zh_CN", "学习率")
    assert "maps/torch.optim.Adamax.html" in hits and "maps/torch.optim.Adam.html" in hits, hits
    assert "maps/torch.nn.ReLU.html" not in hits


def test_mapping_page_furniture(page, edit_url):
    page.goto("/en/maps/torch.optim.Adamax.html")
    badge = page.locator("article .apimap-cat").first
    assert badge.inner_text() == "PyTorch has more parameters"
    assert "MindSpore lacks" in badge.get_attribute("title")  # the definition, shown on hover
    # from the doctest results
    assert page.locator("article .apimap-ok", has_text="verified").count() >= 1
    edit = page.locator("article a", has_text="Edit this mapping")
    assert edit.get_attribute("href") == edit_url.format(path="mappings/torch/optim/Adamax.yaml")
    # side by side at this width: the MindSpore column shows MindSpore code
    column = page.locator(".sd-tab-set").first.locator(".sd-tab-content").nth(1)
    assert "mindspore" in column.inner_text() and "torch.optim" not in column.inner_text()


def test_copy_button_drops_prompts_and_output(page):
    page.goto("/en/maps/torch.optim.Adamax.html")
    block = page.locator(".sd-tab-content:visible .highlight").first
    block.hover()
    block.locator("..").locator("button.copybtn").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "import numpy as np" in copied and "opt.step()" in copied
    assert ">>>" not in copied and "..." not in copied
    assert "0.130581" not in copied  # expected output is not code


@pytest.mark.parametrize("lang,copy", [("en", "Copy code"), ("zh_CN", "复制代码")])
def test_copy_buttons_have_names_that_say_what_they_copy(page, lang, copy):
    page.goto(f"/{lang}/maps/torch.optim.Adamax.html")
    page.wait_for_load_state("load")
    names = page.locator("article button.copybtn").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert names and f"{copy}: PyTorch" in names and f"{copy}: MindSpore" in names


def _variance(page, png: bytes) -> float:
    """Pixel variance of a PNG, measured in the browser (no imaging library needed)."""
    data = base64.b64encode(png).decode()
    return page.evaluate(
        """async (data) => {
        const img = new Image(); img.src = "data:image/png;base64," + data; await img.decode();
        const c = document.createElement("canvas"); c.width = img.width; c.height = img.height;
        const ctx = c.getContext("2d"); ctx.drawImage(img, 0, 0);
        const px = ctx.getImageData(0, 0, c.width, c.height).data;
        let n = 0, sum = 0, sq = 0;
        for (let i = 0; i < px.length; i += 16) { const v = (px[i] + px[i + 1] + px[i + 2]) / 3; n++; sum += v; sq += v * v; }
        return sq / n - (sum / n) ** 2;
    }""",
        data,
    )


SHOTS = {
    "landing": "index.html",
    "mapping": "maps/torch.optim.Adamax.html",
    "explorer": "index.html?q=Adam",
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", list(SHOTS))
def test_screenshots_are_not_blank(new_page, base_url, built, screenshots, lang, width, name):
    """The landing page, a mapping page and a filtered explorer, at both widths in both languages, kept in
    the build output (site/_build/html/_screenshots) and in site/_build/screenshots for people to look at."""
    page = new_page(base_url, width)
    page.goto(f"/{lang}/{SHOTS[name]}")
    page.wait_for_load_state("networkidle")
    if name == "explorer":
        page.locator(".apimap-explorer").scroll_into_view_if_needed()
    png = page.screenshot(full_page=name != "explorer")
    file = f"{lang}-{width}-{name}.png"
    for folder in (built.html / "_screenshots", screenshots):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / file).write_bytes(png)
    variance = _variance(page, png)
    print(f"screenshot {screenshots / file}: pixel variance {variance:.0f}")
    assert variance > 200, "the page looks blank"
    assert page.console.errors == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "path",
    [
        "index.html",
        "tables/torch.nn.html",
        "maps/torch.nn.Linear.html",
        "general.html",
        "status.html",
    ],
)
def test_module_and_mapping_pages_fit_a_phone(browser, base_url, lang, path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=base_url)
    page = context.new_page()
    page.goto(f"/{lang}/{path}")
    page.wait_for_load_state("networkidle")
    # nothing wider than the screen: the page never scrolls sideways (code blocks scroll inside themselves)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0


@pytest.mark.parametrize("lang", LANGS)
def test_badge_definitions_are_reachable_by_keyboard_and_touch(page, lang):
    page.goto(f"/{lang}/maps/torch.optim.Adamax.html")
    badge = page.locator("article .apimap-cat").first
    definition = badge.get_attribute("data-def")
    assert definition and badge.get_attribute("tabindex") == "0"
    shown = "el => getComputedStyle(el, '::after').content"
    assert badge.evaluate(shown) in ("none", "normal", "")  # hidden until focused
    badge.focus()  # what Tab or a tap does
    assert badge.evaluate(shown) == f'"{definition}"'
    # the parameter table's relation badges say whether the row needs a change
    assert page.locator("article table .apimap-rel-act").count() >= 1
    # the explorer's badges too
    open_explorer(page, lang)
    row_badge = page.locator(".apimap-explorer tbody .apimap-cat").first
    row_badge.focus()
    assert row_badge.evaluate(shown) == f'"{row_badge.get_attribute("data-def")}"'
    assert page.console.errors == []


def test_language_switch_keeps_the_explorer_query_and_the_section(page):
    open_explorer(page, "en", "?q=Adam")
    page.locator(".apimap-languages a", has_text="中文").click()
    page.wait_for_url("**/zh_CN/index.html?q=Adam")
    page.wait_for_selector(".apimap-explorer.apimap-explorer-ready")
    assert sorted(shown_apis(page)) == ["torch.optim.Adam", "torch.optim.Adamax"]
    # the sections of a mapping page carry the same anchors in both languages
    ids = "() => [...document.querySelectorAll('article section[id]')].map(s => s.id)"
    page.goto("/en/maps/torch.optim.Adamax.html")
    en = page.evaluate(ids)
    page.goto("/zh_CN/maps/torch.optim.Adamax.html")
    assert page.evaluate(ids) == en
    anchor = next(i for i in en if i.endswith("-parameters"))
    page.goto(f"/zh_CN/maps/torch.optim.Adamax.html#{anchor}")
    page.locator(".apimap-languages a", has_text="English").click()
    page.wait_for_url(f"**/en/maps/torch.optim.Adamax.html#{anchor}")
    assert page.console.errors == []


def test_wide_screens_show_both_parts_side_by_side_with_the_changed_lines_marked(page):
    page.goto("/en/maps/torch.optim.Adamax.html")  # 1280 px wide
    tabs = page.locator(".sd-tab-set").first
    contents = tabs.locator(".sd-tab-content")
    assert contents.count() == 2 and contents.nth(0).is_visible() and contents.nth(1).is_visible()
    left, right = (contents.nth(i).bounding_box() for i in (0, 1))
    assert (
        right["x"] >= left["x"] + left["width"] - 1 and abs(right["y"] - left["y"]) < 2
    )  # one row
    assert (
        contents.nth(1).locator(".hll").count() >= 1
    )  # lines MindSpore writes differently are marked
    # output lines are muted: not the colour of the code
    output = contents.nth(0).locator(".go").first
    code = contents.nth(0).locator(".n").first
    colour = "el => getComputedStyle(el).color"
    assert output.evaluate(colour) != code.evaluate(colour)


@pytest.mark.parametrize("lang", LANGS)
def test_phones_keep_the_tabs_and_show_tables_as_labelled_cards(browser, base_url, lang):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=base_url)
    page = context.new_page()
    page.goto(f"/{lang}/maps/torch.optim.Adamax.html")
    page.wait_for_load_state("load")
    contents = page.locator(".sd-tab-set").first.locator(".sd-tab-content")
    assert contents.nth(0).is_visible() and not contents.nth(1).is_visible()  # tabs, not columns
    page.locator(".sd-tab-set").first.locator("label", has_text="MindSpore").click()
    assert contents.nth(1).is_visible() and not contents.nth(0).is_visible()
    assert (
        "mindspore" in contents.nth(1).inner_text()
        and "torch.optim" not in contents.nth(1).inner_text()
    )
    cell = page.locator("article table.docutils tbody td").first
    assert cell.evaluate("el => getComputedStyle(el).display") == "block"
    label = cell.evaluate("el => getComputedStyle(el, '::before').content")
    assert label.strip('"') == {"en": "PyTorch", "zh_CN": "PyTorch"}[lang]
    # the title breaks only after a dot
    assert page.locator("article h1 wbr").count() >= 2
    assert page.locator(".back-to-top").evaluate("el => getComputedStyle(el).display") == "none"
    context.close()


def test_chinese_pages_use_a_cjk_font_stack(page):
    page.goto("/zh_CN/maps/torch.optim.Adamax.html")
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "WenQuanYi Micro Hei" in family and "Microsoft YaHei" in family
    page.goto("/en/maps/torch.optim.Adamax.html")
    assert "WenQuanYi" not in page.evaluate("getComputedStyle(document.body).fontFamily")


@pytest.mark.parametrize("lang", LANGS)
def test_status_page_puts_failures_first_with_what_failed_behind_a_fold(page, lang):
    page.goto(f"/{lang}/status.html")
    first = page.locator("article table tbody tr").nth(0)
    assert "torch.nn.Linear" in first.inner_text()  # the fixture's one failing mapping leads
    fold = first.locator("details")
    assert fold.count() == 1 and not fold.evaluate("d => d.open")
    summary = fold.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")  # keyboard opens it, as a click does
    assert fold.evaluate("d => d.open")
    assert "shape[torch]: expected 6, got 7" in fold.inner_text()  # which part failed, and how
    # the passing mappings are counted, with nothing to unfold
    last = page.locator("article table tbody tr").last
    assert last.locator("details").count() == 0 and re.search(r"\d", last.inner_text())


@pytest.mark.parametrize("lang", LANGS)
def test_landing_page_shows_coverage_of_mindspores_tables(page, lang):
    page.goto(f"/{lang}/index.html")
    title = {
        "en": "Coverage of MindSpore\u2019s own mapping tables",  # Sphinx curls the apostrophe
        "zh_CN": "对 MindSpore 官方映射表的覆盖",
    }
    heading = page.get_by_role("heading", name=title[lang])
    assert heading.count() == 1
    table = heading.locator("xpath=..").locator("table").first  # its own section
    rows = table.locator("tbody tr")
    assert rows.count() >= 10
    cells = rows.filter(has_text="torch.nn.functional").first.locator("td").all_inner_texts()
    assert cells[1].strip().isdigit() and int(cells[1]) > 0  # the tables' pairs, counted from conf/
