"""conf/ goes through the same loader and one-line problems as mappings: a typo is one line, exit 1, no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from apimap.config import load_config
from apimap.problems import ProblemsError

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def conf(tmp_path) -> Path:
    dest = tmp_path / "conf"
    shutil.copytree(REPO / "conf", dest)
    return dest


def _edit(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace the first ``count`` occurrences of ``old``; return the 1-based line of the first one."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return line


def _problems(conf: Path) -> list[str]:
    with pytest.raises(ProblemsError) as info:
        load_config(conf)
    return [str(p) for p in info.value.problems]


def _relpath(conf: Path, name: str) -> str:
    return os.path.relpath(conf / name)


def test_the_projects_conf_is_valid(project):
    config = load_config(project.conf)
    assert "consistent" in config.vocab.categories and set(config.languages) == {"en", "zh_CN"}
    # conf/site.yaml's strings are merged in
    assert config.strings_for("zh_CN")["explorer_title"] == "查找映射"


def test_unknown_category_in_relations_names_line_and_suggests(conf):
    line = _edit(conf / "relations.yaml", "implies: consistent", "implies: consistnt")
    assert _problems(conf) == [
        f"{_relpath(conf, 'relations.yaml')}:{line}: relations[0].implies: "
        "unknown category 'consistnt'; did you mean 'consistent'?"
    ]


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "relations.yaml",
            "note: optional",
            "note: optinal",
            "relations[0].note: 'optinal' is not allowed; expected 'required' or 'optional'",
        ),
        (
            "relations.yaml",
            "    torch: one\n",
            "    trch: one\n",
            "relations[0].trch: unknown key 'trch'; did you mean 'torch'?",
        ),
        (
            "categories.yaml",
            "label: {en: Consistent, zh: 一致}",
            "label: {en: Consistent}",
            "categories[0].label.zh: required key is missing (write the text in both en and zh)",
        ),
        (
            "categories.yaml",
            "  - id: composite",
            "  - id: consistent",
            "categories[10].id: duplicate id 'consistent' (also categories[0])",
        ),
        (
            "categories.yaml",
            "in_place_counterpart: call_differs",
            "in_place_counterpart: call_differ",
            "in_place_counterpart: unknown category 'call_differ'; did you mean 'call_differs'?",
        ),
        (
            "categories.yaml",
            "  - id: call_differs",
            "  - id: Call-Differs",
            "categories[1].id: 'Call-Differs' is not a valid id (lowercase letters, digits and _)",
        ),
        (
            "categories.yaml",
            "    implies: types_differ\n",
            "    implies: types_difer\n",
            "edge_rules[0].implies: unknown category 'types_difer'; did you mean 'types_differ'?",
        ),
        (
            "categories.yaml",
            "    outcomes: [mindspore_raises]",
            "    outcomes: [mindspore_raise]",
            "edge_rules[0].outcomes[0]: 'mindspore_raise' is not allowed; expected 'agree', 'differ', "
            "'unstable', 'torch_raises', 'mindspore_raises', 'no_kernel', 'both_raise' or 'lost'",
        ),
        (
            "categories.yaml",
            "  float16: {rtol: 1.0e-3, atol: 1.0e-3}",
            "  float61: {rtol: 1.0e-3, atol: 1.0e-3}",
            "edge_tolerance.float61: 'float61' is not allowed; expected 'float64', 'float16', 'int64', "
            "'bool', 'nan_inf', 'empty', 'zero_dim', 'noncontiguous', 'broadcast' or 'list_for_tuple'",
        ),
        (
            "frameworks.yaml",
            'version: "2.13.0"',
            "version: 2.13",
            "frameworks.torch.version: expected text, got a number",
        ),
        (
            "ui.yaml",
            "  en: {text: en,",
            "  en: {text: english,",
            "languages.en.text: 'english' is not allowed; expected 'en' or 'zh'",
        ),
        (
            "site.yaml",
            'edit_url: ""',
            'edit_ur: ""',
            "edit_ur: unknown key 'edit_ur'; did you mean 'edit_url'?",
        ),
        (
            "glossary.yaml",
            "  - {en: accumulator, zh: 累加器}",
            "  - {en: accumulator}",
            "terms[0].zh: required key is missing (write the text in both en and zh)",
        ),
    ],
)
def test_each_conf_file_gives_one_line_per_mistake(conf, name, old, new, message):
    line = _edit(conf / name, old, new)
    assert _problems(conf) == [f"{_relpath(conf, name)}:{line}: {message}"]


def test_yaml_syntax_errors_in_conf_are_one_line(conf):
    _edit(conf / "general_params.yaml", "general_params:", "general_params: [")
    (problem,) = _problems(conf)
    assert (
        problem.startswith(f"{_relpath(conf, 'general_params.yaml')}:")
        and ": YAML syntax: " in problem
    )


def test_a_missing_conf_file_is_one_line(conf):
    (conf / "relations.yaml").unlink()
    assert _problems(conf) == [
        f"{_relpath(conf, 'relations.yaml')}:1: missing: every apimap project has this file in conf/"
    ]


@pytest.mark.parametrize("optimize", [[], ["-O"]])
def test_cli_reports_a_conf_typo_in_one_line_without_traceback(conf, optimize):
    """The old loader asserted, so ``python -O`` turned the same typo into a KeyError deep in rendering."""
    _edit(conf / "relations.yaml", "implies: consistent", "implies: consistnt")
    proj = conf.parent
    (proj / "mappings").mkdir()
    run = subprocess.run(
        [sys.executable, *optimize, "-m", "apimap", "--project", str(proj), "validate"],
        capture_output=True,
        text=True,
        cwd=proj,
        env={**os.environ, "PYTHONPATH": str(REPO)},  # this checkout's apimap
        timeout=60,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.splitlines()[0] == (
        "conf/relations.yaml:10: relations[0].implies: unknown category 'consistnt'; "
        "did you mean 'consistent'?"
    )
