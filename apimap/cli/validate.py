"""``apimap validate [PATHS]``: load + validate; one line per problem."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from .common import load, report, report_missing


def register(sub) -> None:
    p = sub.add_parser("validate", help="check mapping YAML files; one line per problem")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: mappings/)")
    p.set_defaults(func=run)


def run(args) -> int:
    start = time.perf_counter()
    if report_missing(args.paths):
        return 1
    _, loaded, problems = load(args.project, args.paths)
    report(problems)
    errors = [p for p in problems if p.severity == "error"]
    files = len({p.file for p in errors})
    took = time.perf_counter() - start
    if errors:
        print(
            f"apimap validate: {len(errors)} problem(s) in {files} file(s); {len(loaded)} file(s) valid ({took:.2f} s)",
            file=sys.stderr,
        )
        return 1
    print(f"apimap validate: {len(loaded)} mapping(s) valid ({took:.2f} s)", file=sys.stderr)
    return 0
