"""Probes: the grammar (parsed, never evaluated), the calls a probe makes, validation's one-line errors, and
real runs against torch and MindSpore (a false "consistent" claim fails, a true one passes)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from apimap.probe.grammar import DType, Gen, ProbeSyntaxError, parse
from apimap.probe.plan import plan, wire
from apimap.problems import ProblemsError
from apimap.validate import load_file

pytest_plugins = ["pytester"]
PROBES = Path(__file__).resolve().parent / "fixtures" / "probe" / "mappings"
TENSOR = Path(__file__).resolve().parent / "fixtures" / "probe_tensor" / "mappings"


def test_values_and_generators_parse_without_being_run():
    assert parse("randn(2, 5)") == Gen("randn", (2, 5))
    assert parse("randint(0, 5, (2, 3))") == Gen("randint", (0, 5, (2, 3)))
    assert parse("tensor([[1, 2]], dtype=float64)") == Gen("tensor", ([[1, 2]],), "float64")
    assert parse("(0, -2)") == (0, -2)
    assert parse([1, "(2, 3)"]) == [1, (2, 3)]
    assert parse("mean") == "mean" and parse(3) == 3 and parse(None) is None
    assert parse("float64") == DType("float64")


@pytest.mark.parametrize(
    "text, message",
    [
        ("__import__('os')", "__import__ is not a probe generator"),
        ("randnn(2, 5)", "randnn is not a probe generator; did you mean randn?"),
        ("randn(2, x)", "only literals and generator calls are allowed, not 'x'"),
        ("randn(2, dtype=float65)", "unknown dtype 'float65'; did you mean float64?"),
        ("randn(ones(2))", "a generator's arguments are literals, not generators"),
        ("randint(0, 5)", "randint takes low, high and a shape tuple"),
        ("randn(2, 5", "is not a valid expression"),
        ("open('/etc/passwd')", "open is not a probe generator"),
    ],
)
def test_anything_else_is_a_clear_error(text, message):
    with pytest.raises(ProbeSyntaxError, match=None) as err:
        parse(text)
    assert message in str(err.value)


def _load(vocab, name: str, edit=None, root=PROBES, tmp_path=None):
    path = root / "torch" / f"{name}.yaml"
    if edit is not None:
        target = tmp_path / "mappings" / "torch" / f"{name}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        path, root = target, tmp_path / "mappings"
    return load_file(path, root, vocab, display=f"mappings/torch/{name}.yaml")


def test_the_mindspore_call_follows_the_rows(vocab):
    calls = {c.id: c for c in plan(_load(vocab, "cumsum").mapping).calls}
    assert (
        calls["keywords"].torch.source() == "torch.cumsum(input=randn(3, 4), dim=1, dtype=float64)"
    )
    # renamed rows change the name; positional keeps torch's order on both sides
    assert calls["keywords"].mindspore.source() == (
        "mindspore.ops.cumsum(x=randn(3, 4), axis=1, dtype=float64)"
    )
    assert (
        calls["positional"].mindspore.source()
        == "mindspore.ops.cumsum(randn(3, 4), 1, dtype=float64)"
    )
    assert calls["defaults"].torch.source() == "torch.cumsum(input=randn(3, 4), dim=1)"
    assert calls["row-dtype"].expect == "close" and "'same'" in calls["row-dtype"].why
    edges = [c.edge for c in calls.values() if c.edge]
    assert edges == [
        "float64",
        "float16",
        "int64",
        "bool",
        "nan_inf",
        "empty",
        "zero_dim",
        "noncontiguous",
    ]
    # both sides share one input, made once
    w = wire(calls["keywords"])
    assert len(w["inputs"]) == 1 and w["mindspore"]["kwargs"][0] == ["x", {"ref": 0}]


def test_a_default_that_differs_is_passed_explicitly_except_where_defaults_are_probed(
    vocab, tmp_path
):
    def edit(text):
        return (
            text.replace("category: names_differ", "category: defaults_differ")
            .replace(
                "  - {torch: dtype, mindspore: dtype, relation: same}",
                "  - {torch: dtype, mindspore: dtype, relation: default_differs, note: {en: n, zh: n}}",
            )
            .replace("    dtype: float64\n", "")
        )

    calls = {c.id: c for c in plan(_load(vocab, "cumsum", edit, tmp_path=tmp_path).mapping).calls}
    # torch's default None means "the framework's own choice": there is no value to pass on
    assert calls["keywords"].mindspore.source().endswith("axis=1)")
    assert "defaults" not in calls  # every argument given is required


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda t: t.replace("input: randn(3, 4)", "input: randn(3, four)"),
            "mappings/torch/cumsum.yaml:20: probe.args.input: 'randn(3, four)': only literals and generator "
            "calls are allowed, not 'four'",
        ),
        (
            lambda t: t.replace("    dim: 1\n", "    dim: 1\n    dtyp: float64\n"),
            "mappings/torch/cumsum.yaml:22: probe.args.dtyp: 'dtyp' has no row in params; did you mean dtype?",
        ),
        (
            lambda t: t.replace(
                "{torch: dim, mindspore: axis, relation: renamed}",
                "{torch: dim, mindspore: axis, relation: usage_differs, note: {en: n, zh: n}}",
            ),
            "mappings/torch/cumsum.yaml:16: params[1].relation: row 'dim' (usage_differs) cannot be translated "
            "mechanically: give the MindSpore value as probe.mindspore.axis",
        ),
        (
            lambda t: t.replace(
                "    dtype: float64\n", "    dtype: float64\n  expect: {row-dtpe: any}\n"
            ),
            "mappings/torch/cumsum.yaml:23: probe.expect.row-dtpe: no call 'row-dtpe'; did you mean row-dtype?",
        ),
    ],
)
def test_validation_names_the_line_and_key(vocab, tmp_path, edit, expected):
    with pytest.raises(ProblemsError) as err:
        _load(vocab, "cumsum", edit, tmp_path=tmp_path)
    assert expected in [str(p) for p in err.value.problems]


_MISSING = [name for name in ("torch", "mindspore") if importlib.util.find_spec(name) is None]


def _run_probes(pytester, *args) -> tuple[str, dict]:
    """Run the plugin on pytester's mappings/: its output, and {(file, call id): item} of the probe calls."""
    out = pytester.path / "results.json"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--apimap-results={out}", "mappings", *args
    )
    items = json.loads(out.read_text())["items"]
    return result.stdout.str(), {
        (i["file"], i["example"]): i for i in items if i["part"] == "probe"
    }


