"""`apimap import` end to end on fixture pages written in MindSpore's pytorch_diff format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from apimap.cli import main
from apimap.importer.roundtrip import compare, render_page
from apimap.validate import load_file

REPO = Path(__file__).resolve().parent.parent
GOOD = REPO / "tests" / "fixtures" / "import" / "good"
BAD = REPO / "tests" / "fixtures" / "import" / "bad"


def run(*argv) -> int:
    return main(["--project", str(REPO), "import", *map(str, argv)])


def test_directory_import_writes_valid_yaml_and_a_report(tmp_path, vocab, capsys):
    out, report = tmp_path / "mappings", tmp_path / "report.json"
    assert run("--en", GOOD / "en", "--zh", GOOD / "zh", "--out", out, "--report", report) == 0
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml"))
    assert files == ["torch/nn/ReLU6.yaml", "torch/optim/Adamax.yaml"]
    relu = load_file(out / "torch/nn/ReLU6.yaml", out, vocab).mapping
    assert relu.category == "torch_more_params"
    assert [(r.group, r.torch, r.mindspore, r.relation) for r in relu.params] == [
        ("parameters", "inplace", None, "torch_only"),
        ("inputs", "input", "x", "renamed"),
    ]
    assert relu.examples[1].mindspore.splitlines()[-2:] == [
        ">>> print(ms.nn.ReLU6()(x).shape)  # Out:",
        "(2, 3)",
    ]
    assert relu.summary.zh.startswith("两者都把每个元素截断到区间")
    adamax = load_file(out / "torch/optim/Adamax.yaml", out, vocab).mapping
    assert adamax.category == "behaviour_differs" and "different algorithms" in adamax.needs_review
    assert adamax.params[2].mindspore == ["beta1", "beta2"] and adamax.params[2].relation == "split"
    assert adamax.torch.version == "1.8.0" and adamax.mindspore.version == "2.3.1"
    text = (out / "torch/nn/ReLU6.yaml").read_text(encoding="utf-8")
    assert "  en: |\n    Both layers clip" in text  # multi-line text as block scalars
    assert (
        text.index("torch:")
        < text.index("mindspore:")
        < text.index("category:")
        < text.index("examples:")
    )
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {p["page"]: p["status"] for p in data["pages"]} == {
        "AdaMax.md": "warnings",
        "ReLU6.md": "imported",
    }
    assert (
        "2 page pair(s): 1 imported, 1 imported with warnings, 0 failed" in capsys.readouterr().err
    )


def test_single_pair_form(tmp_path):
    assert run(GOOD / "en" / "ReLU6.md", GOOD / "zh" / "ReLU6.md", "--out", tmp_path) == 0
    assert (tmp_path / "torch/nn/ReLU6.yaml").is_file()


def test_bad_pages_fail_one_by_one_and_the_rest_import(tmp_path, capsys):
    report = tmp_path / "r.json"
    assert (
        run("--en", BAD / "en", "--zh", BAD / "zh", "--out", tmp_path / "m", "--report", report)
        == 1
    )
    err = capsys.readouterr().err
    assert (tmp_path / "m/torch/abs.yaml").is_file()  # Fine.md
    for where in (
        "en/Other.md:1: not a pytorch_diff page",
        "en/Truncated.md:23: parameter table has no delimiter row",
        "en/Ragged.md:26: parameter table row has 4 cells",
        "zh/Unclosed.md:30: code fence opened here",
        "zh/Mismatch.md:3: en and zh pages describe different APIs",
    ):
        assert where in err, where
    pages = {p["page"]: p for p in json.loads(report.read_text(encoding="utf-8"))["pages"]}
    assert pages["Fine.md"]["status"] != "failed"
    assert sorted(n for n, p in pages.items() if p["status"] == "failed") == [
        "Mismatch.md",
        "Other.md",
        "Ragged.md",
        "Truncated.md",
        "Unclosed.md",
    ]
    assert all(p["errors"] for p in pages.values() if p["status"] == "failed")
    assert not (tmp_path / "m/torch/neg.yaml").exists()  # nothing written for a failed page


def test_unplaced_text_is_kept_with_a_warning(tmp_path, vocab, capsys):
    en, zh = tmp_path / "en", tmp_path / "zh"
    shutil.copytree(GOOD / "en", en)
    shutil.copytree(GOOD / "zh", zh)
    page = en / "ReLU6.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "## mindspore.nn.ReLU6", "A stray remark.\n\n## mindspore.nn.ReLU6"
        ),
        encoding="utf-8",
    )
    assert run("--en", en, "--zh", zh, "--out", tmp_path / "m") == 0
    mapping = load_file(tmp_path / "m/torch/nn/ReLU6.yaml", tmp_path / "m", vocab).mapping
    assert mapping.imported_unplaced == ["[en page, line 13] A stray remark."]
    assert f"{page}:13: warning: not placed, kept in imported_unplaced" in capsys.readouterr().err


def test_roundtrip_command_on_fixtures(capsys):
    assert run("--roundtrip", "--en", GOOD / "en", "--zh", GOOD / "zh") == 0
    assert "2 of 2 page pair(s) round-trip (100.0%)" in capsys.readouterr().err


def test_roundtrip_comparison_sees_changed_content(tmp_path, vocab, project):
    assert run(GOOD / "en" / "ReLU6.md", GOOD / "zh" / "ReLU6.md", "--out", tmp_path) == 0
    mapping = load_file(tmp_path / "torch/nn/ReLU6.yaml", tmp_path, vocab).mapping
    original = (GOOD / "en" / "ReLU6.md").read_text(encoding="utf-8")
    rendered = render_page(mapping, "en", project.templates)
    assert compare(original, rendered, "en", "p.md") == []
    # code output
    assert compare(original, rendered.replace("[0. 3. 6.]", "[0. 3. 7.]", 1), "en", "p.md")
    # table cell
    assert compare(original, rendered.replace("| input | x |", "| input | y |"), "en", "p.md")
    # prose
    assert compare(original, rendered.replace("in place;", "in place, sometimes;"), "en", "p.md")
    spaced = rendered.replace("Both layers clip", "Both   layers\nclip")
    assert compare(original, spaced, "en", "p.md") == []  # whitespace does not count


def test_list_of_further_api_pairs_leads_the_summary_and_goes_back_on_top(tmp_path, vocab, project):
    alias = {"en": "This page also covers the functional form.", "zh": "本页同样适用于函数式接口。"}
    for lang in ("en", "zh"):
        (tmp_path / lang).mkdir()
        text = (GOOD / lang / "ReLU6.md").read_text(encoding="utf-8")
        table = "| PyTorch APIs | MindSpore APIs |\n| --- | --- |\n| torch.nn.ReLU6 | mindspore.nn.ReLU6 |\n| torch.nn.functional.relu6 | mindspore.ops.relu6 |"
        text = text.replace(
            "## torch.nn.ReLU6", f"{alias[lang]}\n\n{table}\n\n## torch.nn.ReLU6", 1
        )
        (tmp_path / lang / "ReLU6.md").write_text(text, encoding="utf-8")
    assert run("--en", tmp_path / "en", "--zh", tmp_path / "zh", "--out", tmp_path / "m") == 0
    mapping = load_file(tmp_path / "m/torch/nn/ReLU6.yaml", tmp_path / "m", vocab).mapping
    assert mapping.summary.en.startswith(
        "This page also covers the functional form.\n\n| PyTorch APIs |"
    )
    assert not mapping.imported_unplaced
    rendered = render_page(mapping, "zh", project.templates)
    assert rendered.index("本页同样适用于函数式接口") < rendered.index("## torch.nn.ReLU6")
    assert run("--roundtrip", "--en", tmp_path / "en", "--zh", tmp_path / "zh") == 0
