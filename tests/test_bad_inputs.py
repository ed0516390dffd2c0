"""Every malformed input is rejected with its exact one-line error, quickly, in bounded memory, without a traceback."""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from apimap.problems import ProblemsError
from apimap.validate import load_file, mappings_root

BAD = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p for p in BAD.rglob("*.yaml"))
# Widget.yaml and Widget@copy.yaml are each valid alone; together they are a duplicate pair (the CLI test covers it)
SINGLE = [p for p in CASES if p.name not in ("Widget.yaml", "Widget@copy.yaml")]
EXPECTED = (BAD / "expected.txt").read_text(encoding="utf-8").splitlines()


def test_corpus_is_large_enough():
    assert len(CASES) >= 60


def test_cli_output_is_exactly_the_expected_lines():
    run = subprocess.run(
        [sys.executable, "-m", "apimap", "validate", "cases", "mappings"],
        cwd=BAD,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if not line.startswith("apimap validate:")]
    assert lines == EXPECTED


@pytest.mark.parametrize("path", SINGLE, ids=lambda p: p.relative_to(BAD).as_posix())
def test_each_case_fails_fast_in_bounded_memory(path, vocab):
    rel = path.relative_to(BAD).as_posix()
    mine = [line for line in EXPECTED if line.startswith(rel + ":")]
    tracemalloc.start()
    start = time.perf_counter()
    try:
        load_file(path, mappings_root(path), vocab, display=rel)
        problems = []
    except ProblemsError as exc:
        problems = [str(p) for p in exc.problems]
    took = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert problems and all(p in mine for p in problems), problems
    assert took < 1.0, f"{rel} took {took:.2f} s"
    assert peak < 50 * 2**20, f"{rel} peaked at {peak / 2**20:.1f} MiB"


def test_a_20_mb_file_is_refused_before_parsing(tmp_path, vocab):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: '" + b"x" * (20 * 2**20) + b"'\n")
    start = time.perf_counter()
    with pytest.raises(ProblemsError) as info:
        load_file(big, None, vocab, display="big.yaml")
    assert time.perf_counter() - start < 1.0
    assert [str(p) for p in info.value.problems] == [
        "big.yaml:1: file is 20,971,526 bytes; the limit is 1,000,000"
    ]
