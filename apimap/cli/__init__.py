"""The ``apimap`` command: one module per subcommand, listed in ``COMMANDS``. Nothing below the CLI imports it.

Each command module registers its options cheaply and imports its stage inside ``run``: every command parses
all of them, and ``apimap validate`` should not pay for Sphinx, the export models or the check stage."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from ..problems import ProblemsError
from ..project import Project
from . import build, check, doctest, export, importer, new, render, schema, serve, validate
from .common import report

COMMANDS = (validate, render, build, serve, schema, doctest, check, new, importer, export)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="apimap",
        description="PyTorch -> MindSpore API mappings: YAML in, verified bilingual site out.",
    )
    parser.add_argument(
        "--project",
        type=Path,
        default=None,
        help="project folder (default: found from the current folder)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    args = parser.parse_args(argv)
    args.project = Project(args.project.resolve()) if args.project else Project.find()

    def _terminate(signum, frame):  # SIGTERM behaves like Ctrl-C: clean up, keep the last good site
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.func(args) or 0
    except ProblemsError as exc:  # e.g. a mistake in conf/: one line each, never a traceback
        report(exc.problems)
        print(
            f"apimap {args.command}: {len(exc.problems)} problem(s); nothing done", file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:
        print(
            "apimap: interrupted; the last good site/_build/html is unchanged and no page was half-written",
            file=sys.stderr,
        )
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