@pytest.mark.frameworks
@pytest.mark.skipif(bool(_MISSING), reason=f"needs {' and '.join(_MISSING)} installed")
def test_probes_run_against_both_frameworks(pytester):
    shutil.copytree(PROBES, pytester.path / "mappings")
    text, items = _run_probes(pytester)
    assert (
        "mappings/torch/neg.yaml:17: probe[keywords]: the category says the two APIs agree, but differ: "
        "not close" in text
    )
    assert (
        "    torch:     torch.neg(input=randn(2, 3))\n    mindspore: mindspore.ops.abs(input=randn(2, 3))"
        in text
    )
    assert items[("torch/neg.yaml", "keywords")]["status"] == "failed"
    assert items[("torch/abs.yaml", "keywords")]["outcome"] == "agree"
    assert items[("torch/abs.yaml", "edge-empty")]["outcome"] == "agree"
    assert "dtypes" not in items[("torch/abs.yaml", "edge-float64")]["detail"]  # both keep float64
    assert {k[1] for k in items if k[0] == "torch/cumsum.yaml"} >= {
        "keywords",
        "positional",
        "row-dtype",
    }
    # conf/categories.yaml's edge rules: the category is at least what an edge outcome implies
    assert (
        "mappings/torch/clamp.yaml:13: edge[bool]: MindSpore rejects an input type that PyTorch accepts "
        "(mindspore raises: mindspore: ValueError: For Clamp" in text
    )
    assert (
        "by conf/categories.yaml edge_rules[0] the category is at least 'types_differ', not 'consistent'"
        in text
    )
    assert "edge_rules[1] the category is at least 'behaviour_differs', not 'consistent'" in text
    assert items[("torch/clamp.yaml", "edge-nan_inf")]["outcome"] == "differ"
    assert items[("torch/clamp.yaml", "keywords")]["status"] == "passed"
    # float16 results a unit apart in the last place agree under the edge_tolerance floor
    assert items[("torch/softmax.yaml", "edge-float16")]["outcome"] == "agree"
    assert "rtol=0.001" in items[("torch/softmax.yaml", "edge-float16")]["detail"]
    wrong = {("torch/clamp.yaml", "edge-bool"), ("torch/clamp.yaml", "edge-nan_inf")}
    assert {
        k for k, i in items.items() if i["status"] != "passed" and k[0] != "torch/neg.yaml"
    } == wrong


