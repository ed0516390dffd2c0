"""The cross-framework comparator, on numpy arrays encoded as the executor sends them (no frameworks needed)."""

from __future__ import annotations

import numpy as np
import pytest

from apimap.execute.compare import CompareError, compare
from apimap.execute.runpart import encode_value


def enc(**values):
    return {k: encode_value(v) for k, v in values.items()}


def test_close_values_pass_and_report_differences():
    ok, msg = compare(
        ["w"],
        enc(w=np.array([1.0, 2.0], np.float32)),
        enc(w=np.array([1.0, 2.0000001], np.float32)),
        1e-6,
        1e-7,
    )
    assert ok and "w: close" in msg and "max abs diff" in msg


def test_values_beyond_tolerance_fail_with_max_diffs():
    ok, msg = compare(
        ["out"], enc(out=np.array([1.0, 2.0, 3.0])), enc(out=np.array([1.0, 2.0, 3.5])), 1e-5, 1e-8
    )
    assert not ok
    assert "out: not close: max abs diff 0.5, max rel diff 0.167" in msg


def test_expect_differ_both_ways():
    same, other = enc(v=np.arange(3.0)), enc(v=np.arange(3.0) + 1)
    assert compare(["v"], same, other, 1e-5, 1e-8, "differ")[0]
    ok, msg = compare(["v"], same, enc(v=np.arange(3.0)), 1e-5, 1e-8, "differ")
    assert not ok and msg.startswith("expected the results to differ")


def test_shape_then_dtype_policy():
    ok, msg = compare(["x"], enc(x=np.zeros((2, 3))), enc(x=np.zeros((3, 2))), 1e-5, 1e-8)
    assert not ok and "shape differs: torch (2, 3), mindspore (3, 2)" in msg
    ok, msg = compare(
        ["x"], enc(x=np.zeros(3, np.float32)), enc(x=np.zeros(3, np.int32)), 1e-5, 1e-8, "differ"
    )
    assert ok and "dtype kind differs" in msg  # a float result against an int one is a difference
    ok, msg = compare(
        ["x"], enc(x=np.zeros(3, np.float32)), enc(x=np.zeros(3, np.int32)), 1e-5, 1e-8
    )
    assert not ok and "dtype kind differs" in msg  # and never close
    ok, msg = compare(
        ["x"], enc(x=np.ones(3, np.float32)), enc(x=np.ones(3, np.float64)), 1e-5, 1e-8
    )
    assert ok and "float32 vs float64" in msg  # widths may differ


def test_sequences_compare_count_then_items():
    ok, msg = compare(
        ["pair"],
        enc(pair=(np.zeros(2), np.ones(2))),
        enc(pair=(np.zeros(2), np.ones(2))),
        1e-5,
        1e-8,
    )
    assert ok and "pair[1]: close" in msg
    ok, msg = compare(
        ["pair"], enc(pair=(np.zeros(2), np.ones(2))), enc(pair=(np.zeros(2),)), 1e-5, 1e-8
    )
    assert not ok and "count differs: torch has 2 item(s), mindspore 1" in msg


def test_missing_or_unconvertible_variable_is_an_error():
    with pytest.raises(CompareError, match="'w' is not defined after the mindspore part"):
        compare(["w"], enc(w=np.zeros(1)), {}, 1e-5, 1e-8)
    with pytest.raises(CompareError, match="variable 'w'"):
        compare(["w"], enc(w=np.zeros(1)), enc(w=object()), 1e-5, 1e-8)
