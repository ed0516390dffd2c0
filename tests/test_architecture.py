"""The shape of the package: data flows one way (load -> catalog -> render / export -> Sphinx -> publish),
nothing below the CLI imports it, and there are no import cycles (lazy imports inside functions count)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("module_graph", REPO / "scripts" / "module_graph.py")
module_graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(module_graph)
GRAPH = module_graph.graph()

# Each layer may import only itself and the layers before it.
LAYERS = [
    {
        "apimap",
        "apimap.problems",
        "apimap.project",
        "apimap.pool",
        "apimap.interrupts",
        "apimap.fingerprint",
        "apimap.markdown",
        "apimap.yamlsource",
        "apimap.results",
    },
    {
        "apimap.schema_errors",
        "apimap.vocab",
        "apimap.model",
        "apimap.config",
        "apimap.validate",
        "apimap.cache",
    },
    {"apimap.catalog"},
    {"apimap.render", "apimap.export"},
    {
        "apimap.sphinx_ext",
        "apimap.sphinx_worker",
        "apimap.sphinx_resident",
        "apimap.sitebuild",
        "apimap.preview",
        "apimap.live",
    },
]


def _layer(module: str) -> int | None:
    return next((i for i, layer in enumerate(LAYERS) if module in layer), None)


def test_there_are_no_import_cycles():
    assert module_graph.cycles(GRAPH) == []


def test_nothing_below_the_cli_imports_it():
    offenders = {
        m: sorted(d for d in deps if d.startswith("apimap.cli"))
        for m, deps in GRAPH.items()
        if not m.startswith("apimap.cli") and m != "apimap.__main__"
    }
    assert {m: d for m, d in offenders.items() if d} == {}


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _layer(m) is not None))
def test_stages_import_only_earlier_stages(module):
    later = sorted(d for d in GRAPH[module] if (_layer(d) or 0) > _layer(module))
    assert later == [], f"{module} reads back from a later stage"


def test_render_and_export_are_independent():
    assert (
        "apimap.export" not in GRAPH["apimap.render"]
        and "apimap.render" not in GRAPH["apimap.export"]
    )


def test_every_command_is_listed():
    from apimap.cli import COMMANDS

    modules = {p.stem for p in (REPO / "apimap" / "cli").glob("*.py")} - {"__init__", "common"}
    assert {c.__name__.rsplit(".", 1)[1] for c in COMMANDS} == modules


def test_the_graph_sees_lazy_and_string_imports(tmp_path):
    pkg = tmp_path / "apimap"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from .b import x\n")
    (pkg / "b.py").write_text("import importlib\nM = importlib.import_module('apimap.a')\n")
    (pkg / "sub" / "__init__.py").write_text("from .. import a\n")
    g = module_graph.graph(pkg)
    assert (
        g["apimap.a"] == {"apimap.b"}
        and g["apimap.b"] == {"apimap.a"}
        and g["apimap.sub"] == {"apimap.a"}
    )
    assert module_graph.cycles(g) == [["apimap.a", "apimap.b"]]


def test_parsing_the_command_line_imports_no_stage_it_does_not_run():
    """Every command parses every command's options: registering must stay cheap (stages load in ``run``)."""
    import subprocess
    import sys

    code = "import sys, apimap.cli; print('\\n'.join(sorted(m for m in sys.modules if m.startswith('apimap'))))"
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    heavy = (
        "apimap.render",
        "apimap.export",
        "apimap.sitebuild",
        "apimap.sphinx_ext",
        "apimap.check.",
        "apimap.execute.",
        "apimap.importer.",
        "apimap.pytest_plugin",
    )
    assert [m for m in run.stdout.split() if m.startswith(heavy)] == []
