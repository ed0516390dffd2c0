"""``requires: {cluster}``: an API MindSpore runs only in a launched job (torch.distributed → msrun) is written,
its examples run as far as one CPU process goes, and the declaration stays honest."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from apimap.problems import ProblemsError
from apimap.validate import load_file

CLUSTER = Path(__file__).resolve().parent / "fixtures" / "cluster" / "mappings"
FILE = CLUSTER / "torch" / "distributed" / "init_process_group.yaml"
pytest_plugins = ["pytester"]
_MISSING = [name for name in ("torch", "mindspore") if importlib.util.find_spec(name) is None]


def _problems(vocab, tmp_path, edit) -> list[str]:
    target = tmp_path / "mappings" / "torch" / "distributed" / FILE.name
    target.parent.mkdir(parents=True)
    target.write_text(edit(FILE.read_text()))
    with pytest.raises(ProblemsError) as err:
        load_file(
            target, tmp_path / "mappings", vocab, display=f"mappings/torch/distributed/{FILE.name}"
        )
    return [str(p) for p in err.value.problems]


def test_the_fixture_is_valid(vocab):
    loaded = load_file(FILE, CLUSTER, vocab)
    assert loaded.mapping.requires.cluster == "msrun"


def test_an_unknown_cluster_is_named_with_a_did_you_mean(vocab, tmp_path):
    problems = _problems(vocab, tmp_path, lambda t: t.replace("cluster: msrun", "cluster: msrnu"))
    assert problems == [
        "mappings/torch/distributed/init_process_group.yaml:14: requires.cluster: unknown cluster 'msrnu'; "
        "did you mean 'msrun'? (conf/frameworks.yaml clusters)"
    ]


def test_a_cluster_needs_an_example_and_one_requirement(vocab, tmp_path):
    no_examples = _problems(vocab, tmp_path, lambda t: t.split("examples:")[0])
    assert any("a cluster's need is shown by an example" in p for p in no_examples)
    both = _problems(
        vocab, tmp_path / "b", lambda t: t.replace("cluster: msrun", "cluster: msrun\n  kernel: X")
    )
    assert any("give exactly one of kernel or cluster" in p for p in both)


@pytest.mark.frameworks
@pytest.mark.skipif(bool(_MISSING), reason=f"needs {' and '.join(_MISSING)} installed")
def test_the_runner_expects_the_clusters_error_and_fails_when_it_is_gone(pytester):
    shutil.copytree(CLUSTER, pytester.path / "mappings")
    folder = pytester.path / "mappings" / "torch" / "distributed"
    text = FILE.read_text()
    # a MindSpore part that no longer reaches the cluster: the declaration is stale
    (folder / "init_process_group@runs.yaml").write_text(
        text.replace("      >>> init()\n", "").replace(
            "from mindspore.communication import init, get_rank",
            "from mindspore.communication import get_rank",
        )
    )
    out = pytester.path / "results.json"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--apimap-results={out}", "mappings", "-rx"
    )
    stdout = result.stdout.str()
    status = {
        (i["file"], i["example"], i["part"]): i["status"]
        for i in json.loads(out.read_text())["items"]
    }
    assert status[("torch/distributed/init_process_group.yaml", "one-process", "torch")] == "passed"
    assert (
        "XFAIL mappings/torch/distributed/init_process_group.yaml::one-process[mindspore] - needs a "
        "distributed job started by `msrun`" in stdout
    )
    assert (
        "mappings/torch/distributed/init_process_group@runs.yaml:14: requires says MindSpore needs a "
        "distributed job started by `msrun` (or `mpirun`), one process per device, but every example's "
        "MindSpore part ran here without it: remove requires" in stdout
    )
