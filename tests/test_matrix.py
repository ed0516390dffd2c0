"""The version matrix: one results file per MindSpore release, read oldest first, shown on each mapping page."""

from __future__ import annotations

from pathlib import Path

from apimap.results import (
    DoctestResults,
    PartResult,
    matrix_file,
    read_matrix,
    survey_file,
    write_record,
)

PROBES = Path(__file__).resolve().parent / "fixtures" / "probe" / "mappings"


def _run(version: str, status: str, message: str = "") -> DoctestResults:
    return DoctestResults(
        versions={"torch": "2.13.0", "mindspore": version},
        items=(
            PartResult(
                file="torch/abs.yaml", example="one", part="torch", status=status, message=message
            ),
        ),
    )


def test_runs_are_read_oldest_release_first_and_the_main_run_wins(tmp_path):
    for version, status in (("2.10.0", "failed"), ("2.7.2", "passed"), ("2.9.0", "failed")):
        write_record(tmp_path / matrix_file(version), _run(version, status))
    main = _run("2.10.0", "passed")
    matrix = read_matrix(tmp_path, main)
    assert list(matrix) == ["2.7.2", "2.9.0", "2.10.0"]  # by release, not by text
    assert matrix["2.10.0"] is main
    assert read_matrix(tmp_path / "nothing", DoctestResults()) == {}


def test_each_page_shows_every_release_and_links_what_failed(project, config, tmp_path):
    from apimap.catalog import Catalog
    from apimap.render import render_all
    from apimap.validate import load_tree

    loaded, problems = load_tree([PROBES], PROBES, config.vocab)
    assert not problems
    old = _run(
        "2.8.0",
        "failed",
        "[gw1] linux -- Python 3.11.7 /x/bin/python\nmappings/torch/abs.yaml:25: one[torch]: expected 1.5, got 2\nmore",  # xdist header first
    )
    new = _run("2.10.0", "passed")
    catalog = Catalog.of(config, loaded, doctest=new, matrix={"2.8.0": old, "2.10.0": new})
    item = next(i for i in catalog.mappings if i.rel == "torch/abs.yaml")
    statuses = catalog.release_statuses(item)
    assert [(r.version, r.status) for r in statuses] == [("2.8.0", "failed"), ("2.10.0", "not_run")]
    assert statuses[0].failures == (
        ("one[torch]", "mappings/torch/abs.yaml:25: one[torch]: expected 1.5, got 2"),
    )
    render_all(catalog, project.templates, tmp_path)
    en = (tmp_path / "en" / "maps" / "torch.abs.md").read_text(encoding="utf-8")
    zh = (tmp_path / "zh_CN" / "maps" / "torch.abs.md").read_text(encoding="utf-8")
    assert (
        "Verified per MindSpore release: {ref}`MindSpore 2.8.0 <torch-abs-ms-2-8-0>` "
        "{apimap-badge}`status:failed` · MindSpore 2.10.0 {apimap-badge}`status:not_run`" in en
    )
    assert "(torch-abs-ms-2-8-0)=\n### MindSpore 2.8.0" in en
    assert "- `one[torch]`: mappings/torch/abs.yaml:25: one[torch]: expected 1.5, got 2" in en
    assert "各 MindSpore 版本的验证结果" in zh and "## 各 MindSpore 版本上的失败项" in zh
    from apimap.export import build_export

    exported = {m.id: m for m in build_export(catalog).mappings}
    assert exported["torch.abs"].releases == {"2.8.0": "failed", "2.10.0": "not_run"}
    # one release alone says nothing beyond the page's own badges
    single = Catalog.of(config, loaded, doctest=new, matrix={"2.10.0": new})
    render_all(single, project.templates, tmp_path / "single")
    assert "MindSpore release" not in (
        tmp_path / "single" / "en" / "maps" / "torch.abs.md"
    ).read_text(encoding="utf-8")


def test_the_status_page_has_a_column_per_release(project, config, tmp_path):
    from apimap.catalog import Catalog
    from apimap.render import render_all
    from apimap.validate import load_tree

    loaded, _ = load_tree([PROBES], PROBES, config.vocab)
    old, new = _run("2.8.0", "failed", "boom"), _run("2.10.0", "passed")
    catalog = Catalog.of(config, loaded, doctest=new, matrix={"2.8.0": old, "2.10.0": new})
    render_all(catalog, project.templates, tmp_path)
    page = (tmp_path / "en" / "status.md").read_text(encoding="utf-8")
    assert (
        "| PyTorch API | MindSpore API | MindSpore 2.8.0 | MindSpore 2.10.0 | Signatures "
        "| Example parts and probe calls |\n" in page
    )
    assert (
        "| `mindspore.ops.abs` | {apimap-badge}`status:failed` | {apimap-badge}`status:not_run` |"
        in page
    )


