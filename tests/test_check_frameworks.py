"""`apimap check` against the installed torch and mindspore: the exemplary mapping passes, each planted
error in tests/fixtures/check/mappings gives exactly its expected line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.frameworks
pytest.importorskip("torch", reason="torch is not installed")
pytest.importorskip("mindspore", reason="mindspore is not installed")

from apimap.check import Frameworks, check_mapping  # noqa: E402
from apimap.cli import main  # noqa: E402
from apimap.validate import load_file  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FIXTURES = "tests/fixtures/check/mappings/torch/optim"
EXPECTED = {
    "AdaMax.yaml": [
        f"{FIXTURES}/AdaMax.yaml:3: torch.api: torch.optim.AdaMax: no such attribute; did you mean torch.optim.Adamax?"
    ],
    "RMSprop.yaml": [
        f"{FIXTURES}/RMSprop.yaml:16: params: mindspore parameter 'use_locking' of mindspore.nn.RMSProp (MindSpore 2.10.0) "
        "has no row in params"
    ],
    "SGD.yaml": [
        f"{FIXTURES}/SGD.yaml:28: params[6].torch: torch parameter 'momentum_decay' does not exist in torch.optim.SGD "
        "(PyTorch 2.13.0); did you mean 'momentum'?"
    ],
    "Adagrad.yaml": [
        f"{FIXTURES}/Adagrad.yaml:6: torch.signature: default of lr is 0.1 here, but 0.01 in PyTorch 2.13.0"
    ],
    "Adadelta.yaml": [
        f"{FIXTURES}/Adadelta.yaml:6: warning: torch.signature: stale signature: PyTorch 2.13.0 adds foreach, capturable, "
        "maximize, differentiable; live text: torch.optim.Adadelta(params, lr=1.0, rho=0.9, eps=1e-06, weight_decay=0, "
        "foreach=None, *, capturable=False, maximize=False, differentiable=False); `apimap check --update` rewrites it"
    ],
}


@pytest.fixture(scope="module")
def fw() -> Frameworks:
    return Frameworks()


def run(capsys, *args) -> tuple[int, list[str]]:
    code = main(["--project", str(REPO), "check", *args])
    lines = capsys.readouterr().err.splitlines()
    return code, [
        line for line in lines if not line.startswith("apimap check: ") or "updated" in line
    ]


@pytest.mark.parametrize("name", ["Adamax", "AdamW", "SparseAdam"])
def test_seed_mappings_pass(name, fw, vocab):
    path = REPO / "mappings" / "torch" / "optim" / f"{name}.yaml"
    if not path.exists():
        pytest.skip(f"mappings/torch/optim/{name}.yaml is not written yet")
    item = load_file(path, REPO / "mappings", vocab)
    result = check_mapping(item, fw, vocab)
    assert [str(f.problem) for f in result.findings] == [] and result.status == "ok"


def test_exemplary_adamax_is_read_through_mindspores_decorator(fw, vocab):
    item = load_file(REPO / "mappings/torch/optim/Adamax.yaml", REPO / "mappings", vocab)
    assert (
        check_mapping(item, fw, vocab).live["mindspore"].signature.text
        == item.mapping.mindspore.signature
    )


def test_canonical_text_of_c_functions(fw):
    assert (
        fw.inspect_api("torch.cat").signature.text
        == "torch.cat(tensors, dim=0, *, out=None) -> Tensor"
    )
    assert fw.inspect_api("torch.Tensor.add").kind == "method"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_planted_error_gives_its_line(name, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    code, lines = run(capsys, f"{FIXTURES}/{name}")
    assert lines == EXPECTED[name]
    assert code == (0 if "warning:" in lines[0] else 1)


def test_whole_fixture_tree(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    code, lines = run(capsys, "tests/fixtures/check/mappings")
    assert code == 1 and lines == sorted(
        line for expected in EXPECTED.values() for line in expected
    )


def test_update_repairs_stale_text_and_wrong_defaults(tmp_path, capsys, monkeypatch):
    tree = tmp_path / "mappings" / "torch" / "optim"
    tree.mkdir(parents=True)
    for name in ("Adadelta.yaml", "Adagrad.yaml"):
        shutil.copy(REPO / FIXTURES / name, tree / name)
    monkeypatch.chdir(tmp_path)
    code, lines = run(capsys, "--update", "mappings")
    assert code == 0
    assert lines == [
        "apimap check: updated mappings/torch/optim/Adadelta.yaml",
        "apimap check: updated mappings/torch/optim/Adagrad.yaml",
    ]
    assert run(capsys, "mappings") == (0, [])
    text = (tree / "Adagrad.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Fixture for `apimap check`")  # comments survive
    assert '"torch.optim.Adagrad(params, lr=0.01, lr_decay=0,' in text
