"""The loader and validator: every rule, each with its exact one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest

from apimap.problems import ProblemsError
from apimap.validate import load_file, load_tree

WIDGET = "torch/demo/Widget.yaml"


def problems_for(
    tree: Path, vocab, rel: str, old: str | None = None, new: str = "", text: str | None = None
) -> list[str]:
    """Write a (mutated) mapping and return its problems as the one-line strings users see."""
    path = tree / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if text is None:
        text = path.read_text(encoding="utf-8")
        assert old is None or old in text, f"mutation target {old!r} not in {rel}"
        text = text.replace(old, new, 1) if old is not None else text
    path.write_text(text, encoding="utf-8")
    try:
        load_file(path, tree, vocab, display=f"mappings/{rel}")
    except ProblemsError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_fixture_mappings_are_valid(fixture_tree, vocab):
    loaded, problems = load_tree([fixture_tree], fixture_tree, vocab)
    assert problems == []
    assert sorted(x.slug for x in loaded) == [
        "torch.demo.Nothing",
        "torch.demo.Widget",
        "torch.demo.nn.Thing",
        "torch.demo.nn.Thing@other",
    ]


def test_project_mappings_are_valid(project, vocab):
    loaded, problems = load_tree([project.mappings], project.mappings, vocab)
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert loaded, "mappings/ is empty"


@pytest.mark.parametrize(
    "old,new,expected",
    [
        # unknown keys, with and without a close match
        (
            '  kind: class\n  version: "2.13.0"',
            '  kinds: class\n  version: "2.13.0"',
            "mappings/torch/demo/Widget.yaml:4: torch.kinds: unknown key 'kinds'; did you mean 'kind'?",
        ),
        (
            "category: defaults_differ",
            "category: defaults_differ\nflavour: mild",
            "mappings/torch/demo/Widget.yaml:14: flavour: unknown key 'flavour'; allowed: torch, mindspore, category, summary, params, examples, probe, recommended, requires, needs_review, imported_unplaced",
        ),
        # missing language text
        (
            'note: {en: "None keeps PyTorch\'s behaviour.", zh: "取默认值 None 时与 PyTorch 行为一致。"}',
            'note: {en: "None keeps PyTorch\'s behaviour."}',
            "mappings/torch/demo/Widget.yaml:34: params[5].note.zh: required key is missing (write the text in both en and zh)",
        ),
        # empty text
        ("  zh: |\n    两者", "  zh: ' '\n  x: |\n    两者", None),
        # wrong types
        (
            '  version: "2.13.0"\n  signature: "torch',
            '  version: 2.13\n  signature: "torch',
            "mappings/torch/demo/Widget.yaml:5: torch.version: expected text, got a number",
        ),
        ("params:\n  - {torch: size", "params: 3\nxparams:\n  - {torch: size", None),
        # vocabulary
        (
            "category: defaults_differ",
            "category: defaults_differs",
            "mappings/torch/demo/Widget.yaml:13: category: unknown category 'defaults_differs'; did you mean 'defaults_differ'?",
        ),
        (
            "    relation: split",
            "    relation: splitt",
            "mappings/torch/demo/Widget.yaml:29: params[2].relation: unknown relation 'splitt'; did you mean 'split'?",
        ),
        # category must agree with the rows
        (
            "category: defaults_differ",
            "category: consistent",
            "mappings/torch/demo/Widget.yaml:13: category: category 'consistent' contradicts params[1] (relation 'renamed_default_differs' means at least 'defaults_differ')",
        ),
        (
            "category: defaults_differ",
            "category: torch_more_params",
            "mappings/torch/demo/Widget.yaml:13: category: category 'torch_more_params' needs a params row with relation 'torch_only'",
        ),
        # a relation's shape
        (
            "  - torch: pair\n    mindspore: [first, second]",
            "  - torch: pair\n    mindspore: null",
            "mappings/torch/demo/Widget.yaml:27: params[2]: relation 'split' needs at least one mindspore parameter",
        ),
        (
            "  - {torch: mode, relation: general}",
            "  - {torch: mode, mindspore: mode, relation: general}",
            "mappings/torch/demo/Widget.yaml:30: params[3].mindspore: relation 'general' has no mindspore parameter; remove mindspore: or change the relation",
        ),
        (
            '    relation: renamed_default_differs\n    note: {en: "1.0 in PyTorch, 0.5 in MindSpore | set it", zh: "PyTorch 默认 1.0，MindSpore 默认 0.5"}',
            "    relation: renamed_default_differs",
            "mappings/torch/demo/Widget.yaml:23: params[1]: relation 'renamed_default_differs' needs a note (en and zh) saying what differs",
        ),
        (
            "  - {torch: out, relation: general}",
            "  - {torch: size, relation: general}",
            "mappings/torch/demo/Widget.yaml:31: params[4].torch: torch parameter 'size' already has a row (params[0])",
        ),
        # examples
        (
            "  - id: torch-only",
            "  - id: scale",
            "mappings/torch/demo/Widget.yaml:47: examples[1].id: duplicate example id 'scale' (also examples[0])",
        ),
        (
            "      >>> print(2 * 1.0)\n      2.0\n    mindspore",
            "      print(2 * 1.0)\n    mindspore",
            "mappings/torch/demo/Widget.yaml:41: examples[0].torch: no '>>> ' statements; write the code in doctest form",
        ),
        (
            "      >>> x = [1, 2]",
            "      >>> x = [1, 2",
            "mappings/torch/demo/Widget.yaml:50: examples[1].torch: Python syntax error: '[' was never closed",
        ),
        (
            "      >>> x = [1, 2]",
            "      >>>x = [1, 2]",
            "mappings/torch/demo/Widget.yaml:50: examples[1].torch: not valid doctest: '>>>x = [1, 2]'",
        ),
        (
            '    xfail: {reason: "demonstrates the expected-failure note"}',
            "    xfail: {}",
            "mappings/torch/demo/Widget.yaml:53: examples[1].xfail.reason: required key is missing",
        ),
        (
            "    compare: {names: [y], rtol: 1.0e-6, atol: 0}",
            "    compare: {names: [], rtol: 1.0e-6, atol: 0}",
            "mappings/torch/demo/Widget.yaml:46: examples[0].compare.names: must have at least one item",
        ),
        # links must be http(s)
        (
            "  url: https://example.org/gadget.html",
            "  url: javascript:alert(1)",
            "mappings/torch/demo/Widget.yaml:12: mindspore.url: 'javascript:alert(1)' is not a valid http(s) URL",
        ),
        (
            "  api: mindspore.demo.Gadget",
            "  api: mindspore demo",
            "mappings/torch/demo/Widget.yaml:8: mindspore.api: 'mindspore demo' is not a valid dotted API name (e.g. torch.optim.Adam)",
        ),
    ],
)
def test_rule(fixture_tree, vocab, old, new, expected):
    problems = problems_for(fixture_tree, vocab, WIDGET, old, new)
    assert problems, "the mutation should have been rejected"
    if expected:
        assert expected in problems, "\n".join(problems)
    for line in problems:  # always one line, file:line: path: message
        assert "\n" not in line and line.startswith("mappings/torch/demo/Widget.yaml:")


def test_empty_text_is_rejected(fixture_tree, vocab):
    problems = problems_for(
        fixture_tree,
        vocab,
        WIDGET,
        "  zh: |\n    两者都对张量做缩放。两边的\n    **缩放系数**默认值不同，请显式设置：$y = s \\cdot x$。\n",
        "  zh: '   '\n",
    )
    assert problems == ["mappings/torch/demo/Widget.yaml:18: summary.zh: must not be empty"]


def test_path_must_agree_with_api(fixture_tree, vocab):
    text = (fixture_tree / WIDGET).read_text(encoding="utf-8")
    problems = problems_for(fixture_tree, vocab, "torch/demo/Gizmo.yaml", text=text)
    assert problems == [
        "mappings/torch/demo/Gizmo.yaml:3: torch.api: file path says 'torch.demo.Gizmo' but torch.api is "
        "'torch.demo.Widget'; move the file to mappings/torch/demo/Widget.yaml"
    ]


def test_variant_files_share_the_api_name(fixture_tree, vocab):
    text = (
        (fixture_tree / WIDGET)
        .read_text(encoding="utf-8")
        .replace("mindspore.demo.Gadget", "mindspore.demo.Other")
    )
    assert problems_for(fixture_tree, vocab, "torch/demo/Widget@other.yaml", text=text) == []


def test_two_files_for_one_pair_are_an_error(fixture_tree, vocab):
    text = (fixture_tree / WIDGET).read_text(encoding="utf-8")
    (fixture_tree / "torch/demo/Widget@copy.yaml").write_text(text, encoding="utf-8")
    loaded, problems = load_tree([fixture_tree], fixture_tree, vocab)
    assert [(Path(p.file).name, p.line, p.path, p.message) for p in problems] == [
        (
            "Widget@copy.yaml",
            3,
            "torch.api",
            f"same pair as {fixture_tree / WIDGET} (torch.demo.Widget -> mindspore.demo.Gadget); one file per pair",
        )
    ]
    assert "torch.demo.Widget@copy" not in [x.slug for x in loaded]


def test_one_recommended_counterpart_per_torch_api(fixture_tree, vocab):
    thing = fixture_tree / "torch/demo/nn/Thing.yaml"
    other = fixture_tree / "torch/demo/nn/Thing@other.yaml"
    for path in (thing, other):
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("category:", "recommended: true\ncategory:", 1), encoding="utf-8"
        )
    loaded, problems = load_tree([fixture_tree], fixture_tree, vocab)
    assert [(Path(p.file).name, p.path, p.message) for p in problems] == [
        (
            "Thing@other.yaml",
            "recommended",
            f"{thing} is already the recommended counterpart of torch.demo.nn.Thing; one per torch API",
        )
    ]


def test_the_plain_url_is_the_recommended_counterpart_or_a_chooser(fixture_tree, config):
    from apimap.catalog import Catalog

    loaded, _ = load_tree([fixture_tree], fixture_tree, config.vocab)
    catalog = Catalog.of(config, loaded)
    thing = next(x for x in catalog.mappings if x.rel == "torch/demo/nn/Thing.yaml")
    # both consistent: a tie, nothing is recommended; the plain URL is a chooser, the plain file moves aside
    assert catalog.recommended(thing) is None
    assert [x.slug for x in catalog.counterparts(thing)] == [
        "torch.demo.nn.Thing@demo",
        "torch.demo.nn.Thing@other",
    ]
    assert [(slug, [x.rel for x in items]) for slug, items in catalog.choosers()] == [
        ("torch.demo.nn.Thing", ["torch/demo/nn/Thing.yaml", "torch/demo/nn/Thing@other.yaml"])
    ]
    # a single counterpart keeps its file's name
    assert "torch.demo.Widget" in {x.slug for x in catalog.mappings}
    other = fixture_tree / "torch/demo/nn/Thing@other.yaml"
    other.write_text(
        other.read_text(encoding="utf-8").replace("category:", "recommended: true\ncategory:", 1),
        encoding="utf-8",
    )
    loaded, _ = load_tree([fixture_tree], fixture_tree, config.vocab)
    catalog = Catalog.of(config, loaded)
    thing = next(x for x in catalog.mappings if x.rel == "torch/demo/nn/Thing.yaml")
    # marked: the recommended one takes the plain URL, first in the list; no chooser
    assert catalog.recommended(thing).rel == "torch/demo/nn/Thing@other.yaml"
    assert [x.slug for x in catalog.counterparts(thing)] == [
        "torch.demo.nn.Thing",
        "torch.demo.nn.Thing@demo",
    ]
    assert catalog.choosers() == []


def test_a_closer_category_is_recommended_without_a_mark(fixture_tree, config):
    from apimap.catalog import Catalog

    other = fixture_tree / "torch/demo/nn/Thing@other.yaml"
    text = other.read_text(encoding="utf-8").replace(
        "category: consistent", "category: defaults_differ"
    )
    other.write_text(
        text.replace("relation: same}\n  - {torch: b", "relation: same}\n  - {torch: b", 1).replace(
            "{torch: b, mindspore: b, relation: same}",
            "{torch: b, mindspore: b, relation: default_differs, note: {en: d, zh: d}}",
        ),
        encoding="utf-8",
    )
    loaded, problems = load_tree([fixture_tree], fixture_tree, config.vocab)
    assert not problems
    catalog = Catalog.of(config, loaded)
    assert {x.rel: x.slug for x in catalog.mappings if "Thing" in x.rel} == {
        "torch/demo/nn/Thing.yaml": "torch.demo.nn.Thing",
        "torch/demo/nn/Thing@other.yaml": "torch.demo.nn.Thing@other",
    }
    assert catalog.choosers() == []


def test_missing_category_has_no_mindspore_side(fixture_tree, vocab):
    problems = problems_for(
        fixture_tree, vocab, "torch/demo/Nothing.yaml", "category: missing", "category: consistent"
    )
    assert (
        "mappings/torch/demo/Nothing.yaml:6: category: category 'consistent' needs a mindspore section (use 'missing' when there is no counterpart)"
        in problems
    )


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "torch:\n\tapi: x\n",
            "mappings/torch/demo/Bad.yaml:2: YAML syntax: while scanning for the next token found character that cannot start any token (tabs are not allowed for indentation)",
        ),
        ("torch: {api: 'x\n", "YAML syntax"),
        ("a: 1\na: 2\n", "mappings/torch/demo/Bad.yaml:2: a: duplicate key 'a' (first at line 1)"),
        ("a: &x [1, 2]\nb: *x\n", "anchors and aliases (&, *) are not allowed"),
        (
            "torch: !!python/object/apply:os.system ['true']\n",
            "mappings/torch/demo/Bad.yaml:1: torch: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed; mappings hold plain data only",
        ),
        (
            "",
            "mappings/torch/demo/Bad.yaml:1: empty file; expected a mapping with keys torch, mindspore, category, ...",
        ),
        (
            "- 1\n- 2\n",
            "mappings/torch/demo/Bad.yaml:1: expected a mapping of keys at the top level, got a list",
        ),
    ],
)
def test_yaml_level_errors(fixture_tree, vocab, text, expected):
    problems = problems_for(fixture_tree, vocab, "torch/demo/Bad.yaml", text=text)
    assert len(problems) == 1 and expected in problems[0], problems


def test_not_utf8(fixture_tree, vocab):
    path = fixture_tree / "torch/demo/Latin.yaml"
    path.write_bytes("a: 1\nb: 'caf\xe9'\n".encode("latin-1"))
    with pytest.raises(ProblemsError) as info:
        load_file(path, fixture_tree, vocab, display="x.yaml")
    assert [str(p) for p in info.value.problems] == ["x.yaml:2: not UTF-8 (byte 0xe9 at offset 12)"]


def test_glossary_terms_rendered_wrongly_in_chinese_are_warned(fixture_tree, vocab):
    path = fixture_tree / WIDGET
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "Widgets and gadgets scale a tensor.", "Widgets scale an embedding table.", 1
    )
    text = text.replace("两者都对张量做缩放。", "两者都缩放查找表（`lookup_table`）。", 1)
    text = text.replace(
        'zh: "PyTorch 默认 1.0', 'zh: "补齐 PyTorch 默认 1.0', 1
    )  # en row note: no term
    path.write_text(text, encoding="utf-8")
    loaded = load_file(path, fixture_tree, vocab, display=f"mappings/{WIDGET}")
    assert [str(w) for w in loaded.warnings] == [
        f"mappings/{WIDGET}:18: warning: summary.zh: 'embedding table' is 嵌入表 in Chinese "
        "(conf/glossary.yaml), not 查找表"
    ]
    # inline code is not prose: `查找表` in backticks, a name, is left alone
    path.write_text(text.replace("缩放查找表", "缩放`查找表`"), encoding="utf-8")
    assert load_file(path, fixture_tree, vocab).warnings == ()


def test_page_labels_keep_apis_that_differ_only_in_case_apart():
    from apimap.validate import Loaded

    def loaded(rel):
        return Loaded(mapping=None, path=Path(rel), rel=rel, display=rel, lines=None)

    upper, lower = loaded("torch/Tensor/T.yaml"), loaded("torch/Tensor/t.yaml")
    assert upper.slug != lower.slug
    assert upper.anchor.lower() != lower.anchor.lower()  # Sphinx compares labels without case
    assert loaded("torch/sum@mint.yaml").anchor == "torch-sum@mint"
