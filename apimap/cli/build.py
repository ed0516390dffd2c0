"""``apimap build``: validate + render + Sphinx for every language, published atomically with the exports."""

from __future__ import annotations

import sys
import time

from .common import console


def register(sub) -> None:
    p = sub.add_parser("build", help="validate + render + Sphinx HTML for every language")
    p.add_argument(
        "-j",
        "--jobs",
        default="1",
        help="Sphinx processes per language (default 1; 'auto' for all cores)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from ..config import load_config
    from ..export import export_files
    from ..sitebuild import EarlySphinx, build_html
    from .render import render_step

    start = time.perf_counter()
    langs = load_config(args.project.conf).language_names
    # Sphinx imports itself while we validate and render
    with EarlySphinx(args.project, langs, args.jobs) as early:
        catalog = render_step(args.project)
        if catalog is None:
            return 1
        # mappings.json & co. are made meanwhile
        with console().status(f"Sphinx: building {', '.join(langs)} ..."):
            runs = build_html(
                args.project,
                langs,
                jobs=args.jobs,
                extra_files=lambda: export_files(catalog),
                early=early,
            )
    failed = [r for r in runs if r.returncode != 0]
    for r in runs:
        if r.output.strip():
            print(r.output.rstrip(), file=sys.stderr)
    if failed:
        print(
            f"apimap build: Sphinx failed for {', '.join(r.lang for r in failed)}", file=sys.stderr
        )
        return 1
    index = args.project.html / "index.html"
    skipped = [r.lang for r in runs if r.skipped]
    if skipped:
        print(
            f"apimap build: {', '.join(skipped)}: no source or configuration changed; Sphinx not run",
            file=sys.stderr,
        )
    print(
        f"apimap build: site ready in {time.perf_counter() - start:.1f} s: {index}", file=sys.stderr
    )
    return 0