def test_api_history_is_computed_from_each_release_and_shown(project, config, tmp_path):
    from apimap.catalog import Catalog
    from apimap.render import render_all
    from apimap.results import ApiSurvey, read_surveys
    from apimap.validate import load_tree

    loaded, _ = load_tree([PROBES], PROBES, config.vocab)
    sig = "mindspore.ops.abs(input)"

    def survey(version, apis):
        return ApiSurvey(versions={"mindspore": version}, apis=apis)

    for version, apis in (
        ("2.10.0", {"mindspore.ops.abs": "mindspore.ops.abs(input, *, out=None)"}),
        ("2.7.2", {"mindspore.ops.abs": None}),
        ("2.8.0", {"mindspore.ops.abs": sig}),
    ):
        write_record(tmp_path / "build" / survey_file(version), survey(version, apis))
    surveys = read_surveys(tmp_path / "build")
    assert list(surveys) == ["2.7.2", "2.8.0", "2.10.0"]
    catalog = Catalog.of(config, loaded, surveys=surveys)
    item = next(i for i in catalog.mappings if i.rel == "torch/abs.yaml")
    assert [(h.version, h.kind) for h in catalog.api_history(item)] == [
        ("2.7.2", "absent"),
        ("2.8.0", "added"),
        ("2.10.0", "changed"),
    ]
    render_all(catalog, project.templates, tmp_path / "out")
    en = (tmp_path / "out" / "en" / "maps" / "torch.abs.md").read_text(encoding="utf-8")
    assert (
        "History of `mindspore.ops.abs`: absent in 2.7.2; added in 2.8.0; signature changed in 2.10.0: "
        "`mindspore.ops.abs(input, *, out=None)`." in en
    )
    same = {v: survey(v, {"mindspore.ops.abs": sig}) for v in ("2.7.2", "2.10.0")}
    render_all(Catalog.of(config, loaded, surveys=same), project.templates, tmp_path / "same")
    zh = (tmp_path / "same" / "zh_CN" / "maps" / "torch.abs.md").read_text(encoding="utf-8")
    assert "从 MindSpore 2.7.2 到 2.10.0，`mindspore.ops.abs` 的签名在各版本中均相同。" in zh


def test_a_release_spread_over_shards_is_one_run(tmp_path):
    from apimap.cli.doctest import shard_files

    files = [tmp_path / "m" / f"{name}.yaml" for name in "abcde"]
    for f in files:
        f.parent.mkdir(exist_ok=True)
        f.write_text("x")
    parts = [shard_files([tmp_path / "m"], (i, 2)) for i in (1, 2)]
    assert parts == [[files[0], files[2], files[4]], [files[1], files[3]]]  # disjoint, together all
    first = _run("2.9.0", "passed")
    second = DoctestResults(
        versions={"mindspore": "2.9.0"},
        items=(PartResult(file="torch/neg.yaml", example="one", part="torch", status="failed"),),
    )
    write_record(tmp_path / "b" / matrix_file("2.9.0", (1, 2)), first)
    write_record(tmp_path / "b" / matrix_file("2.9.0", (2, 2)), second)
    assert matrix_file("2.9.0", (2, 2)) == "matrix/mindspore-2.9.0.shard-2-of-2.json"
    run = read_matrix(tmp_path / "b", DoctestResults())["2.9.0"]
    assert {i.file for i in run.items} == {"torch/abs.yaml", "torch/neg.yaml"}
    # an unsharded run of the same release wins over its shards (nothing is counted twice)
    write_record(tmp_path / "b" / matrix_file("2.9.0"), first)
    assert read_matrix(tmp_path / "b", DoctestResults())["2.9.0"].items == first.items


def test_a_shard_needs_a_release(capsys):
    from apimap.cli import main

    assert main(["doctest", "--shard", "1/2"]) == 2
    assert (
        "--shard records part of a release's run: use it with --release" in capsys.readouterr().err
    )
    with __import__("pytest").raises(SystemExit):
        main(["doctest", "--release", "--shard", "3/2"])
    assert "'3/2': I must be between 1 and N" in capsys.readouterr().err
