"""An API with several MindSpore counterparts: its plain URL is the recommended one's page, or a chooser."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
LANGS = ("en", "zh_CN")


@pytest.mark.parametrize("lang", LANGS)
def test_the_plain_url_is_the_recommended_counterpart(new_page, counterparts_url, lang):
    page = new_page(counterparts_url)
    page.goto(f"/{lang}/maps/torch.nn.Tanh.html")
    assert page.locator("h1").inner_text().startswith("torch.nn.Tanh → mindspore.mint.nn.Tanh")
    box = page.locator(".apimap-counterparts")
    assert box.locator("strong", has_text={"en": "recommended", "zh_CN": "推荐"}[lang]).count() == 1
    box.locator("a", has_text="mindspore.nn.Tanh").click()  # the plain file's page, moved aside
    page.wait_for_url(f"**/{lang}/maps/torch.nn.Tanh%40nn.html")
    assert page.locator("h1").inner_text().startswith("torch.nn.Tanh → mindspore.nn.Tanh")
    assert page.console.errors == []


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", [1280, 390])
def test_a_tie_gets_a_chooser_that_fits_a_phone(new_page, counterparts_url, lang, width):
    page = new_page(counterparts_url, width)
    page.goto(f"/{lang}/maps/torch.nn.GELU.html")
    title = {"en": "which MindSpore API?", "zh_CN": "对应哪个 MindSpore 接口？"}[lang]
    assert page.locator("h1").inner_text().startswith(f"torch.nn.GELU → {title}")
    links = page.locator(".apimap-chooser a")
    assert links.all_inner_texts() == ["mindspore.nn.GELU", "mindspore.mint.nn.GELU"]
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    links.nth(1).click()
    page.wait_for_url(f"**/{lang}/maps/torch.nn.GELU%40mint.html")
    assert page.console.errors == []
