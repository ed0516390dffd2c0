"""Every check rule on the fake frameworks (tests/fixtures/check/fake_frameworks.py), each with its exact line."""

from __future__ import annotations

import json
from pathlib import Path

from apimap.check import check_mapping
from apimap.check.report import check_results
from apimap.results import CheckFile, CheckResults
from apimap.validate import load_file

FIX = Path(__file__).resolve().parent / "fixtures" / "check"
ADAMAX = FIX / "fake" / "mappings" / "torch" / "optim" / "Adamax.yaml"
LIVE_TORCH = (
    "torch.optim.Adamax(params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, foreach=None, "
    "*, maximize=False)"
)


def check(
    tmp_path, vocab, fw, *edits: tuple[str, str], source: Path = ADAMAX, text: str | None = None
):
    """Check a mutated copy of a fixture; return (FileCheck, the finding lines)."""
    text = source.read_text(encoding="utf-8") if text is None else text
    for old, new in edits:
        assert old in text, f"mutation target {old!r} not found"
        text = text.replace(old, new, 1)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "Adamax.yaml"
    path.write_text(text, encoding="utf-8")
    result = check_mapping(load_file(path, None, vocab, display="Adamax.yaml"), fw, vocab)
    # sorted, as the CLI prints them
    return result, [str(p) for p in sorted(f.problem for f in result.findings)]


def test_clean_mapping_has_no_findings(tmp_path, vocab, fw):
    result, lines = check(tmp_path, vocab, fw)
    assert lines == [] and result.status == "ok"
    assert result.versions == {"torch": "2.13.0", "mindspore": "2.10.0"}


def test_general_params_need_no_row(tmp_path, vocab, fw):
    # the fixture has no row for torch's `foreach` (a general-difference parameter)
    assert "foreach" not in ADAMAX.read_text().split("params:")[1]
    assert check(tmp_path, vocab, fw)[1] == []


def test_nonexistent_api(tmp_path, vocab, fw):
    result, lines = check(
        tmp_path,
        vocab,
        fw,
        ("api: torch.optim.Adamax", "api: torch.optim.AdaMax"),
        ('"torch.optim.Adamax(', '"torch.optim.AdaMax('),
    )
    assert lines == [
        "Adamax.yaml:3: torch.api: torch.optim.AdaMax: no such attribute; did you mean torch.optim.Adamax?"
    ]
    assert result.status == "error"


def test_nonexistent_module(tmp_path, vocab, fw):
    _, lines = check(tmp_path, vocab, fw, ("api: mindspore.nn.AdaMax", "api: mindspore.nnn.AdaMax"))
    assert lines == [
        "Adamax.yaml:8: mindspore.api: mindspore.nnn.AdaMax: mindspore has no attribute 'nnn'; "
        "did you mean mindspore.nn?"
    ]


def test_kind_mismatch(tmp_path, vocab, fw):
    _, lines = check(tmp_path, vocab, fw, ("kind: class", "kind: function"))
    assert lines == [
        "Adamax.yaml:4: torch.kind: torch.optim.Adamax is a class in PyTorch 2.13.0, not a function"
    ]


def test_param_row_naming_a_missing_parameter(tmp_path, vocab, fw):
    _, lines = check(
        tmp_path,
        vocab,
        fw,
        (
            "{torch: eps, mindspore: eps, relation: same}",
            "{torch: eps, mindspore: epsilon, relation: same}",
        ),
    )
    assert lines == [
        "Adamax.yaml:17: params: mindspore parameter 'eps' of mindspore.nn.AdaMax (MindSpore 2.10.0) has no row in params",
        "Adamax.yaml:24: params[3].mindspore: mindspore parameter 'epsilon' does not exist in mindspore.nn.AdaMax "
        "(MindSpore 2.10.0); did you mean 'eps'?",
    ]


def test_param_row_of_the_wrong_kind(tmp_path, vocab, fw):
    _, lines = check(
        tmp_path,
        vocab,
        fw,
        ("{torch: params, mindspore: params,", '{torch: "*params", mindspore: params,'),
    )
    assert lines == [
        "Adamax.yaml:18: params[0].torch: 'params' is a positional-or-keyword parameter in "
        "torch.optim.Adamax (PyTorch 2.13.0); write it as 'params'"
    ]


