"""An interrupt that lands while a child process is starting must not leave that child running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import SimpleNamespace

import pytest

from apimap import sitebuild
from apimap.interrupts import interrupts_held


@pytest.fixture
def sigterm_raises():
    def _raise(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _raise)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_signal_is_held_then_delivered(sigterm_raises):
    reached_end_of_block = False
    with pytest.raises(KeyboardInterrupt):
        with interrupts_held():
            os.kill(os.getpid(), signal.SIGTERM)
            reached_end_of_block = True
    assert reached_end_of_block
    assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # the handler is back


def test_no_signal_no_effect(sigterm_raises):
    before = signal.getsignal(signal.SIGTERM)
    with interrupts_held():
        pass
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.fixture
def signal_inside_popen(monkeypatch) -> list[subprocess.Popen]:
    """Make sitebuild's Popen send SIGTERM to this process after the child exists but before Popen returns (the
    worst moment: the caller never gets the object). Returns the children started."""
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def popen_then_signal(*args, **kwargs):
        proc = real_popen(*args, **kwargs)
        started.append(proc)
        os.kill(os.getpid(), signal.SIGTERM)
        return proc

    monkeypatch.setattr(sitebuild.subprocess, "Popen", popen_then_signal)
    return started


@pytest.fixture
def bare_project(tmp_path) -> SimpleNamespace:
    return SimpleNamespace(
        root=tmp_path,
        conf=tmp_path / "conf",
        build=tmp_path / "_build",
        src=tmp_path / "_build/src",
        html=tmp_path / "_build/html",
    )


def test_interrupt_during_popen_leaves_no_child(
    sigterm_raises, signal_inside_popen, bare_project, monkeypatch
):
    """SIGTERM arrives after the fork but before Popen returns: build_html must still stop that child."""
    monkeypatch.setattr(
        sitebuild,
        "sphinx_command",
        lambda project, lang, jobs="1", out=None: [
            sys.executable,
            "-c",
            "import time; time.sleep(60)",
        ],
    )
    with pytest.raises(KeyboardInterrupt):
        sitebuild.build_html(bare_project, {"en": "English", "zh_CN": "中文"})
    assert signal_inside_popen, "no child was started"
    for proc in signal_inside_popen:
        assert proc.poll() is not None, f"child {proc.pid} is still running"


def test_interrupt_while_early_sphinx_starts_leaves_no_child(
    sigterm_raises, signal_inside_popen, bare_project
):
    """The same moment for the workers started before validation: the object is never returned to a ``with``."""
    with pytest.raises(KeyboardInterrupt):
        sitebuild.EarlySphinx(bare_project, {"en": "English", "zh_CN": "中文"})
    assert len(signal_inside_popen) == 2
    for proc in signal_inside_popen:
        assert proc.poll() is not None, f"worker {proc.pid} is still running"
