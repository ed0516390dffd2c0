"""`apimap check` end to end on the fake frameworks: exit codes, --json, --update, --strict, invalid files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from apimap.check import Frameworks
from apimap.cli import check as check_cli
from apimap.cli import main
from tests.conftest import load_fake_frameworks

REPO = Path(__file__).resolve().parent.parent
FIX = Path(__file__).resolve().parent / "fixtures" / "check"
REL = "torch/optim/Adamax.yaml"
SHOWN = f"mappings/{REL}"


@pytest.fixture
def proj(tmp_path, monkeypatch) -> Path:
    """A project with the real conf/ and the fake Adamax mapping, checked against the fake frameworks."""
    shutil.copytree(REPO / "conf", tmp_path / "conf")
    shutil.copytree(FIX / "fake" / "mappings", tmp_path / "mappings")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        check_cli, "frameworks", lambda: (Frameworks(load_fake_frameworks().build()), 0.0)
    )
    return tmp_path


def run(proj, capsys, *args) -> tuple[int, list[str]]:
    code = main(["--project", str(proj), *args])
    return code, capsys.readouterr().err.splitlines()


def edit(proj, old, new):
    path = proj / "mappings" / REL
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def results(proj) -> dict:
    return json.loads((proj / "site" / "_build" / "check-results.json").read_text(encoding="utf-8"))


def test_clean_tree_passes_and_writes_json(proj, capsys):
    code, lines = run(proj, capsys, "check", "--json")
    assert code == 0
    assert lines[-1].startswith(
        "apimap check: 1 mapping(s) against PyTorch 2.13.0 / MindSpore 2.10.0: 0 error(s), "
        "0 warning(s), drift in 0 file(s) ("
    )
    doc = results(proj)
    assert doc["files"] == {REL: {"status": "ok", "findings": []}}
    assert doc["versions"]["torch"] == "2.13.0" and doc["versions"]["mindspore"] == "2.10.0"


def test_errors_exit_non_zero(proj, capsys):
    edit(proj, "weight_decay=0.0, loss_scale", "weight_decay=0.01, loss_scale")
    code, lines = run(proj, capsys, "check", "--json")
    assert code == 1
    assert (
        lines[0]
        == f"{SHOWN}:12: mindspore.signature: default of weight_decay is 0.01 here, but 0.0 in MindSpore 2.10.0"
    )
    assert results(proj)["files"][REL]["status"] == "error"


def test_drift_warns_fails_only_with_strict_and_update_fixes_it(proj, capsys):
    original = (proj / "mappings" / REL).read_text(encoding="utf-8")
    edit(proj, ", foreach=None, *, maximize=False)", ", *, maximize=False)")
    edit(proj, 'version: "2.10.0"', 'version: "2.9.0"')
    code, lines = run(proj, capsys, "check", "--json")
    assert code == 0 and len(lines) == 3 and "drift in 1 file(s)" in lines[-1]
    assert results(proj)["files"][REL]["status"] == "drift"
    assert run(proj, capsys, "check", "--strict")[0] == 1
    code, lines = run(proj, capsys, "check", "--update", "--json")
    assert code == 0
    assert lines[0] == f"apimap check: updated {SHOWN}"
    assert "0 error(s), 0 warning(s)" in lines[-1]
    assert (proj / "mappings" / REL).read_text(encoding="utf-8") == original
    assert results(proj)["files"][REL]["status"] == "ok"


def test_invalid_files_are_reported_with_validation_rules(proj, capsys):
    edit(proj, "relation: renamed_default_differs", "relation: renamed")
    edit(proj, "category: torch_more_params", "category: mindspore_more_params")
    code, lines = run(proj, capsys, "check", "--json")
    assert code == 1
    assert lines[0] == (
        f"{SHOWN}:13: category: category 'mindspore_more_params' contradicts params[5] "
        "(relation 'torch_only' means at least 'torch_more_params')"
    )
    assert results(proj)["files"][REL]["status"] == "error"


def test_checking_some_paths_keeps_other_results(proj, capsys):
    out = proj / "site" / "_build"
    out.mkdir(parents=True)
    (out / "check-results.json").write_text(
        json.dumps({"files": {"torch/other.yaml": {"status": "drift", "findings": []}}})
    )
    assert run(proj, capsys, "check", "--json", str(proj / "mappings" / REL))[0] == 0
    assert set(results(proj)["files"]) == {"torch/other.yaml", REL}
    assert run(proj, capsys, "check", "--json")[0] == 0  # the whole tree: stale entries go
    assert set(results(proj)["files"]) == {REL}


def test_missing_path(proj, capsys):
    assert run(proj, capsys, "check", "nowhere.yaml") == (
        1,
        ["nowhere.yaml:1: no such file or folder"],
    )


def test_missing_framework_is_one_line(proj, capsys, monkeypatch):
    import apimap.check

    class NoMindSpore(Frameworks):
        def root(self, key):
            if key == "mindspore":
                raise ModuleNotFoundError("No module named 'mindspore'", name="mindspore")
            return super().root(key)

    monkeypatch.undo()  # the real _frameworks(), with a Frameworks that cannot import mindspore
    monkeypatch.chdir(proj)
    monkeypatch.setattr(
        apimap.check, "Frameworks", lambda: NoMindSpore(load_fake_frameworks().build())
    )
    with pytest.raises(SystemExit) as exc:
        main(["--project", str(proj), "check"])
    assert str(exc.value) == (
        "apimap: cannot import mindspore (No module named 'mindspore'); "
        "install the frameworks: pip install -e '.[frameworks]'"
    )
