"""Site data: the export for converters (JSON + schema + CSV), the explorer's data, last-updated dates from git."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apimap.catalog import Catalog, last_commit_dates
from apimap.export import (
    CSV_COLUMNS,
    build_export,
    export_schema,
    parse_signature,
    to_csv,
    write_exports,
)
from apimap.render import explorer_data
from apimap.results import read_doctest_results
from apimap.validate import load_tree

SITE_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "site"


@pytest.fixture
def fixture_site(config, tmp_path):
    mappings = tmp_path / "mappings"
    shutil.copytree(SITE_FIXTURE / "mappings", mappings)
    loaded, problems = load_tree([mappings], mappings, config.vocab)
    assert not problems
    return Catalog.of(
        config, loaded, doctest=read_doctest_results(SITE_FIXTURE / "doctest-results.json")
    ), loaded


def test_parse_signature_keeps_defaults_as_source_text():
    params = parse_signature(
        "torch.optim.Adamax(params, lr=0.002, betas=(0.9, 0.999), *, maximize=False) -> None"
    )
    assert [(p.name, p.kind, p.default) for p in params] == [
        ("params", "positional_or_keyword", None),
        ("lr", "positional_or_keyword", "0.002"),
        ("betas", "positional_or_keyword", "(0.9, 0.999)"),
        ("maximize", "keyword_only", "False"),
    ]
    assert [
        (p.name, p.kind) for p in parse_signature("torch.Tensor.view(self, /, *shape, **kw)")
    ] == [("self", "positional_only"), ("shape", "var_positional"), ("kw", "var_keyword")]
    assert parse_signature("x.f(a: int = 1)")[0].annotation == "int"
    assert parse_signature("x.f(a, b=<object object>)") is None  # not Python: no guess
    assert parse_signature("not a signature") is None


def test_export_has_both_sides_relations_defaults_and_status(fixture_site):
    site, loaded = fixture_site
    doc = build_export(site).model_dump(mode="json", by_alias=True)
    assert doc["format"] == "apimap-mappings" and doc["format_version"] == 1
    by_id = {m["id"]: m for m in doc["mappings"]}
    assert sorted(by_id) == [
        "torch.nn.Linear",
        "torch.nn.ReLU",
        "torch.optim.Adam",
        "torch.optim.Adamax",
    ]
    adamax = by_id["torch.optim.Adamax"]
    assert (
        adamax["mindspore"]["api"] == "mindspore.nn.AdaMax"
        and adamax["torch"]["version"] == "2.13.0"
    )
    lr = next(p for p in adamax["params"] if p["relation"] == "renamed_default_differs")
    assert lr["torch"] == [{"name": "lr", "default": "0.002"}]
    assert lr["mindspore"] == [{"name": "learning_rate", "default": "0.001"}]
    split = next(p for p in adamax["params"] if p["relation"] == "split")
    assert [n["name"] for n in split["mindspore"]] == ["beta1", "beta2"]
    assert adamax["status"] == "passed" and adamax["examples"] == [
        {"id": "three-steps", "status": "passed"}
    ]
    assert by_id["torch.nn.Linear"]["status"] == "failed"
    assert by_id["torch.nn.ReLU"]["status"] == "not_run"
    assert adamax["pages"] == {
        "en": "en/maps/torch.optim.Adamax.html",
        "zh_CN": "zh_CN/maps/torch.optim.Adamax.html",
    }
    assert (
        doc["verification"]["present"] is True
        and doc["verification"]["versions"]["torch"] == "2.13.0"
    )


def test_export_validates_against_the_published_schema(fixture_site, tmp_path):
    jsonschema = pytest.importorskip(
        "jsonschema", reason="jsonschema is absent (pip install jsonschema)"
    )
    site, loaded = fixture_site
    written = write_exports(site, tmp_path / "out")
    assert [p.name for p in written] == ["mappings.json", "mappings.schema.json", "mappings.csv"]
    doc = json.loads((tmp_path / "out" / "mappings.json").read_text(encoding="utf-8"))
    schema = json.loads((tmp_path / "out" / "mappings.schema.json").read_text(encoding="utf-8"))
    assert schema == export_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(doc, schema)
    doc["mappings"][0]["status"] = "great"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_csv_is_flat_one_row_per_mapping(fixture_site):
    site, loaded = fixture_site
    rows = list(csv.DictReader(io.StringIO(to_csv(build_export(site)))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 4
    linear = next(r for r in rows if r["id"] == "torch.nn.Linear")
    assert linear["mindspore_api"] == "mindspore.nn.Dense" and linear["category_zh"] == "参数名不同"
    assert (
        "in_features->in_channels:renamed" in linear["params"]
        and "device->-:general" in linear["params"]
    )


def test_explorer_data_is_compact_and_bilingual(fixture_site):
    site, loaded = fixture_site
    data = explorer_data(site)
    assert data["rows"][0] == {
        "t": "torch.nn.Linear",
        "m": "mindspore.nn.Dense",
        "c": "names_differ",
        "s": "failed",
        "p": "torch.nn.Linear",
        "d": 0,  # probe calls that diverge
        "v": [],  # releases of the version matrix it passed on (none recorded)
    }
    cat = next(c for c in data["categories"] if c["id"] == "names_differ")
    assert cat["label"] == {"en": "Parameter names differ", "zh": "参数名不同"}
    assert {"id": "passed", "label": {"en": "verified", "zh": "已验证"}} in data["statuses"]


def test_apimap_export_command(project, tmp_path):
    for name in ("conf", "templates"):
        (tmp_path / name).symlink_to(project.root / name)
    shutil.copytree(SITE_FIXTURE / "mappings", tmp_path / "mappings")
    run = subprocess.run(
        [sys.executable, "-m", "apimap", "--project", str(tmp_path), "export"],
        capture_output=True,
        text=True,
        cwd=project.root,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    html = tmp_path / "site" / "_build" / "html"
    assert (
        json.loads((html / "mappings.json").read_text(encoding="utf-8"))["verification"]["present"]
        is False
    )
    assert (html / "mappings.csv").read_text(encoding="utf-8-sig").startswith("id,module,torch_api")
    assert "4 mapping(s)" in run.stderr


def _git(repo: Path, *args: str, date: str = "") -> None:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.org",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.org",
    )
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is absent")
def test_last_updated_comes_from_one_git_log(vocab, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(SITE_FIXTURE / "mappings", repo / "mappings")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "all", date="2026-01-02T10:00:00Z")
    adam = repo / "mappings" / "torch" / "optim" / "Adam.yaml"
    adam.write_text(adam.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "adam", date="2026-03-04T10:00:00Z")
    loaded, _ = load_tree([repo / "mappings"], repo / "mappings", vocab)
    dates = last_commit_dates(loaded)
    assert dates["torch/optim/Adam.yaml"] == "2026-03-04"
    assert dates["torch/optim/Adamax.yaml"] == "2026-01-02" and len(dates) == 4


def test_no_git_history_means_no_dates(vocab, tmp_path):
    shutil.copytree(SITE_FIXTURE / "mappings", tmp_path / "mappings")
    loaded, _ = load_tree([tmp_path / "mappings"], tmp_path / "mappings", vocab)
    assert last_commit_dates(loaded) == {}
