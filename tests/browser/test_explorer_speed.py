"""The explorer stays instant on a big table: 5,000 synthetic mappings, each keystroke filtered in < 50 ms."""

from __future__ import annotations

import json
import random
import statistics

import pytest

from apimap.catalog import Catalog
from apimap.config import load_config
from apimap.render import explorer_data

pytestmark = pytest.mark.browser
ROWS = 5000
BUDGET_MS = 50.0

MEASURE = """([text, passes]) => {
    const input = document.querySelector('.apimap-explorer input[data-filter="q"]');
    const values = [];
    for (let i = 1; i <= text.length; i++) values.push(text.slice(0, i));    // typing
    for (let i = text.length - 1; i >= 0; i--) values.push(text.slice(0, i)); // deleting back to everything
    const runs = [];
    for (let p = 0; p < passes; p++) {
        runs.push(values.map((value) => {
            input.value = value;
            const t0 = performance.now();
            input.dispatchEvent(new Event("input", {bubbles: true}));
            void document.body.offsetHeight;  // include style recalculation and layout of the new rows
            return performance.now() - t0;
        }));
    }
    return {runs, shown: Number(document.querySelector(".apimap-explorer").dataset.shown)};
}"""


def synthetic(project_conf, templates) -> dict:
    """Explorer data in the renderer's own format (categories and statuses from conf/), with ROWS rows."""
    data = explorer_data(Catalog.of(load_config(project_conf), []))
    rng = random.Random(7)
    cats = [c["id"] for c in data["categories"]]
    stats = [s["id"] for s in data["statuses"]]
    words = [
        "Adam",
        "Conv",
        "Linear",
        "Loss",
        "Norm",
        "Pool",
        "Embedding",
        "Dropout",
        "LSTM",
        "Softmax",
    ]
    modules = [
        f"torch.{a}.{b}"
        for a in ("nn", "optim", "linalg", "fft", "special")
        for b in ("core", "ops", "extra", "util")
    ]
    for i in range(ROWS):
        name = f"{rng.choice(words)}{i}"
        module = modules[i % len(modules)]
        data["rows"].append(
            {
                "t": f"{module}.{name}",
                "m": "" if i % 17 == 0 else f"mindspore.{module[6:]}.{name}",
                "c": rng.choice(cats),
                "s": rng.choice(stats),
                "p": f"{module}.{name}",
            }
        )
    return data


def open_big_explorer(page, built):
    data = synthetic(built.conf, built.templates)
    body = "window.apimapExplorerData = " + json.dumps(data, separators=(",", ":")) + ";"
    page.route(
        "**/_static/apimap-explorer-data.js*",
        lambda route: route.fulfill(body=body, content_type="text/javascript"),
    )
    page.goto("/en/index.html")
    page.wait_for_selector(".apimap-explorer.apimap-explorer-ready")


def test_big_results_come_a_page_at_a_time(page, built):
    open_big_explorer(page, built)
    box = page.locator(".apimap-explorer")
    assert (
        box.get_attribute("data-shown") == "40"
        and "the first 40 are shown" in page.locator(".apimap-explorer-count").inner_text()
    )
    page.locator(".apimap-explorer-scroll").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    # scrolling loads more
    page.wait_for_function("document.querySelector('.apimap-explorer').dataset.shown === '80'")
    page.locator(".apimap-explorer-more").click()
    assert box.get_attribute("data-shown") == "120"
    apis = page.locator(".apimap-explorer tbody tr td:first-child").all_inner_texts()
    assert len(apis) == len(set(apis)) == 120 and apis == sorted(apis, key=str.lower)


def test_filtering_5000_rows_takes_under_50_ms_a_keystroke(page, built):
    open_big_explorer(page, built)
    assert page.locator(".apimap-explorer").get_attribute("data-matched") == str(ROWS)
    result = page.evaluate(MEASURE, ["torch.nn.core.adam1", 5])
    cold, runs = result["runs"][0], result["runs"]
    # Per keystroke, the fastest of 5 passes: what the code costs, without the time other processes on a
    # shared CI machine take from the browser. The first (cold) pass is reported too.
    best = [min(times) for times in zip(*runs, strict=False)]
    worst = max(best)
    print(
        f"\nexplorer filter over {ROWS} rows, per keystroke ({len(best)} keystrokes, headless chromium): "
        f"median {statistics.median(best):.1f} ms, worst {worst:.1f} ms; "
        f"first pass median {statistics.median(cold):.1f} ms, worst {max(cold):.1f} ms"
    )
    assert result["shown"] == 40  # back to everything: the first page of rows
    assert worst < BUDGET_MS, f"a keystroke took {worst:.1f} ms (budget {BUDGET_MS} ms): {best}"
    assert page.console.errors == []