def test_live_parameter_without_a_row(tmp_path, vocab, fw):
    _, lines = check(
        tmp_path, vocab, fw, ("  - {torch: eps, mindspore: eps, relation: same}\n", "")
    )
    assert lines == [
        "Adamax.yaml:17: params: mindspore parameter 'eps' of mindspore.nn.AdaMax (MindSpore 2.10.0) has no row in params",
        "Adamax.yaml:17: params: torch parameter 'eps' of torch.optim.Adamax (PyTorch 2.13.0) has no row in params",
    ]


def test_wrong_default_in_the_signature_text(tmp_path, vocab, fw):
    result, lines = check(
        tmp_path, vocab, fw, ("weight_decay=0.0, loss_scale", "weight_decay=0.01, loss_scale")
    )
    # the block scalar's text starts on line 12, one below `signature: |`
    assert lines == [
        "Adamax.yaml:12: mindspore.signature: default of weight_decay is 0.01 here, but 0.0 in MindSpore 2.10.0"
    ]
    assert result.status == "error"


def test_default_stated_for_a_required_parameter(tmp_path, vocab, fw):
    _, lines = check(tmp_path, vocab, fw, ("Adamax(params, lr", "Adamax(params=None, lr"))
    assert lines == [
        "Adamax.yaml:6: torch.signature: default of params is None here, but params has no default in PyTorch 2.13.0"
    ]


def test_stale_signature_is_drift(tmp_path, vocab, fw):
    result, lines = check(
        tmp_path, vocab, fw, (", foreach=None, *, maximize=False)", ", *, maximize=False)")
    )
    assert lines == [
        f"Adamax.yaml:6: warning: torch.signature: stale signature: PyTorch 2.13.0 adds foreach; "
        f"live text: {LIVE_TORCH}; `apimap check --update` rewrites it"
    ]
    assert result.status == "drift"


def test_kind_change_in_the_signature_is_drift(tmp_path, vocab, fw):
    _, lines = check(
        tmp_path, vocab, fw, ("foreach=None, *, maximize=False)", "foreach=None, maximize=False)")
    )
    assert lines == [
        f"Adamax.yaml:6: warning: torch.signature: stale signature: PyTorch 2.13.0 changes the kind of "
        f"maximize; live text: {LIVE_TORCH}; `apimap check --update` rewrites it"
    ]


def test_spacing_is_not_drift(tmp_path, vocab, fw):
    assert (
        check(tmp_path, vocab, fw, ("Adamax(params, lr=0.002,", "Adamax( params,lr = 0.002 ,"))[1]
        == []
    )


def test_version_drift(tmp_path, vocab, fw):
    result, lines = check(tmp_path, vocab, fw, ('version: "2.10.0"', 'version: "2.9.0"'))
    assert lines == [
        "Adamax.yaml:10: warning: mindspore.version: written against 2.9.0, but MindSpore 2.10.0 is installed; "
        "`apimap check --update` records the new version"
    ]
    assert result.status == "drift"


def test_same_relation_contradicted_by_live_defaults(tmp_path, vocab, fw):
    _, lines = check(
        tmp_path, vocab, fw, ("relation: renamed_default_differs", "relation: renamed")
    )
    assert lines == [
        "Adamax.yaml:21: params[1].relation: relation 'renamed' but the defaults differ "
        "(torch lr=0.002, mindspore learning_rate=0.001); use 'renamed_default_differs'"
    ]


def test_default_differs_when_defaults_agree_is_a_warning(tmp_path, vocab, fw):
    _, lines = check(
        tmp_path,
        vocab,
        fw,
        (
            "{torch: eps, mindspore: eps, relation: same}",
            "{torch: eps, mindspore: eps, relation: default_differs, note: {en: x, zh: y}}",
        ),
    )
    assert lines == [
        "Adamax.yaml:24: warning: params[3].relation: relation 'default_differs' but the defaults agree "
        "(torch eps=1e-08, mindspore eps=1e-08); use 'same'"
    ]


