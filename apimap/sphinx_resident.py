"""``python -m apimap.sphinx_resident SPEC-JSON``: one Sphinx application kept alive for ``apimap serve --watch``.

A fresh ``sphinx-build`` pays its start-up on every edit: imports, unpickling the environment, the theme, and
for Chinese jieba's dictionary (about 2 s per language, most of an incremental rebuild). This process pays it
once. Each ``build`` line on stdin runs one incremental build of the same application (Sphinx reads the changed
sources and writes the pages they affect) and answers with one JSON line on stdout:
``{"ok": bool, "seconds": float, "warnings": str}``. Warnings fail a build, as ``-W`` does for ``apimap build``.
A command ``build {"changed": [docname, ...]}`` says which sources changed, when the caller knows (no file was
added or removed, nothing but pages changed): Sphinx then skips scanning and comparing every source's time.

What the edited page does not need is done after the answer, before the next command is read: the search
index, ``objects.inv`` and the pickled environment (which only a later fresh Sphinx reads). An ``exit`` line,
or the end of stdin, ends the process after that work.
"""

from __future__ import annotations

import contextlib
import io
import json
import pickle
import sys
import time
from pathlib import Path


class _DeferredEnvPickle:
    """Stands in for ``pickle`` in ``sphinx.builders``: the environment's dump is remembered, not done (the
    application holds the environment in memory); everything else passes through."""

    def __init__(self):
        self.pending: Path | None = None

    def __getattr__(self, name):
        return getattr(pickle, name)

    def dump(self, obj, file, protocol=None):
        from sphinx.environment import BuildEnvironment

        if isinstance(obj, BuildEnvironment):
            self.pending = Path(file.name)
            return
        pickle.dump(obj, file, protocol)


class Resident:
    def __init__(self, spec: dict):
        import sphinx.builders
        from sphinx.application import Sphinx

        self.log = io.StringIO()
        self.warnings = io.StringIO()
        self.env_pickle = _DeferredEnvPickle()
        sphinx.builders.pickle = self.env_pickle
        self.app = Sphinx(
            spec["src"],
            spec["conf"],
            spec["out"],
            spec["doctrees"],
            "html",
            confoverrides={"language": spec["language"]},
            status=self.log,
            warning=self.warnings,
            warningiserror=True,
            keep_going=True,
        )
        self.later: list = []
        builder = self.app.builder
        builder.handle_finish = lambda: self.later.extend(
            (builder.dump_search_index, builder.dump_inventory)
        )
        # the search index is read from disk once, then kept: each build drops the pages it rewrites
        self.indexer = None
        load_indexer = builder.load_indexer

        def keep_indexer(docnames) -> None:
            if self.indexer is None:
                load_indexer(docnames)
            else:
                builder.indexer = self.indexer
                builder.indexer.prune(set(builder.env.all_docs).difference(docnames))
            self.indexer = builder.indexer

        builder.load_indexer = keep_indexer

    def build(self, changed: list[str] | None = None) -> dict:
        from .sphinx_ext import publish_explorer_data

        start = time.perf_counter()
        self.log.seek(0), self.log.truncate()
        self.warnings.seek(0), self.warnings.truncate()
        self.app._warncount = 0
        self.app.statuscode = 0
        try:
            publish_explorer_data(
                self.app
            )  # Sphinx does at start-up; its data may have changed since
            with _only(self.app, changed):
                self.app.build(False)
            ok = self.app.statuscode == 0
        except Exception as exc:  # noqa: BLE001 - a failed build is reported, the process stays
            ok = False
            print(f"{type(exc).__name__}: {exc}", file=self.warnings)
        return {
            "ok": ok,
            "seconds": round(time.perf_counter() - start, 4),
            "warnings": self.warnings.getvalue(),
        }

    def finish_later(self) -> None:
        """The work the answer did not wait for."""
        tasks, self.later = self.later, []
        for task in tasks:
            task()
        if self.env_pickle.pending is not None:
            with open(self.env_pickle.pending, "wb") as fh:
                pickle.dump(self.app.env, fh, pickle.HIGHEST_PROTOCOL)
            self.env_pickle.pending = None


@contextlib.contextmanager
def _only(app, changed: list[str] | None):
    """While building: Sphinx takes ``changed`` as the outdated sources instead of scanning for them (unless
    one is new to it: then it scans)."""
    env, builder = app.env, app.builder
    if changed is None or not set(changed) <= env.found_docs:
        yield
        return
    known = set(changed)
    env.find_files = lambda config, builder: None
    env.get_outdated_files = lambda config_changed: (set(), set(known), set())
    builder.get_outdated_docs = lambda: sorted(known)
    try:
        yield
    finally:  # the class's own methods again
        del env.find_files, env.get_outdated_files, builder.get_outdated_docs


def main(argv: list[str]) -> int:
    answers, sys.stdout = sys.stdout, sys.stderr  # stdout carries only the answers
    resident = Resident(json.loads(argv[0]))
    print(json.dumps({"ready": True}), file=answers, flush=True)
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command != "build":
            break
        changed = json.loads(arg)["changed"] if arg else None
        print(json.dumps(resident.build(changed)), file=answers, flush=True)
        resident.finish_later()
    resident.finish_later()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
