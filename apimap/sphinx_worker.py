"""``python -m apimap.sphinx_worker SPHINX-ARGS...``: a Sphinx process started before its sources are ready.

While apimap validates and renders, it imports Sphinx, the theme and the extensions (and, for a Chinese build,
loads jieba's dictionary), which is most of Sphinx's start-up. Then it reads one line from stdin: ``build`` runs
``sphinx-build SPHINX-ARGS``; anything else, or the end of input, exits without building.
"""

from __future__ import annotations

import importlib
import logging
import sys

WARM = (
    "sphinx.cmd.build",
    "sphinx.application",
    "sphinx.builders.html",
    "sphinx.search",
    "myst_parser",
    "sphinx_design",
    "sphinx_copybutton",
    "furo",
    "apimap.sphinx_ext",
)


def warm_up(argv: list[str]) -> None:
    for name in WARM:
        try:
            importlib.import_module(name)
        except ImportError:  # not installed: Sphinx will say so itself when it needs it
            pass
    if any(arg.startswith("language=zh") for arg in argv):
        try:
            import jieba
        except ImportError:
            return
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()


def main(argv: list[str]) -> int:
    warm_up(argv)
    if sys.stdin.readline().strip() != "build":
        return 0
    from sphinx.cmd.build import main as sphinx_main

    return sphinx_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