def test_pages_show_the_calls_and_the_edge_cases_in_both_languages(project, config, tmp_path):
    from apimap.catalog import Catalog
    from apimap.render import render_all
    from apimap.results import DoctestResults, PartResult
    from apimap.validate import load_tree

    loaded, problems = load_tree([PROBES], PROBES, config.vocab)
    assert not problems
    results = DoctestResults(
        items=(
            PartResult(
                file="torch/abs.yaml",
                example="keywords",
                part="probe",
                status="passed",
                outcome="agree",
            ),
            PartResult(
                file="torch/abs.yaml",
                example="edge-empty",
                part="probe",
                status="passed",
                outcome="mindspore_raises",
                torch_result="float32 (0, 3)",
                mindspore_result="ValueError: empty",
            ),
        )
    )
    catalog = Catalog.of(config, loaded, doctest=results)
    by_rel = {item.rel: item for item in catalog.mappings}
    # a mapping's status takes its probe calls in: abs's example and two of its calls never ran
    assert catalog.status(by_rel["torch/abs.yaml"]) == "not_run"
    ran = [PartResult(file="torch/neg.yaml", example="one", part="torch", status="passed")] + [
        PartResult(
            file="torch/neg.yaml", example=c.id, part="probe", status="failed", outcome="differ"
        )
        for c in catalog.probe_calls(by_rel["torch/neg.yaml"])
    ]
    assert (
        Catalog.of(config, loaded, doctest=DoctestResults(items=tuple(ran))).status(
            by_rel["torch/neg.yaml"]
        )
        == "failed"
    )
    render_all(catalog, project.templates, tmp_path)
    from apimap.export import build_export

    exported = {m.id: m for m in build_export(catalog).mappings}
    calls = {c.id: c for c in exported["torch.abs"].probe}
    assert (
        calls["edge-empty"].outcome == "mindspore_raises"
        and calls["positional"].outcome == "not_run"
    )
    assert calls["keywords"].mindspore == "mindspore.ops.abs(input=randn(2, 3))"
    assert exported["torch.cumsum"].probe and all(
        c.outcome == "not_run" for c in exported["torch.cumsum"].probe
    )
    en = (tmp_path / "en" / "maps" / "torch.abs.md").read_text(encoding="utf-8")
    zh = (tmp_path / "zh_CN" / "maps" / "torch.abs.md").read_text(encoding="utf-8")
    assert (
        "| All arguments by name | `torch.abs(input=randn(2, 3))` | `mindspore.ops.abs(input=randn(2, 3))` | agree |"
        in en
    )
    assert (
        "| Positional, in PyTorch's order | `torch.abs(randn(2, 3))` | `mindspore.ops.abs(randn(2, 3))` | not run |"
        in en
    )
    assert (
        "| An empty tensor (first dimension of size 0) | float32 (0, 3) | ValueError: empty | MindSpore raises |"
        in en
    )
    assert (
        "| 全部按关键字传参 | `torch.abs(input=randn(2, 3))` | `mindspore.ops.abs(input=randn(2, 3))` | 一致 |"
        in zh
    )
    assert (
        "| 空 Tensor（张量）（第一维大小为 0） | float32 (0, 3) | ValueError: empty | MindSpore 报错 |"
        in zh
    )
    # the divergences page lists it, under its outcome, in both languages
    div = (tmp_path / "en" / "divergences.md").read_text(encoding="utf-8")
    assert "## MindSpore raises" in div and (
        "| [`torch.abs`](maps/torch.abs.md) | `mindspore.ops.abs` | An empty tensor (first dimension of size 0) "
        "| float32 (0, 3) | ValueError: empty |" in div
    )
    assert "## MindSpore 报错" in (tmp_path / "zh_CN" / "divergences.md").read_text(
        encoding="utf-8"
    )
    # a probe call's id never counts as an example's result
    assert results.example_status("torch/abs.yaml", "keywords") == "not_run"


