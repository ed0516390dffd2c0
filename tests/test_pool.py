"""The fork pool: results in order, errors propagate, and a caller that stops early leaves no worker behind."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from apimap import pool


def _square(x: int) -> int:
    return x * x


def _slow(x: int) -> int:
    time.sleep(0.05)
    return x


def _fail(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def test_fork_map_keeps_order():
    assert pool.fork_map(_square, range(50), 2) == [x * x for x in range(50)]


def test_fork_imap_yields_in_order():
    assert list(pool.fork_imap(_square, range(20), 2)) == [x * x for x in range(20)]


def test_worker_error_reaches_the_caller():
    with pytest.raises(ValueError, match="three"):
        pool.fork_map(_fail, range(6), 2)
    assert multiprocessing.active_children() == []


def test_stopping_early_ends_the_workers():
    results = pool.fork_imap(_slow, range(200), 2)
    assert next(results) == 0
    results.close()  # what happens when the consumer raises or returns mid-way
    assert multiprocessing.active_children() == []
