"""conf/worklist.csv (MindSpore's tables as a work list): read strictly, and counted per module on the landing page."""

from __future__ import annotations

import shutil

import pytest

from apimap.catalog import Catalog
from apimap.config import load_config
from apimap.problems import ProblemsError
from apimap.validate import load_tree
from apimap.worklist import read_worklist
from tests.conftest import FIXTURES, REPO


@pytest.fixture
def loaded_fixtures(vocab):
    loaded, problems = load_tree([FIXTURES / "mappings"], FIXTURES / "mappings", vocab)
    assert not [p for p in problems if p.severity == "error"]
    return loaded


def _conf(tmp_path, text: str):
    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    (conf / "worklist.csv").write_text(text, encoding="utf-8")
    return conf


def test_bad_rows_are_named_by_line(tmp_path):
    conf = _conf(
        tmp_path,
        "module,torch_api,mindspore_api\n"
        "torch.nn,torch.nn.ReLU,mindspore.nn.ReLU\n"
        "torch.nn,torch.nn.ReLU,\n"
        "torch.nn,torch.nn.ReLU,mindspore.nn.ReLU\n",
    )
    with pytest.raises(ProblemsError) as err:
        load_config(conf)
    lines = [str(p) for p in err.value.problems]
    assert any("worklist.csv:3:" in line and "non-empty" in line for line in lines), lines
    assert any("worklist.csv:4:" in line and "also line 2" in line for line in lines), lines


def test_a_wrong_header_is_refused(tmp_path):
    conf = _conf(tmp_path, "torch,mindspore\ntorch.abs,mindspore.ops.abs\n")
    with pytest.raises(ProblemsError, match="the header must be module,torch_api,mindspore_api"):
        read_worklist(conf)


def test_coverage_counts_pairs_with_a_file_of_their_own(tmp_path, loaded_fixtures):
    apis = sorted(
        (x.mapping.torch.api, x.mapping.mindspore.api)
        for x in loaded_fixtures
        if x.mapping.mindspore
    )
    torch_api, ms_api = apis[0]
    conf = _conf(
        tmp_path,
        "module,torch_api,mindspore_api\n"
        f"m,{torch_api},{ms_api}\n"
        f"m,{torch_api},mindspore.not.this.one\n"
        "n,torch.nothing,mindspore.nothing\n",
    )
    rows = Catalog.of(load_config(conf), loaded_fixtures).coverage()
    assert [(r.module, r.pairs, r.mapped) for r in rows] == [("m", 2, 1), ("n", 1, 0)]
    assert rows[0].passed == 0  # nothing ran: no results


def test_the_project_conf_lists_the_tables_pairs():
    pairs = read_worklist(REPO / "conf")
    assert len(pairs) > 1000 and len({(p.torch_api, p.mindspore_api) for p in pairs}) == len(pairs)