def test_a_missing_kernel_is_its_own_outcome_and_claims_nothing(vocab):
    from apimap.probe.judge import outcome

    raw = {
        "torch": {"value": {"kind": "none"}},
        "mindspore": {"error": "TypeError: - Kernel select failed:"},
    }
    limited = outcome(raw, 1e-5, 1e-8, vocab.device_limits)
    assert limited.outcome == "no_kernel"
    assert limited.matches("close") and limited.matches("differ")
    assert vocab.edge_rule("bool", "no_kernel") is None
    plain = outcome({**raw, "mindspore": {"error": "ValueError: must not be bool"}}, 1e-5, 1e-8)
    assert plain.outcome == "mindspore_raises" and not plain.matches("close")
    # a kernel that exists, but not for the input's type: a type rejection (conf/categories.yaml type_limits)
    typed = {
        **raw,
        "mindspore": {"error": "TypeError: Select CPU operator[Cos] fail! Unsupported data type!"},
    }
    rejected = outcome(typed, 1e-5, 1e-8, vocab.device_limits, vocab.type_limits)
    assert rejected.outcome == "mindspore_raises"
    assert vocab.edge_rule("int64", rejected.outcome).implies == "types_differ"


def test_the_edge_rules_name_the_least_category(vocab):
    assert vocab.edge_rule("bool", "mindspore_raises").implies == "types_differ"
    assert vocab.edge_rule("empty", "mindspore_raises") is None  # a refused shape fails loudly
    assert vocab.edge_rule("empty", "unstable").implies == "behaviour_differs"
    assert (
        vocab.edge_rule("float64", "torch_raises") is None
    )  # ported code never passes what torch rejects


HARNESSES = Path(__file__).resolve().parent / "fixtures" / "probe_harness" / "mappings"


def test_each_api_kind_has_its_harness_and_shows_its_calls(vocab):
    layer = {c.id: c for c in plan(_load(vocab, "nn/Linear", root=HARNESSES).mapping).calls}
    assert layer["keywords"].setup.harness == "layer"
    assert layer["keywords"].torch.source() == (
        "torch.nn.Linear(in_features=4, out_features=3, bias=False)(randn(2, 4))"
    )
    assert layer["keywords"].mindspore.source() == (
        "mindspore.nn.Dense(in_channels=4, out_channels=3, has_bias=False)(randn(2, 4))"
    )
    assert [c.edge for c in layer.values() if c.edge] == ["empty"]
    opt = {c.id: c for c in plan(_load(vocab, "optim/Adamax", root=HARNESSES).mapping).calls}
    assert opt["keywords"].mindspore.source() == (
        "mindspore.nn.AdaMax(params, learning_rate=0.01, beta1=0.8, beta2=0.99)"
    )
    # the split row's explicit values stand for betas: not in a call that leaves betas out
    assert opt["row-lr"].mindspore.source() == "mindspore.nn.AdaMax(params, learning_rate=0.01)"
    assert opt["defaults"].expect == "differ"  # the lr row says the default differs
    # a call that leaves lr out passes torch's default to MindSpore, except in `defaults`
    assert opt["row-betas"].mindspore.source() == (
        "mindspore.nn.AdaMax(params, learning_rate=0.002, beta1=0.8, beta2=0.99)"
    )
    assert opt["defaults"].mindspore.source() == "mindspore.nn.AdaMax(params)"
    w = wire(opt["keywords"])
    assert len(w["setup"]["params"]) == 2 and len(w["setup"]["grads"]) == 2  # two steps by default
    sched = {
        c.id: c
        for c in plan(_load(vocab, "optim/lr_scheduler/StepLR", root=HARNESSES).mapping).calls
    }
    # torch's scheduler takes the optimizer the harness makes; MindSpore's schedule Cell takes a rate instead
    assert sched["keywords"].torch.source() == (
        "torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)"
    )
    assert sched["row-gamma"].mindspore.source() == (
        "mindspore.nn.ExponentialDecayLR(decay_steps=2, decay_rate=0.5, learning_rate=0.1, is_stair=True)"
    )


