"""``apimap serve [--watch]``: build, serve on localhost, and with --watch rebuild on every change."""

from __future__ import annotations

from . import build


def register(sub) -> None:
    p = sub.add_parser("serve", help="build, then serve site/_build/html on localhost")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-build", action="store_true", help="serve what is already built")
    p.add_argument(
        "--watch",
        action="store_true",
        help="rebuild on changes to mappings/, templates/, conf/, site/ and reload open pages",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from ..preview import serve

    # build's option; serve builds with one Sphinx process per language
    args.jobs = getattr(args, "jobs", "1")
    if not args.watch:
        if not args.no_build and build.run(args) != 0:
            return 1
        return serve(args.project, args.port)
    from ..live import LiveSite

    live = LiveSite(args.project, lambda: build.run(args))
    try:
        live.start()
        return serve(args.project, args.port, rebuild=live.rebuild, root=live.root)
    finally:
        live.close()
