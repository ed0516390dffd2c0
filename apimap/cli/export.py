"""``apimap export``: mappings.json (+ its JSON Schema) and mappings.csv for converters."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..results import DOCTEST_RESULTS
from .common import load_catalog


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export", help="write mappings.json (+ JSON Schema) and mappings.csv for converters"
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="folder to write into (default: site/_build/html)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from ..export import write_exports

    start = time.perf_counter()
    catalog = load_catalog(args.project, "export")
    if catalog is None:
        return 1
    written = write_exports(catalog, args.output or args.project.html)
    note = "" if catalog.doctest.present else f" (no {DOCTEST_RESULTS}: status not_run)"
    print(
        f"apimap export: {len(catalog.mappings)} mapping(s) -> {', '.join(str(p) for p in written)}{note} "
        f"({time.perf_counter() - start:.2f} s)",
        file=sys.stderr,
    )
    return 0
