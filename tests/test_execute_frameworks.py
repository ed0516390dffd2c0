"""Examples against the real torch and MindSpore: reprs, a wrong API name, comparisons both ways."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "execute"
_MISSING = [name for name in ("torch", "mindspore") if importlib.util.find_spec(name) is None]

pytestmark = [
    pytest.mark.frameworks,
    pytest.mark.skipif(
        bool(_MISSING),
        reason=f"needs {' and '.join(_MISSING)} installed (pip install -e .[frameworks])",
    ),
]


def test_real_frameworks(pytester):
    shutil.copytree(FIXTURES / "frameworks" / "mappings", pytester.path / "mappings")
    out = pytester.path / "results.json"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--apimap-results", str(out), "mappings"
    )
    text = result.stdout.str()
    y = "mappings/torch/optim/Adamax.yaml"
    assert (
        f"{y}:83: example 'wrong-api' [torch]: raised AttributeError: module 'torch.optim' has no attribute 'AdaMax'. "
        "Did you mean: 'Adamax'?" in text
    )
    assert (
        f"{y}:96: example 'claim-close-false' [compare]: the page claims same results for out "
        "(torch.optim.Adamax vs mindspore.nn.AdaMax):\n    out: not close: max abs diff 0.5, max rel diff 0.167"
        in text
    )
    assert (
        "expected the results to differ, but they are close:\n    out: close: max abs diff 0"
        in text
    )
    assert "pair[0]: shape differs: torch (2, 3), mindspore (3, 2)" in text
    data = json.loads(out.read_text())
    status = {(i["example"], i["part"]): i["status"] for i in data["items"]}
    assert status == {
        ("three-steps", "torch"): "passed",
        ("three-steps", "mindspore"): "passed",
        ("three-steps", "compare"): "passed",
        ("wrong-api", "torch"): "failed",
        ("wrong-api", "mindspore"): "passed",
        ("claim-close-false", "torch"): "passed",
        ("claim-close-false", "mindspore"): "passed",
        ("claim-close-false", "compare"): "failed",
        ("claim-differ-true", "torch"): "passed",
        ("claim-differ-true", "mindspore"): "passed",
        ("claim-differ-true", "compare"): "passed",
        ("claim-differ-false", "torch"): "passed",
        ("claim-differ-false", "mindspore"): "passed",
        ("claim-differ-false", "compare"): "failed",
        ("shape-mismatch", "torch"): "passed",
        ("shape-mismatch", "mindspore"): "passed",
        ("shape-mismatch", "compare"): "failed",
        ("seeded", "torch"): "passed",
    }
    assert data["versions"]["torch"].startswith("2.") and data["versions"]["mindspore"].startswith(
        "2."
    )


def test_jit_functions_see_the_example_globals(pytester):
    """MindSpore's @jit looks names up in sys.modules[fn.__module__]: each part runs in a real __main__ module."""
    shutil.copytree(FIXTURES / "jit" / "mappings", pytester.path / "mappings")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--apimap-results", str(pytester.path / "r.json"), "mappings"
    )
    result.assert_outcomes(passed=1)


def test_mindspore_errors_surface_at_the_statement_that_caused_them(pytester):
    """MindSpore launches ops asynchronously by default: a failed op's error could be raised again at a later
    statement (about half the time in a tight loop). The executor runs MindSpore with launch_blocking()."""
    shutil.copytree(FIXTURES / "late_errors" / "mappings", pytester.path / "mappings")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--apimap-results", str(pytester.path / "r.json"), "mappings"
    )
    result.assert_outcomes(passed=1)
