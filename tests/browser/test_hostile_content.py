"""Hostile text in every prose field of a mapping is shown as text: no script runs in a reader's browser."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "fixtures" / "hostile" / "mappings"
# a file name whose tag would inject an attribute; validation refuses it (a file:line error), so the fixture
# builds with that one rule switched off, to show that escaping holds on its own
HOSTILE_TAG = '"onmouseover=window.__pwned=20 x="'
PAGES = [
    "en/maps/torch.hostile.Payload.html",
    "zh_CN/maps/torch.hostile.Payload.html",
    f"en/maps/torch.hostile.Payload@{HOSTILE_TAG}.html",
    f"zh_CN/maps/torch.hostile.Payload@{HOSTILE_TAG}.html",
    "en/index.html",
    "zh_CN/tables/torch.hostile.html",
    "en/status.html",
]
BUILD_WITHOUT_THE_TAG_RULE = """
import re, sys
import apimap.validate
from apimap.cli import main
apimap.validate._TAG = re.compile(".*")
sys.exit(main(sys.argv[1:]))
"""

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    for name in ("conf", "templates"):
        (root / name).symlink_to(REPO / name)
    shutil.copytree(HOSTILE, root / "mappings")
    payload = root / "mappings" / "torch" / "hostile" / "Payload.yaml"
    text = payload.read_text(encoding="utf-8").replace(
        "api: mindspore.hostile.payload", "api: mindspore.hostile.other"
    )
    payload.with_name(f"Payload@{HOSTILE_TAG}.yaml").write_text(text, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", BUILD_WITHOUT_THE_TAG_RULE, "--project", str(root), "build"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(root / "site/_build/html")
    )
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root / "site/_build/html"
    server.shutdown()
    server.server_close()


class _Elements(HTMLParser):
    """Collects (tag, attrs) of every element and the text inside <script> elements."""

    def __init__(self):
        super().__init__()
        self.elements, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def test_built_html_has_no_injected_markup(hostile_site):
    _, html = hostile_site
    for rel in PAGES:
        parsed = _Elements()
        parsed.feed((html / rel).read_text(encoding="utf-8"))
        assert not [s for s in parsed.scripts if "__pwned" in s], rel
        # no event handlers
        assert not [(t, a) for t, a in parsed.elements if any(k.startswith("on") for k in a)], rel
        # (the theme itself uses svg and style)
        assert not [t for t, _ in parsed.elements if t == "iframe"], rel


@pytest.mark.parametrize("rel", PAGES)
def test_no_script_runs(browser, hostile_site, rel):
    base, _ = hostile_site
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/{rel}")
    page.wait_for_load_state("load")
    page.mouse.move(400, 400)  # give hover handlers their chance
    # every element, the language links among them, is moused over
    page.evaluate(
        "document.querySelectorAll('*').forEach(e => e.dispatchEvent("
        "new MouseEvent('mouseover', {bubbles: true})))"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    # an injected <style> did not hide the page
    assert page.evaluate("document.body.offsetHeight") > 100
    if "maps/" in rel:
        assert "window.__pwned" in page.inner_text("article")  # the payload is visible, as text
    page.close()
