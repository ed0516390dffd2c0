"""`apimap check --update`: only signature and version fields change; comments, order and styles stay."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml

from apimap.check.update import update_file

FIX = Path(__file__).resolve().parent / "fixtures" / "check"
ADAMAX = FIX / "fake" / "mappings" / "torch" / "optim" / "Adamax.yaml"
TORCH_SIG = (
    "torch.optim.Adamax(params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, foreach=None, "
    "*, maximize=False)"
)
MS_SIG = (
    "mindspore.nn.AdaMax(params, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0, "
    "loss_scale=1.0)"
)


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"
    ]


def test_rewrites_only_the_stale_fields(tmp_path):
    path = tmp_path / "Adamax.yaml"
    before = (
        ADAMAX.read_text(encoding="utf-8")
        .replace(", foreach=None, *, maximize=False)", ", *, maximize=False)")
        .replace('version: "2.10.0"', 'version: "2.9.0"  # keep this comment')
        .replace("weight_decay=0.0, loss_scale=1.0", "weight_decay=0.5, loss_scale=1.0")
    )
    path.write_text(before, encoding="utf-8")
    assert update_file(
        path,
        {
            ("torch", "signature"): TORCH_SIG,
            ("torch", "version"): "2.13.0",
            ("mindspore", "signature"): MS_SIG,
            ("mindspore", "version"): "2.10.0",
        },
    )
    after = path.read_text(encoding="utf-8")
    assert changed_lines(before, after) == [
        '-   signature: "torch.optim.Adamax(params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, *, maximize=False)"',
        f'+   signature: "{TORCH_SIG}"',
        '-   version: "2.9.0"  # keep this comment',
        '+   version: "2.10.0" # keep this comment',  # ruamel keeps the comment's column
        "-     mindspore.nn.AdaMax(params, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.5, loss_scale=1.0)",
        f"+     {MS_SIG}",
    ]
    assert after == ADAMAX.read_text(encoding="utf-8").replace(
        'version: "2.10.0"', 'version: "2.10.0" # keep this comment'
    )


def test_nothing_to_change_leaves_the_file_alone(tmp_path):
    path = tmp_path / "Adamax.yaml"
    path.write_text(ADAMAX.read_text(encoding="utf-8"), encoding="utf-8")
    stamp = path.stat().st_mtime_ns
    assert not update_file(
        path, {("torch", "signature"): TORCH_SIG, ("mindspore", "version"): "2.10.0"}
    )
    assert path.stat().st_mtime_ns == stamp


@pytest.mark.parametrize(
    "old, new",
    [
        ("signature: torch.f(a)", "signature: torch.f(a, b=1)"),
        ("signature: 'torch.f(a)'", "signature: 'torch.f(a, b=1)'"),
        ("signature: >\n    torch.f(a)", "signature: >\n    torch.f(a, b=1)"),
    ],
)
def test_scalar_style_is_kept(tmp_path, old, new):
    text = f"torch:\n  api: torch.f\n  {old}\nparams:\n- {{torch: a, relation: general}}\n- torch: b\n  relation: general\n"
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    assert update_file(path, {("torch", "signature"): "torch.f(a, b=1)"})
    assert path.read_text(encoding="utf-8") == text.replace(old, new)


def test_only_signature_and_version_can_be_written(tmp_path):
    path = tmp_path / "Adamax.yaml"
    path.write_text(ADAMAX.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ValueError):
        update_file(path, {("summary", "en"): "rewritten prose"})
    assert (
        yaml.safe_load(path.read_text(encoding="utf-8"))["summary"]["en"]
        == "Fake Adamax pair for the check tests."
    )