def test_a_key_another_harness_reads_is_a_one_line_error(vocab, tmp_path):
    def edit(text):
        return text.replace(
            "    dtype: float64\n", "    dtype: float64\n  inputs:\n    x: randn(2)\n"
        )

    with pytest.raises(ProblemsError) as err:
        _load(vocab, "cumsum", edit, tmp_path=tmp_path)
    assert [str(p) for p in err.value.problems] == [
        "mappings/torch/cumsum.yaml:23: probe.inputs: 'inputs' means nothing to the call harness "
        "(torch.cumsum)"
    ]


@pytest.mark.frameworks
@pytest.mark.skipif(bool(_MISSING), reason=f"needs {' and '.join(_MISSING)} installed")
def test_layers_optimizers_and_schedulers_run_against_both_frameworks(pytester):
    shutil.copytree(HARNESSES, pytester.path / "mappings")
    text, items = _run_probes(pytester)
    # torch's weights, copied into MindSpore's same-named parameters, give the same output
    assert items[("torch/nn/Linear.yaml", "keywords")]["outcome"] == "agree"
    # Dense's third positional parameter is weight_init: torch's bias=False lands there
    assert items[("torch/nn/Linear.yaml", "positional")]["outcome"] == "differ"
    assert items[("torch/optim/Adamax.yaml", "keywords")]["outcome"] == "agree"
    assert items[("torch/optim/Adamax.yaml", "defaults")]["outcome"] == "differ"
    assert items[("torch/optim/Adamax.yaml", "edge-float64")]["outcome"] == "agree"
    assert items[("torch/optim/lr_scheduler/StepLR.yaml", "keywords")]["outcome"] == "agree"
    assert items[("torch/optim/lr_scheduler/StepLR.yaml", "keywords")]["torch_result"] == (
        "float64 (6,)"
    )
    assert (
        "mappings/torch/nn/Linear@badstate.yaml:27: probe[keywords]: probe.state: torch's 'weight' has no "
        "MindSpore parameter named 'kernel' (MindSpore has bias, weight); map it, or say 'weight: null'"
        in text
    )
    failed = {k for k, i in items.items() if i["status"] != "passed"}
    assert failed == {k for k in items if k[0] == "torch/nn/Linear@badstate.yaml"}


_KILLER = """\
# A probe whose keywords call kills MindSpore's side (os._exit with a one-element int tensor): only that call is lost.
torch:
  api: torch.abs
  kind: function
  version: "2.13.0"
  signature: "torch.abs(input, *, out=None) -> Tensor"
mindspore:
  api: os._exit
  kind: function
  version: "2.10.0"
  signature: "os._exit(status)"
category: names_differ
summary: {en: Exits., zh: 退出。}
params:
  - {torch: input, mindspore: status, relation: renamed}
  - {torch: out, relation: general}
probe:
  args:
    input: tensor([3])
  edges: [empty]
examples:
  - id: one
    title: {en: One value, zh: 一个值}
    torch: |
      >>> print(1)
      1
"""