C_FUNCTION = """\
torch:
  api: torch.cat
  kind: function
  version: "2.13.0"
  signature: "torch.cat(tensors, dim=0, *, out=None) -> Tensor"
mindspore:
  api: mindspore.ops.cat
  kind: function
  version: "2.10.0"
  signature: "mindspore.ops.cat(tensors, axis=0)"
category: names_differ
summary: {en: Fake cat., zh: 假 cat。}
params:
  - {torch: tensors, mindspore: tensors, relation: same}
  - {torch: dim, mindspore: axis, relation: renamed}
examples:
  - id: noop
    title: {en: Nothing, zh: 无}
    torch: |
      >>> x = 1
"""


def test_docstring_signature_of_a_c_function(tmp_path, vocab, fw):
    assert check(tmp_path, vocab, fw, text=C_FUNCTION)[1] == []
    _, lines = check(tmp_path, vocab, fw, ("dim=0, *, out", "dim=1, *, out"), text=C_FUNCTION)
    assert lines == [
        "Adamax.yaml:5: torch.signature: default of dim is 1 here, but 0 in PyTorch 2.13.0"
    ]
    _, lines = check(
        tmp_path,
        vocab,
        fw,
        (
            "  - {torch: tensors, mindspore: tensors, relation: same}",
            '  - {torch: "*tensors", mindspore: tensors, relation: same}',
        ),
        text=C_FUNCTION,
    )
    assert lines == [
        "Adamax.yaml:14: params[0].torch: 'tensors' is a positional-or-keyword parameter in torch.cat "
        "(PyTorch 2.13.0); write it as 'tensors'"
    ]


def test_unreadable_live_signature_is_a_warning_not_a_guess(tmp_path, vocab, fw):
    fw.root("torch").cat.__doc__ = "Concatenates tensors."  # no signature anywhere now
    _, lines = check(tmp_path, vocab, fw, text=C_FUNCTION)
    assert lines == [
        "Adamax.yaml:5: warning: torch.signature: torch.cat: PyTorch 2.13.0 gives no signature "
        "(inspect, __text_signature__ and docstring all fail); parameters not checked"
    ]


def test_check_results_shape(tmp_path, vocab, fw):
    ok, _ = check(tmp_path, vocab, fw)
    drift, _ = check(tmp_path / "drift", vocab, fw, ('version: "2.10.0"', 'version: "2.9.0"'))
    record = check_results(
        [ok],
        [],
        {"torch": "2.13.0", "mindspore": "2.10.0"},
        previous=CheckResults(files={"torch/old.yaml": CheckFile(status="ok")}),
    )
    doc = record.model_dump(mode="json", by_alias=True)
    assert (
        doc["versions"]["torch"] == "2.13.0" and "python" in doc["versions"] and doc["schema"] == 1
    )
    assert doc["files"] == {
        "torch/old.yaml": {"status": "ok", "findings": []},
        "torch/optim/Adamax.yaml": {"status": "ok", "findings": []},
    }
    doc = check_results([drift], [], {}).model_dump(mode="json", by_alias=True)
    entry = doc["files"]["torch/optim/Adamax.yaml"]
    assert entry["status"] == "drift"
    assert entry["findings"] == [
        {
            "line": 10,
            "path": "mindspore.version",
            "severity": "warning",
            "drift": True,
            "message": "written against 2.9.0, but MindSpore 2.10.0 is installed; "
            "`apimap check --update` records the new version",
        }
    ]
    json.dumps(doc)  # plain data only


SUM = """\
torch:
  api: torch.sum
  kind: function
  version: "2.13.0"
  signature: "torch.sum(input, dim, keepdim=False, *, dtype=None) -> Tensor"
mindspore:
  api: mindspore.ops.sum
  kind: function
  version: "2.10.0"
  signature: "mindspore.ops.sum(input, dim=None, keepdim=False, *, dtype=None)"
category: consistent
summary: {en: Fake sum., zh: 假 sum。}
params:
  - {torch: input, mindspore: input, relation: same}
  - {torch: dim, mindspore: dim, relation: same}
  - {torch: keepdim, mindspore: keepdim, relation: same}
  - {torch: dtype, mindspore: dtype, relation: same}
examples:
  - id: noop
    title: {en: Nothing, zh: 无}
    torch: |
      >>> x = 1
"""


