"""The output checker: doctest semantics plus declared numeric tolerance (no frameworks needed)."""

from __future__ import annotations

import doctest

import pytest

from apimap.execute.checker import (
    ATOL,
    NUMBER,
    RTOL,
    SKIP_OUTPUT,
    Checker,
    numbers_match,
    option_flags,
)

check = Checker().check_output


@pytest.mark.parametrize(
    "want, got",
    [
        ("[1. 2.]\n", "[1.0 2.0]\n"),  # float spelling
        ("tensor([0.1306, -0.1327])\n", "tensor([ 0.1306, -0.1327])\n"),  # width padding after [
        (
            "Tensor(shape=[2], dtype=Float32, value=[1., 2.])\n",
            "Tensor(shape=[2], dtype=Float32, value= [ 1.00000000e+00,  2.00000000e+00])\n",
        ),  # MindSpore repr
        ("0.3\n", "0.30000000000000004\n"),
        ("[ 0.130581 -0.132701]\n", "[ 0.13058101 -0.13270099]\n"),  # within RTOL
        ("nan\n", "nan\n"),
        (
            "tensor([1., 2.],\n       dtype=torch.float64)\n",
            "tensor([1., 2.], dtype=torch.float64)\n",
        ),  # line wrapping
    ],
)
def test_accepts_formatting_and_small_differences(want, got):
    assert check(want, got, 0)


@pytest.mark.parametrize(
    "want, got",
    [
        ("[1. 2.]\n", "[1. 2.1]\n"),  # a real difference
        (
            "dtype=torch.float32\n",
            "dtype=torch.float64\n",
        ),  # digits inside words are text, not numbers
        (
            "Tensor(shape=[2], dtype=Float32, value=[1., 2.])\n",
            "Tensor(shape=[2], dtype=Float64, value=[1., 2.])\n",
        ),
        ("3\n", "3.001\n"),  # an integer on one side, not close enough
        ("10\n", "11\n"),  # integers are exact
        ("[1, 2]\n", "[1, 2, 3]\n"),  # number count differs
        ("nan\n", "0.0\n"),
    ],
)
def test_rejects_real_differences(want, got):
    assert not check(want, got, 0)


def test_tolerance_is_declared_and_applied():
    assert (RTOL, ATOL) == (1e-5, 1e-8)
    assert numbers_match("100.0", str(100.0 * (1 + 0.9 * RTOL)))
    assert not numbers_match("100.0", str(100.0 * (1 + 2 * RTOL)))


def test_number_option_uses_written_precision():
    assert check("3.14\n", "3.14159\n", NUMBER)
    assert not check("3.14\n", "3.15159\n", NUMBER)
    assert not check("3.14\n", "3.14159\n", 0)
    assert check("[0.99, -2.0]\n", "[0.98857, -2.0033]\n", NUMBER)


def test_model_options_map_to_flags():
    flags = option_flags(
        ["ELLIPSIS", "NUMBER", "SKIP_OUTPUT", "NORMALIZE_WHITESPACE", "IGNORE_EXCEPTION_DETAIL"]
    )
    assert flags & doctest.ELLIPSIS and flags & NUMBER and flags & SKIP_OUTPUT
    assert check("[0, 1, ..., 19]\n", repr(list(range(20))) + "\n", flags)
    assert check("anything\n", "something else\n", SKIP_OUTPUT)
    assert not check("anything\n", "something else\n", flags & ~SKIP_OUTPUT)


def test_ellipsis_with_numbers():
    assert check("tensor([1.0000, ...])\n", "tensor([1., 2., 3.])\n", doctest.ELLIPSIS)
    assert check("loss 0.5 after 3 steps...\n", "loss 0.5000001 after 3 steps!\n", doctest.ELLIPSIS)
