"""`apimap new` without frameworks: aligning two signatures, the proposed category, and a draft that fails
`apimap validate` only through its placeholders (and passes `apimap check` once they are filled)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from apimap.check import Frameworks, check_mapping
from apimap.check.scaffold import (
    ScaffoldError,
    align,
    draft,
    mapping_path,
    propose_category,
    write_new,
)
from apimap.check.sigparse import parse_params
from apimap.problems import ProblemsError
from apimap.validate import load_file

FIX = Path(__file__).resolve().parent / "fixtures" / "check"
GENERAL = frozenset({"foreach", "out"})


def _fakes():
    spec = importlib.util.spec_from_file_location("apimap_check_fakes", FIX / "fake_frameworks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(torch: str, ms: str) -> list[tuple]:
    return [
        (r.relation, r.torch, r.mindspore, r.note is not None, r.review is not None)
        for r in align(parse_params(torch), parse_params(ms), GENERAL)
    ]


def test_same_name_same_or_default_differs():
    assert rows("x, dim=0, keepdim=False", "x, dim=1, keepdim=False") == [
        ("same", ["x"], ["x"], False, False),
        ("default_differs", ["dim"], ["dim"], True, False),
        ("same", ["keepdim"], ["keepdim"], False, False),
    ]


def test_numbers_compare_by_value_and_dtypes_across_frameworks():
    assert [r[0] for r in rows("a=0, b=torch.float32", "a=0.0, b=mindspore.float32")] == [
        "same",
        "same",
    ]


def test_general_split_renamed_and_leftovers():
    assert rows(
        "params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, foreach=None, *, maximize=False",
        "params, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-08, loss_scale=1.0",
    ) == [
        ("same", ["params"], ["params"], False, False),
        ("renamed_default_differs", ["lr"], ["learning_rate"], True, True),
        ("split", ["betas"], ["beta1", "beta2"], False, False),
        ("same", ["eps"], ["eps"], False, False),
        ("general", ["foreach"], [], False, False),
        ("torch_only", ["maximize"], [], True, False),
        ("mindspore_only", [], ["loss_scale"], True, False),
    ]


def test_position_pairs_only_next_to_a_pair():
    # alpha/decay sit right after lr/learning_rate: paired. init and accum share a position, but the
    # parameters before them (wd, wd) are not at the same positions: left for a person
    assert rows(
        "params, lr=0.01, alpha=0.99, wd=0, init=0",
        "params, learning_rate=0.1, decay=0.9, slots=True, wd=0.0, accum=0.1",
    ) == [
        ("same", ["params"], ["params"], False, False),
        ("renamed_default_differs", ["lr"], ["learning_rate"], True, True),
        ("renamed_default_differs", ["alpha"], ["decay"], True, True),
        ("same", ["wd"], ["wd"], False, False),
        ("torch_only", ["init"], [], True, False),
        ("mindspore_only", [], ["slots"], True, False),
        ("mindspore_only", [], ["accum"], True, False),
    ]


def test_similar_names_pair_with_equal_defaults_as_renamed():
    assert rows("input, eps=1e-05", "input, epsilon=1e-05") == [
        ("same", ["input"], ["input"], False, False),
        ("renamed", ["eps"], ["epsilon"], False, True),
    ]


def test_varargs_against_a_plain_parameter_is_usage_differs():
    assert rows("*size, out=None", "size, dtype=None") == [
        ("usage_differs", ["*size"], ["size"], True, False),
        ("general", ["out"], [], False, False),
        ("mindspore_only", [], ["dtype"], True, False),
    ]


def test_proposed_category_is_the_strongest(vocab):
    # c, d: other kinds
    table = align(parse_params("a, b=1, c=2"), parse_params("a, b=2, *, d=3"), GENERAL)
    assert [r.relation for r in table] == [
        "same",
        "default_differs",
        "torch_only",
        "mindspore_only",
    ]
    assert propose_category(table, vocab) == "torch_more_params"
    assert (
        propose_category(align(parse_params("a"), parse_params("a"), GENERAL), vocab)
        == "consistent"
    )
    assert propose_category([], vocab) == "consistent"


@pytest.fixture
def fw() -> Frameworks:
    return Frameworks(_fakes().build())


def test_draft_fails_validation_only_through_placeholders_then_passes_check(tmp_path, vocab, fw):
    text = draft("torch.optim.Adamax", "mindspore.nn.AdaMax", fw, vocab)
    path = tmp_path / "mappings" / "torch" / "optim" / "Adamax.yaml"
    write_new(path, text)
    with pytest.raises(ProblemsError) as exc:
        load_file(path, tmp_path / "mappings", vocab)
    messages = {p.message for p in exc.value.problems}
    assert messages == {"placeholder 'TODO: ...' left from `apimap new`; write the real text"}
    paths = {p.path for p in exc.value.problems}
    assert {
        "summary.en",
        "summary.zh",
        "examples[0].title.en",
        "examples[0].torch",
        "examples[0].mindspore",
        "params[1].note.en",
    } <= paths
    path.write_text(text.replace("TODO:", "Filled:"), encoding="utf-8")
    item = load_file(path, tmp_path / "mappings", vocab)
    assert item.mapping.category == "torch_more_params"
    assert item.mapping.torch.signature == (
        "torch.optim.Adamax(params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, "
        "weight_decay=0, foreach=None, *, maximize=False)"
    )
    assert item.mapping.torch.version == "2.13.0" and item.mapping.torch.url is None
    assert (
        "import torch" in item.mapping.examples[0].torch
        and "import mindspore" in item.mapping.examples[0].mindspore
    )
    assert [str(f.problem) for f in check_mapping(item, fw, vocab).findings] == []


def test_draft_names_unknown_apis(vocab, fw):
    with pytest.raises(
        ScaffoldError,
        match=r"^torch.optim.AdaMax: no such attribute; did you mean torch.optim.Adamax\?$",
    ):
        draft("torch.optim.AdaMax", "mindspore.nn.AdaMax", fw, vocab)
    with pytest.raises(ScaffoldError, match="must start with 'mindspore.'"):
        draft("torch.optim.Adamax", "torch.optim.Adamax", fw, vocab)


def test_paths_and_no_overwrite(tmp_path):
    assert mapping_path(tmp_path, "torch.optim.Adam") == tmp_path / "torch" / "optim" / "Adam.yaml"
    assert (
        mapping_path(tmp_path, "torch.optim.Adam", "mint")
        == tmp_path / "torch" / "optim" / "Adam@mint.yaml"
    )
    path = tmp_path / "x.yaml"
    write_new(path, "first\n")
    with pytest.raises(ScaffoldError, match="already exists"):
        write_new(path, "second\n")
    assert path.read_text() == "first\n"


def test_loose_defaults_are_not_compared():
    # torch.sum(input, dim, keepdim=False): dim is optional through another form, so it pairs with dim=None as same
    table = align(
        parse_params("input, dim, keepdim=False"),
        parse_params("input, dim=None, keepdim=False"),
        GENERAL,
        loose=frozenset({"dim"}),
    )
    assert [r.relation for r in table] == ["same", "same", "same"]
