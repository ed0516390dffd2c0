"""``apimap doctest``: run every mapping example with pytest (this package's plugin) and record the results."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..results import DOCTEST_RESULTS, matrix_file
from .common import report_missing


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "doctest",
        help="execute every example against the installed torch and MindSpore; "
        "writes site/_build/doctest-results.json",
    )
    p.add_argument(
        "paths", nargs="*", type=Path, help="mapping files or folders (default: mappings/)"
    )
    p.add_argument(
        "-n",
        "--numprocesses",
        default=None,
        metavar="N",
        help="worker processes (pytest-xdist): a number or 'auto'",
    )
    p.add_argument(
        "--junitxml", type=Path, default=None, metavar="FILE", help="also write JUnit XML here"
    )
    p.add_argument(
        "--memory-mb",
        type=int,
        default=None,
        metavar="MB",
        help="address space per executor beyond the frameworks' own",
    )
    p.add_argument(
        "--sandbox",
        choices=(
            "required",
            "auto",
            "off",
        ),  # execute.sandbox.MODES; not imported: keep the CLI light
        default=None,
        help="run examples in bubblewrap: required (default under CI=true), auto (default), off",
    )
    p.add_argument(
        "-k",
        dest="keyword",
        default=None,
        metavar="EXPR",
        help="only examples whose node id matches (pytest -k)",
    )
    p.add_argument(
        "--release",
        action="store_true",
        help="record the run as the installed MindSpore release's column of the version matrix "
        "(site/_build/matrix/mindspore-VERSION.json) instead of the site's main results",
    )
    p.add_argument(
        "--shard",
        type=_shard,
        default=None,
        metavar="I/N",
        help="with --release: run the I-th of N parts of the mapping files (every N-th file, from the I-th), "
        "recorded as its own file that the build merges: one release spread over N machines",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="less output")
    p.set_defaults(func=run)


def _shard(text: str) -> tuple[int, int]:
    import argparse

    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not I/N (e.g. 1/4)") from None
    if not 1 <= i <= n:
        raise argparse.ArgumentTypeError(f"'{text}': I must be between 1 and N")
    return i, n


def shard_files(paths: list[Path], shard: tuple[int, int]) -> list[Path]:
    """The mapping files of one shard: sorted, every N-th from the I-th, so that the N shards are disjoint and
    together every file."""
    files = sorted({f for p in paths for f in ([p] if p.is_file() else p.rglob("*.yaml"))})
    i, n = shard
    return files[i - 1 :: n]


def pytest_args(args, results: Path | None) -> list[str]:
    project = args.project
    paths = [str(p.resolve()) for p in args.paths] or [str(project.mappings)]
    argv = [
        "--rootdir",
        str(project.root),
        "-p",
        "no:cacheprovider",
        "--apimap",
        *(["--apimap-results", str(results)] if results else []),
        "-ra",
        "-q" if args.quiet else "-v",
        "--tb=short",
        "--continue-on-collection-errors",  # an invalid file is reported; the valid ones still run
        # this command imported apimap before pytest could mark its plugin's package for assertion rewriting
        # (the plugin asserts nothing)
        "-W",
        "ignore:Module already imported so cannot be rewritten; apimap:pytest.PytestAssertRewriteWarning",
    ]
    if args.numprocesses not in (None, "0", "1"):
        argv += [
            "-n",
            str(args.numprocesses),
            "--dist",
            "loadfile",
        ]  # loadfile: a compare finds both parts in its worker
    if args.junitxml:
        argv += ["--junitxml", str(args.junitxml)]
    if args.memory_mb is not None:
        argv += ["--apimap-memory-mb", str(args.memory_mb)]
    if args.sandbox is not None:
        argv += ["--apimap-sandbox", args.sandbox]
    if args.keyword:
        argv += ["-k", args.keyword]
    return argv + paths


def run(args) -> int:
    import pytest

    if report_missing(args.paths):
        return 1
    results = args.project.build / DOCTEST_RESULTS
    if args.shard and not args.release:
        print(
            "apimap doctest: --shard records part of a release's run: use it with --release",
            file=sys.stderr,
        )
        return 2
    if args.release:
        from importlib.metadata import PackageNotFoundError, version

        try:
            results = args.project.build / matrix_file(version("mindspore"), args.shard)
        except PackageNotFoundError:
            print("apimap doctest: --release needs mindspore installed", file=sys.stderr)
            return 1
    if args.shard:
        args.paths = shard_files(args.paths or [args.project.mappings], args.shard)
        if not args.paths:
            print(
                f"apimap doctest: shard {args.shard[0]}/{args.shard[1]} has no mapping file",
                file=sys.stderr,
            )
            return 0
    mappings = args.project.mappings.resolve()
    outside = [p for p in args.paths if not p.resolve().is_relative_to(mappings)]
    if outside:  # the site describes mappings/ only: files elsewhere are run, not recorded
        print(
            f"apimap doctest: {outside[0]} is outside {mappings}; results are not recorded",
            file=sys.stderr,
        )
        results = None
    start = time.perf_counter()
    argv = pytest_args(args, results)
    if args.paths and results and not args.shard:  # a partial run keeps the other files' results
        argv.insert(0, "--apimap-merge")
    code = int(pytest.main(argv))
    took = time.perf_counter() - start
    if results and results.is_file() and code in (0, 1):
        print(
            f"apimap doctest: results in {results.relative_to(args.project.root)} ({took:.1f} s)",
            file=sys.stderr,
        )
    return code
