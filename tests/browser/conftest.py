"""A small site built from tests/fixtures/site, served on 127.0.0.1, and Debian's chromium driven by Playwright.

Every test here is marked ``browser``. Without /usr/bin/chromium or playwright they fail, naming what is missing:
scripts/test installs chromium, and ``-m "not browser"`` (scripts/test --no-browser) leaves them out explicitly.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from apimap.project import Project

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "site"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
EDIT_URL = "https://example.org/apimap/edit/main/{path}"
REQUEST_URL = "https://example.org/apimap/issues/new?title=Mapping%20for%20{api}"
SCREENSHOTS = REPO / "site" / "_build" / "screenshots"  # kept after the run, for people to look at


def make_project(root: Path, *extra: Path) -> Project:
    """A project folder: the repo's conf (with an edit URL), templates and site assets, the fixture mappings
    (and those of ``extra`` mappings folders)."""
    shutil.copytree(REPO / "conf", root / "conf")
    site_yaml = (root / "conf" / "site.yaml").read_text(encoding="utf-8")
    (root / "conf" / "site.yaml").write_text(
        site_yaml.replace('edit_url: ""', f'edit_url: "{EDIT_URL}"').replace(
            'request_url: ""', f'request_url: "{REQUEST_URL}"'
        ),
        encoding="utf-8",
    )
    (root / "templates").symlink_to(REPO / "templates")
    for name in ("_static", "_templates"):
        (root / "site").mkdir(exist_ok=True)
        (root / "site" / name).symlink_to(REPO / "site" / name)
    shutil.copytree(FIXTURE / "mappings", root / "mappings")
    for folder in extra:
        shutil.copytree(folder, root / "mappings", dirs_exist_ok=True)
    (root / "site" / "_build").mkdir(parents=True)
    shutil.copy(FIXTURE / "doctest-results.json", root / "site" / "_build" / "doctest-results.json")
    shutil.copytree(
        FIXTURE / "matrix", root / "site" / "_build" / "matrix"
    )  # the version matrix: 2.9.0
    return Project(root)


def build(project: Project) -> Project:
    run = subprocess.run(
        [sys.executable, "-m", "apimap", "--project", str(project.root), "build"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return project


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Project:
    return build(make_project(tmp_path_factory.mktemp("browser-site")))


@pytest.fixture(scope="session")
def counterparts_url(tmp_path_factory) -> str:
    """The fixture site plus tests/fixtures/site_counterparts (APIs with two counterparts each), served."""
    extra = REPO / "tests" / "fixtures" / "site_counterparts" / "mappings"
    project = build(make_project(tmp_path_factory.mktemp("counterparts-site"), extra))
    with serving(project.html) as url:
        yield url


@pytest.fixture
def new_page(browser):
    """new_page(base_url, width): a page of its own context, with its console errors collected."""
    contexts = []

    def make(base_url: str, width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=base_url)
        contexts.append(context)
        page = context.new_page()
        page.console = Console(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def edit_url() -> str:
    return EDIT_URL


@pytest.fixture(scope="session")
def screenshots() -> Path:
    return SCREENSHOTS


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        """A missing path gets the site's 404.html with status 404, as GitHub Pages serves it."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    # a browser leaving a page mid-download is not an error
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serving(html: Path):
    """The built site on 127.0.0.1, as its base URL."""
    handler = functools.partial(_Quiet, directory=str(html))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def base_url(built) -> str:
    with serving(built.html) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is absent: apt-get install chromium fonts-wqy-microhei (scripts/test does), "
            "or deselect with -m 'not browser'",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright  # in lock/test.txt

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Console:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    page.console = Console(page)
    yield page
    context.close()