@pytest.mark.frameworks
@pytest.mark.skipif(bool(_MISSING), reason=f"needs {' and '.join(_MISSING)} installed")
def test_a_call_that_kills_the_executor_loses_only_itself(pytester):
    (pytester.path / "mappings" / "torch").mkdir(parents=True)
    (pytester.path / "mappings" / "torch" / "abs.yaml").write_text(_KILLER, encoding="utf-8")
    _, ran = _run_probes(pytester)
    items = {call: i for (_, call), i in ran.items()}
    assert items["keywords"]["outcome"] == "lost" and items["keywords"]["status"] == "errored"
    # the batch was lost with it; run alone, the empty case reaches MindSpore and raises there
    assert items["edge-empty"]["outcome"] == "mindspore_raises"
    assert "can be converted to an index" in items["edge-empty"]["detail"]


def _without_examples(text: str) -> str:
    return text[: text.index("examples:")]


def test_a_probe_makes_examples_optional_where_its_calls_show_the_category(vocab, tmp_path):
    assert _load(vocab, "abs", _without_examples, tmp_path=tmp_path).mapping.examples == []

    def differs(text):
        return _without_examples(text).replace(
            "category: consistent", "category: behaviour_differs"
        )

    with pytest.raises(ProblemsError) as err:
        _load(vocab, "abs", differs, tmp_path=tmp_path)
    assert [str(p) for p in err.value.problems] == [
        "mappings/torch/abs.yaml:17: probe: category 'behaviour_differs' claims a difference the calls' code "
        "does not show: add an example, or a call that expects it (probe.expect.<call>: differ)"
    ]

    def shown(text):
        return differs(text).replace(
            "  edges: [empty, float64]\n", "  expect: {edge-empty: differ}\n  edges: [empty]\n"
        )

    assert _load(vocab, "abs", shown, tmp_path=tmp_path).mapping.examples == []

    def bare(text):
        return _without_examples(text)[: text.index("probe:")]

    with pytest.raises(ProblemsError) as err:
        _load(vocab, "abs", bare, tmp_path=tmp_path)
    assert [str(p) for p in err.value.problems] == [
        "mappings/torch/abs.yaml:2: examples: a mapping needs an example, or a probe that runs the two APIs"
    ]


@pytest.mark.frameworks
@pytest.mark.skipif(bool(_MISSING), reason=f"needs {' and '.join(_MISSING)} installed")
def test_a_probe_call_since_a_newer_release_must_contradict_the_page_here(pytester):
    shutil.copytree(PROBES, pytester.path / "mappings")
    torch_dir = pytester.path / "mappings" / "torch"
    for name in ("clamp", "cumsum", "softmax"):
        (torch_dir / f"{name}.yaml").unlink()
    for name in ("abs", "neg"):  # abs's claim holds, neg's does not
        path = torch_dir / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("probe:\n", 'probe:\n  since: {keywords: "99.0"}\n', 1), encoding="utf-8"
        )
    text, items = _run_probes(pytester, "-k", "keywords")
    status = {file: i["status"] for (file, _), i in items.items()}
    assert status == {"torch/abs.yaml": "xpassed", "torch/neg.yaml": "xfailed"}
    assert (
        "mappings/torch/abs.yaml:18: probe[keywords]: applies since MindSpore 99.0 (this is "
        in text
    )
    assert "but it holds here too; lower since to" in text


@pytest.mark.frameworks
@pytest.mark.skipif(bool(_MISSING), reason=f"needs {' and '.join(_MISSING)} installed")
def test_a_row_since_a_newer_release_is_proven_by_its_row_call(pytester):
    (pytester.path / "mappings" / "torch").mkdir(parents=True)
    path = pytester.path / "mappings" / "torch" / "cumsum.yaml"
    text = (PROBES / "torch" / "cumsum.yaml").read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "  - {torch: dtype, mindspore: dtype, relation: same}",
            '  - {torch: dtype, mindspore: dtype, relation: same, since: "99.0"}',
        ),
        encoding="utf-8",
    )
    text, items = _run_probes(pytester, "-k", "row")
    assert (
        items[("torch/cumsum.yaml", "row-dtype")]["status"] == "xpassed"
    )  # it holds on this release
    assert "mappings/torch/cumsum.yaml:17: probe[row-dtype]: applies since MindSpore 99.0" in text