def test_any_documented_form_may_be_stored(tmp_path, vocab, fw):
    # dim is required in the form stored, absent from the other: optional, so `same` as dim=None holds
    assert check(tmp_path, vocab, fw, text=SUM)[1] == []
    assert (
        check(
            tmp_path,
            vocab,
            fw,
            (
                "torch.sum(input, dim, keepdim=False, *, dtype=None)",
                "torch.sum(input, *, dtype=None)",
            ),
            text=SUM,
        )[1]
        == []
    )
    _, lines = check(
        tmp_path,
        vocab,
        fw,
        ("keepdim=False, *, dtype=None) -> Tensor", "keepdim=True, *, dtype=None) -> Tensor"),
        text=SUM,
    )
    assert lines == [
        "Adamax.yaml:5: torch.signature: default of keepdim is True here, but False in PyTorch 2.13.0"
    ]


def test_opaque_live_signature_is_one_warning(tmp_path, vocab, fw):
    text = ADAMAX.read_text(encoding="utf-8").replace(
        "api: mindspore.nn.AdaMax", "api: mindspore.nn.LSTM"
    )
    result, lines = check(tmp_path, vocab, fw, text=text)
    assert lines == [
        "Adamax.yaml:11: warning: mindspore.signature: mindspore.nn.LSTM: MindSpore 2.10.0 only reports "
        "(*args, **kwargs); the stored signature and its parameters were not checked"
    ]
    # --update leaves the stored text alone
    assert result.status == "ok" and "mindspore" not in result.chosen


def test_docstring_names_apply_where_the_docstring_misnames_a_parameter(tmp_path, vocab, fw):
    renamed = (
        ('signature: "torch.cat(tensors, dim=0', 'signature: "torch.cat(seq, dim=0'),
        ("  - {torch: tensors, mindspore: tensors", "  - {torch: seq, mindspore: tensors"),
    )
    _, lines = check(tmp_path, vocab, fw, *renamed, text=C_FUNCTION)
    assert (
        "Adamax.yaml:14: params[0].torch: torch parameter 'seq' does not exist in torch.cat (PyTorch 2.13.0)"
        in lines
    )
    declared = ('  version: "2.13.0"\n', '  version: "2.13.0"\n  docstring_names: {tensors: seq}\n')
    _, lines = check(tmp_path, vocab, fw, *renamed, declared, text=C_FUNCTION)
    assert lines == []  # the rows and the signature text are checked against the accepted name


def test_a_method_row_for_its_tensor_is_not_a_parameter(tmp_path, vocab, fw):
    edits = (
        ("  kind: function\n", "  kind: method\n"),
        ("  kind: function\n", "  kind: method\n"),  # both sides
        (
            "params:\n",
            "params:\n  - {group: inputs, torch: self, mindspore: self, relation: same}\n",
        ),
    )
    _, lines = check(tmp_path, vocab, fw, *edits, text=C_FUNCTION)
    assert lines == []


def test_docstring_omits_declares_an_accepted_parameter_the_docstring_leaves_out(
    tmp_path, vocab, fw
):
    extra = (
        "  - {torch: dim, mindspore: axis",
        "  - {torch: pad, relation: general}\n  - {torch: dim, mindspore: axis",
    )
    _, lines = check(tmp_path, vocab, fw, extra, text=C_FUNCTION)
    assert any("torch parameter 'pad' does not exist in torch.cat" in ln for ln in lines)
    declared = ('  version: "2.13.0"\n', '  version: "2.13.0"\n  docstring_omits: [pad]\n')
    _, lines = check(tmp_path, vocab, fw, extra, declared, text=C_FUNCTION)
    assert not any("'pad'" in ln for ln in lines)


def test_only_the_stored_forms_parameters_need_rows(tmp_path, vocab, fw):
    edits = (
        ("torch.sum(input, dim, keepdim=False, *, dtype=None)", "torch.sum(input, *, dtype=None)"),
        (
            "  - {torch: dim, mindspore: dim, relation: same}",
            "  - {mindspore: dim, relation: mindspore_default_ok, note: {en: n, zh: n}}",
        ),
        (
            "  - {torch: keepdim, mindspore: keepdim, relation: same}",
            "  - {mindspore: keepdim, relation: mindspore_default_ok, note: {en: n, zh: n}}",
        ),
    )
    # dim and keepdim belong to torch.sum's other documented form: no row is asked for them
    assert check(tmp_path, vocab, fw, *edits, text=SUM)[1] == []
