"""``apimap render``: the catalog -> MyST Markdown under site/_build/src/<lang>/."""

from __future__ import annotations

import sys

from .common import load_catalog


def register(sub) -> None:
    p = sub.add_parser("render", help="YAML -> MyST Markdown under site/_build/src/<lang>/")
    p.set_defaults(func=run)


def render_step(project):
    """Validate everything, then render; the catalog, or None when invalid (nothing written)."""
    from ..render import render_all

    catalog = load_catalog(project, "render")
    if catalog is None:
        return None
    stats = render_all(catalog, project.templates, project.src)
    print(
        f"apimap render: {len(catalog.mappings)} mapping(s) -> {len(stats.written)} page(s) written, "
        f"{stats.unchanged} unchanged, {len(stats.removed)} removed",
        file=sys.stderr,
    )
    return catalog


def run(args) -> int:
    return 0 if render_step(args.project) else 1