def test_a_row_since_needs_its_row_call(vocab, tmp_path):
    edit = lambda t: t.replace(  # noqa: E731
        "  - {torch: dim, mindspore: axis, relation: renamed}",
        '  - {torch: dim, mindspore: axis, relation: renamed, since: "2.9.0"}',
    )
    with pytest.raises(ProblemsError) as err:
        _load(vocab, "cumsum", edit, tmp_path=tmp_path)
    assert [str(p) for p in err.value.problems] == [
        "mappings/torch/cumsum.yaml:16: params[1].since: a row's since is proven by its call row-dim: give "
        "probe.args.dim a value (optional arguments given in the probe get a row call)"
    ]


def test_tensor_methods_and_attributes_are_planned(vocab, tmp_path):
    view = {c.id: c for c in plan(_load(vocab, "Tensor/view", root=TENSOR).mapping).calls}
    assert view["keywords"].torch.source() == "randn(2, 3).view(3, 2)"  # *shape: by position
    assert view["keywords"].mindspore.source() == "randn(2, 3).view(3, 2)"
    # the row may name it as apimap check writes it, '*shape'
    starred = _load(
        vocab,
        "Tensor/view",
        lambda t: t.replace(
            "{torch: shape, mindspore: shape", "{torch: '*shape', mindspore: '*shape'"
        ),
        root=TENSOR,
        tmp_path=tmp_path,
    )
    assert plan(starred.mapping).calls[0].torch.source() == "randn(2, 3).view(3, 2)"
    add_ = plan(_load(vocab, "Tensor/add_", root=TENSOR).mapping).calls[0]
    assert add_.torch.mutated == add_.mindspore.mutated == "both"
    outofplace = plan(_load(vocab, "Tensor/add_@outofplace", root=TENSOR).mapping).calls[0]
    assert (outofplace.torch.mutated, outofplace.mindspore.mutated) == ("self", "")
    assert outofplace.torch.source() == "randn(2, 3).add_(other=randn(2, 3)); self"
    t = plan(_load(vocab, "Tensor/T", root=TENSOR).mapping).calls[0]
    assert (t.torch.source(), t.mindspore.source()) == ("randn(2, 3).T", "randn(2, 3).T")
    t = plan(_load(vocab, "Tensor/T@method", root=TENSOR).mapping).calls[0]
    assert (t.torch.source(), t.mindspore.source()) == ("randn(2, 3).T", "randn(2, 3).t()")


def test_an_in_place_method_mapped_to_a_new_tensor_is_another_form_of_call(vocab, tmp_path):
    with pytest.raises(ProblemsError) as err:
        _load(
            vocab,
            "Tensor/add_@outofplace",
            lambda t: t.replace("category: call_differs", "category: consistent"),
            root=TENSOR,
            tmp_path=tmp_path,
        )
    assert str(err.value.problems[0]) == (
        "mappings/torch/Tensor/add_@outofplace.yaml:13: category: torch.Tensor.add_ changes its tensor and "
        "mindspore.Tensor.add returns a new one: by conf/categories.yaml in_place_counterpart the category is "
        "at least 'call_differs', not 'consistent' (port it as x = x.add(...))"
    )


def test_an_attribute_probe_gives_only_self(vocab, tmp_path):
    with pytest.raises(ProblemsError) as err:
        _load(
            vocab,
            "Tensor/T",
            lambda t: t.replace("    self: randn(2, 3)\n", "    self: randn(2, 3)\n    dim: 1\n"),
            root=TENSOR,
            tmp_path=tmp_path,
        )
    assert "an attribute is read, not called: its probe gives only self" in str(
        err.value.problems[0]
    )


