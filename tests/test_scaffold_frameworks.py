"""`apimap new torch.optim.RMSprop mindspore.nn.RMSProp` against the installed frameworks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.frameworks
pytest.importorskip("torch", reason="torch is not installed")
pytest.importorskip("mindspore", reason="mindspore is not installed")

from apimap.cli import main  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def test_rmsprop_draft_has_the_right_table(tmp_path, capsys):
    out = tmp_path / "mappings"
    assert (
        main(
            [
                "--project",
                str(REPO),
                "new",
                "torch.optim.RMSprop",
                "mindspore.nn.RMSProp",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    path = out / "torch" / "optim" / "RMSprop.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["torch"] == {
        "api": "torch.optim.RMSprop",
        "kind": "class",
        "version": "2.13.0",
        "signature": "torch.optim.RMSprop(params, lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0, momentum=0, "
        "centered=False, capturable=False, foreach=None, maximize=False, differentiable=False)",
    }
    assert data["mindspore"] == {
        "api": "mindspore.nn.RMSProp",
        "kind": "class",
        "version": "2.10.0",
        "signature": "mindspore.nn.RMSProp(params, learning_rate=0.1, decay=0.9, momentum=0.0, epsilon=1e-10, "
        "use_locking=False, centered=False, loss_scale=1.0, weight_decay=0.0)",
    }
    table = [
        (r.get("torch"), r.get("mindspore"), r["relation"], "needs_review" in r)
        for r in data["params"]
    ]
    assert table == [
        ("params", "params", "same", False),
        ("lr", "learning_rate", "renamed_default_differs", True),  # 0.01 vs 0.1
        ("alpha", "decay", "renamed_default_differs", True),  # the smoothing constant: 0.99 vs 0.9
        ("eps", "epsilon", "renamed_default_differs", True),  # 1e-08 vs 1e-10
        ("weight_decay", "weight_decay", "same", False),  # 0 == 0.0
        ("momentum", "momentum", "same", False),
        ("centered", "centered", "same", False),
        ("capturable", None, "general", False),
        ("foreach", None, "general", False),
        ("maximize", None, "torch_only", False),
        ("differentiable", None, "general", False),
        (None, "use_locking", "mindspore_only", False),
        (None, "loss_scale", "mindspore_only", False),
    ]
    assert data["category"] == "torch_more_params"
    # a first probe: the optimizer's parameters are the harness's; a non-default lr proves its row
    assert data["probe"] == {"args": {"lr": 0.01}}
    # refuses to overwrite
    capsys.readouterr()
    assert (
        main(
            [
                "--project",
                str(REPO),
                "new",
                "torch.optim.RMSprop",
                "mindspore.nn.RMSProp",
                "--out",
                str(out),
            ]
        )
        == 1
    )
    assert "already exists" in capsys.readouterr().err
    # the draft does not pass validation until a person fills it in
    assert main(["--project", str(REPO), "validate", str(path)]) == 1


def test_unknown_api_is_one_line(tmp_path, capsys):
    code = main(
        [
            "--project",
            str(REPO),
            "new",
            "torch.optim.RMSProp",
            "mindspore.nn.RMSProp",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 1
    assert capsys.readouterr().err.strip() == (
        "apimap new: torch.optim.RMSProp: no such attribute; did you mean torch.optim.RMSprop?"
    )
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("torch_api", "ms_api", "probe", "todo"),
    [
        (
            "torch.cumprod",
            "mindspore.ops.cumprod",
            {"args": {"input": "randn(2, 3)", "dim": 1}},
            [],
        ),
        (
            "torch.Tensor.masked_fill",
            "mindspore.Tensor.masked_fill",
            {
                "args": {
                    "self": "randn(2, 3)",
                    "mask": "TODO: a value for mask",
                    "value": "TODO: a value for value",
                }
            },
            ["probe.args.mask", "probe.args.value"],
        ),
        (
            "torch.Tensor.T",
            "mindspore.Tensor.T",
            {"args": {"self": "randn(2, 3)"}},
            [],
        ),
        (
            "torch.nn.Conv2d",
            "mindspore.nn.Conv2d",
            {
                "args": {"in_channels": 4, "out_channels": 4, "kernel_size": 3},
                "inputs": {"input": "TODO: the forward input, e.g. randn(2, 4)"},
            },
            ["probe.inputs.input"],
        ),
    ],
)
def test_a_draft_has_a_first_probe_and_a_todo_where_it_cannot_guess(
    tmp_path, capsys, torch_api, ms_api, probe, todo
):
    out = tmp_path / "mappings"
    assert main(["--project", str(REPO), "new", torch_api, ms_api, "--out", str(out)]) == 0
    path = next(out.rglob("*.yaml"))
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["probe"] == probe
    capsys.readouterr()
    assert main(["--project", str(REPO), "validate", str(path)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert [ln.split(": ")[1] for ln in lines if ": probe" in ln] == todo
