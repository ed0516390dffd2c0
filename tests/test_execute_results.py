"""The results file and the pages: badges and the "Verification status" page, with and without results."""

from __future__ import annotations

import json
from pathlib import Path

from apimap.catalog import Catalog
from apimap.execute.record import write_results
from apimap.render import pages_for
from apimap.results import read_doctest_results
from apimap.validate import load_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "execute"


def _pages(project, config, results):
    root = FIXTURES / "plain" / "mappings"
    catalog = Catalog.of(
        config, [load_file(root / "torch" / "abs.yaml", root, config.vocab)], doctest=results
    )
    return dict(pages_for(catalog, project.templates, "en")), dict(
        pages_for(catalog, project.templates, "zh_CN")
    )


def test_status_page_without_results_says_not_run(project, config, tmp_path):
    en, zh = _pages(project, config, read_doctest_results(tmp_path / "missing.json"))
    assert "The examples were not run for this build of the site." in en["status.md"]
    # one row per mapping
    assert en["status.md"].count("{apimap-badge}`status:not_run`") == 1
    assert "本次构建网站时未运行示例代码。" in zh["status.md"]
    assert "{apimap-badge}`status:not_run`" in en["maps/torch.abs.md"]


def test_status_page_has_a_row_per_mapping_naming_what_failed(project, config, tmp_path):
    path = tmp_path / "doctest-results.json"
    items = [
        {
            "file": "torch/abs.yaml",
            "example": "passes",
            "part": "torch",
            "status": "passed",
            "duration": 0.25,
            "message": "",
        },
        {
            "file": "torch/abs.yaml",
            "example": "passes",
            "part": "mindspore",
            "status": "passed",
            "duration": 0.5,
            "message": "",
        },
        {
            "file": "torch/abs.yaml",
            "example": "wrong-output",
            "part": "torch",
            "status": "failed",
            "duration": 0.01,
            "message": "mappings/torch/abs.yaml:33: example 'wrong-output' [torch]: output differs\n    >>> a * 3",
        },
    ]
    write_results(path, items, {"python": "3.11.7", "torch": "2.13.0", "mindspore": "2.10.0"})
    results = read_doctest_results(path)
    assert results.counts() == {"passed": 2, "failed": 1}
    en, zh = _pages(project, config, results)
    page = en["status.md"]
    assert (
        "2 of 3 example parts passed" in page
        and "PyTorch 2.13.0, MindSpore 2.10.0, Python 3.11.7" in page
    )
    # the mapping's worst status, its parts counted, and what failed behind a fold (with its headline)
    assert (
        "| `mindspore.ops.abs` | {apimap-badge}`status:failed` | — | failed 1 · verified 2 "
        "<details><summary>What failed</summary>wrong-output[torch]: "
        "mappings/torch/abs.yaml:33: example &#39;wrong-output&#39; [torch]: output differs</details> |"
        in page
    )
    assert "`passes`" not in page
    assert "共 3 个示例片段，2 个通过" in zh["status.md"]
    mapping_page = en["maps/torch.abs.md"]
    assert (
        "{apimap-badge}`status:passed`" in mapping_page
        and "PyTorch 2.13.0, MindSpore 2.10.0" in mapping_page
    )
    assert "{apimap-badge}`status:failed`" in mapping_page


def test_partial_run_merges_with_previous_results(tmp_path):
    path = tmp_path / "r.json"
    a = {
        "file": "a.yaml",
        "example": "x",
        "part": "torch",
        "status": "passed",
        "duration": 0.1,
        "message": "",
    }
    b = {
        "file": "b.yaml",
        "example": "y",
        "part": "torch",
        "status": "failed",
        "duration": 0.1,
        "message": "boom",
    }
    write_results(path, [a, b], {})
    write_results(path, [{**b, "status": "passed", "message": ""}], {}, merge=True)
    items = json.loads(path.read_text())["items"]
    assert [(i["file"], i["status"]) for i in items] == [("a.yaml", "passed"), ("b.yaml", "passed")]