@pytest.mark.frameworks
@pytest.mark.skipif(bool(_MISSING), reason=f"needs {' and '.join(_MISSING)} installed")
def test_in_place_methods_attributes_and_missing_kernels(pytester):
    shutil.copytree(TENSOR, pytester.path / "mappings")
    tril = (TENSOR / "torch" / "tril@mint.yaml").read_text()
    undeclared = pytester.path / "mappings" / "torch" / "tril@undeclared.yaml"
    undeclared.write_text(tril.replace("requires:\n  kernel: TrilExt\n", ""))
    wrong = pytester.path / "mappings" / "torch" / "tril@wrongkernel.yaml"
    wrong.write_text(tril.replace("kernel: TrilExt", "kernel: Tril"))
    ran = pytester.path / "mappings" / "torch" / "tril@runs.yaml"
    ran.write_text(tril.replace("mindspore.mint.tril", "mindspore.ops.tril").split("examples:")[0])
    text, items = _run_probes(pytester, "-rx")
    status = {k: i["status"] for k, i in items.items()}
    # both in place: the returned value agrees, the tensor after the call does not (MindSpore 2.10.0 on CPU
    # returns the sum and leaves its tensor as it was)
    assert status[("torch/Tensor/add_.yaml", "keywords")] == "failed"
    assert "[0] close" in items[("torch/Tensor/add_.yaml", "keywords")]["detail"]
    assert "[1] not close" in items[("torch/Tensor/add_.yaml", "keywords")]["detail"]
    assert "    torch:     (randn(2, 3).add_(other=randn(2, 3), alpha=2), self)" in text
    # torch in place against an out-of-place counterpart: torch's tensor after the call against the result
    assert status[("torch/Tensor/add_@outofplace.yaml", "keywords")] == "passed"
    # attributes are read; dtypes compare by name
    assert items[("torch/Tensor/T.yaml", "keywords")]["outcome"] == "agree"
    assert items[("torch/Tensor/dtype.yaml", "edge-float64")]["detail"] == "both 'float64'"
    assert items[("torch/Tensor/dtype.yaml", "edge-bool")]["outcome"] == "agree"
    # an out-of-place method must leave its tensor alone: MindSpore's index_add writes into it on CPU
    assert items[("torch/Tensor/index_add.yaml", "keywords")]["detail"] == (
        "mindspore changed the tensor the method was called on (an out-of-place call)"
    )
    # a PyTorch attribute against a MindSpore method: the method is called
    assert items[("torch/Tensor/T@method.yaml", "keywords")]["outcome"] == "agree"
    # requires: the missing kernel is expected where declared, an error where not, and checked when it runs
    assert items[("torch/tril@mint.yaml", "keywords")]["outcome"] == "no_kernel"
    assert status[("torch/tril@mint.yaml", "keywords")] == "passed"
    assert (
        "XFAIL mappings/torch/tril@mint.yaml::lower[mindspore] - needs the MindSpore kernel TrilExt"
        in text
    )
    assert (
        "mappings/torch/tril@undeclared.yaml:28: example 'lower' [mindspore]: raised RuntimeError"
        in text
    )
    assert status[("torch/tril@undeclared.yaml", "keywords")] == "failed"
    assert "declare `requires: {kernel: <the operator the error names>}`" in text
    assert "requires names the kernel 'Tril', but MindSpore lacks another one" in text
    assert (
        "mappings/torch/tril@runs.yaml:19: probe[keywords]: requires says MindSpore has no 'TrilExt' kernel "
        "here, but this call ran on MindSpore: the kernel exists now" in text
    )


def test_two_runs_agree_within_a_few_units_in_the_last_place():
    """Last-bit jitter between two launches of a MindSpore CPU kernel is not instability; leftover memory is."""
    import numpy as np

    from apimap.execute.probing import same_result
    from apimap.execute.runpart import encode_value

    def side(*values):
        return {"value": encode_value(np.array(values, dtype=np.float32))}

    x = np.float32(-0.45104557)
    jitter = np.nextafter(x, np.float32(0))  # one unit in the last place
    assert same_result(side(x, np.nan), side(jitter, np.nan))
    assert not same_result(side(x, 1.0), side(x, 7.5e33))  # uninitialised memory
    assert not same_result(side(x), {"error": "ValueError: no"})
    ints = {"value": encode_value(np.array([1, 2]))}
    assert not same_result(ints, {"value": encode_value(np.array([1, 3]))})  # integers: exactly
