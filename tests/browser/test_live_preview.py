"""`apimap serve --watch`: editing a mapping's YAML rebuilds the site and the open page reloads by itself."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "site" / "mappings"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"apimap serve exited with {proc.returncode}: {log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def test_editing_yaml_reloads_the_open_page(browser, tmp_path):
    for name in ("conf", "templates"):
        (tmp_path / name).symlink_to(REPO / name)
    shutil.copytree(FIXTURE, tmp_path / "mappings")
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "apimap",
            "--project",
            str(tmp_path),
            "serve",
            "--watch",
            "--port",
            str(port),
        ],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/__apimap__/version", proc, tmp_path / "serve.log", 300)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/en/maps/torch.nn.ReLU.html")
        assert "The same activation" in page.locator("article").inner_text()
        yaml_file = tmp_path / "mappings" / "torch" / "nn" / "ReLU.yaml"
        yaml_file.write_text(
            yaml_file.read_text(encoding="utf-8").replace(
                "The same activation", "Exactly the same activation"
            ),
            encoding="utf-8",
        )
        page.wait_for_function(
            "document.querySelector('article').innerText.includes('Exactly the same activation')",
            timeout=300_000,
        )  # rebuild (render + Sphinx for both languages), then reload
        page.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
