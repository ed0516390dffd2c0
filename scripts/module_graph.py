#!/usr/bin/env python3
"""The import graph of the apimap package, from its source (ast; nothing is imported).

    python scripts/module_graph.py            # one line per module: what it imports from apimap
    python scripts/module_graph.py --cycles   # the import cycles (strongly connected components), if any

Function-level (lazy) imports count, and so do module names in strings (``importlib.import_module``): a cycle
hidden inside a function is still a cycle in the design.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "apimap"


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, root: Path = PACKAGE) -> set[str]:
    """The apimap modules that ``path`` imports (``from . import x`` resolves to the submodule when it is one)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    modules = {module_name(p, root) for p in root.rglob("*.py")}
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == root.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != root.name:
                continue
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
            found.update(subs or [target])
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in modules
        ):
            found.add(node.value)  # importlib.import_module("apimap.x"), or a list of such names
    found.discard(name)
    return {m for m in found if m in modules}


def graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    return {module_name(p, root): imports(p, root) for p in sorted(root.rglob("*.py"))}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative enough for this size)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return sorted(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", action="store_true")
    args = ap.parse_args()
    g = graph()
    if args.cycles:
        found = cycles(g)
        for comp in found:
            print(" <-> ".join(comp))
        print(f"{len(found)} cycle(s) over {sum(map(len, found))} module(s)")
        return 0
    for mod, deps in g.items():
        print(f"{mod}: {', '.join(sorted(deps)) or '-'}")
    print(f"{len(g)} modules, {sum(map(len, g.values()))} edges")
    return 0


if __name__ == "__main__":
    sys.exit(main())
