"""The resident site behind ``apimap serve --watch``: an edit to a mapping reaches the page in well under a second.

``apimap build`` starts from nothing each time: it imports, reads conf/, unpickles the validation cache, compiles
the templates, reads the results files, and starts Sphinx, whose own start-up is about 2 s per language. The
preview keeps all of that between edits: the configuration, the validated mappings, the compiled templates and
one resident Sphinx application per language (``apimap.sphinx_resident``), told which pages changed.

An edit under mappings/ takes the fast path: validate (unchanged files come from memory), build the catalog,
render (only the pages whose bytes change are written), and have each language's Sphinx build the pages that
render wrote, both languages at once, while the exports are made. Any other change (conf/, templates/, the
site's static files) can change every page: it stops the residents, runs a whole ``apimap build``, and starts
them again. The preview serves the staging tree that Sphinx writes into, so nothing is copied per edit.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .cache import ValidationCache
from .catalog import build_catalog, commit_dates
from .config import load_config
from .export import write_exports
from .problems import ProblemsError
from .project import Project
from .render import Render, Templates
from .sitebuild import prune_orphans, staging_dir, write_root_index
from .validate import load_tree


class ResidentSphinx:
    """One ``apimap.sphinx_resident`` process: a Sphinx application for one language, kept warm."""

    def __init__(self, project: Project, lang: str):
        from .sitebuild import _sphinx_env

        spec = {
            "src": str(project.src / lang),
            "conf": str(project.conf),
            "out": str(staging_dir(project) / lang),
            "doctrees": str(project.build / "doctrees" / lang),
            "language": lang,
        }
        self.lang = lang
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "apimap.sphinx_resident", json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_sphinx_env(project),
        )
        self.ready = False

    def _answer(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"Sphinx ({self.lang}) ended unexpectedly")
        return json.loads(line)

    def wait_ready(self) -> None:
        if not self.ready:
            self._answer()  # {"ready": true}: the application is set up
            self.ready = True

    def start_build(self, changed: list[str] | None = None) -> None:
        """Start a build; ``changed`` names the changed sources when only pages changed (None: Sphinx looks)."""
        self.wait_ready()
        arg = "" if changed is None else " " + json.dumps({"changed": changed})
        self.proc.stdin.write(f"build{arg}\n")
        self.proc.stdin.flush()

    def result(self) -> dict:
        return self._answer()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("exit\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


class LiveSite:
    def __init__(self, project: Project, full_build):
        """``full_build()`` is ``apimap build`` (returns its exit code): the slow path, and the first build."""
        self.project = project
        self.full_build = full_build
        self.residents: dict[str, ResidentSphinx] = {}
        self.config = None
        self.exports: threading.Thread | None = None
        self.last_shown: float | None = None  # seconds from the change to its pages being built
        self.sphinx_seconds: dict[str, float] = {}  # each language's last Sphinx build

    @property
    def root(self) -> Path:
        """What the preview serves: the staging tree (Sphinx's output, the root pages and the exports)."""
        return staging_dir(self.project)

    def start(self) -> int:
        return self._full()

    def wait_ready(self) -> None:
        """Wait until every language's Sphinx is set up (a benchmark's first edit should not wait for it)."""
        for resident in self.residents.values():
            resident.wait_ready()

    def close(self) -> None:
        self._finish_exports()
        for resident in self.residents.values():
            resident.close()
        self.residents.clear()

    def rebuild(self, changed: list[Path], ready: Callable[[], None]) -> int:
        """Rebuild after ``changed`` paths changed; ``ready()`` as soon as the edited pages are built (the open
        pages then reload), and again if the pages that list every mapping changed too."""
        mappings = self.project.mappings.resolve()
        if self.config is None or not all(
            Path(p).resolve().is_relative_to(mappings) for p in changed
        ):
            code = self._full()
            if code == 0:
                ready()
            return code
        return self._fast(ready)

    def _finish_exports(self) -> None:
        if self.exports is not None:
            self.exports.join()
            self.exports = None

    def _full(self) -> int:
        self._finish_exports()
        self.close()
        code = self.full_build()
        try:
            self.config = load_config(self.project.conf)
        except ProblemsError:
            self.config = None  # the build has reported it; the next change tries again
            return code or 1
        self.cache = ValidationCache(
            self.project.build / "cache" / "validated.pickle", self.project.conf
        )
        self.templates = Templates(self.project.templates)
        self.dates = None
        self.residents = {
            lang: ResidentSphinx(self.project, lang) for lang in self.config.language_names
        }
        return code

    def _fast(self, ready: Callable[[], None]) -> int:
        start = time.perf_counter()
        project, config = self.project, self.config
        loaded, problems = load_tree(
            [project.mappings], project.mappings, config.vocab, self.cache, limits=config.limits
        )
        for problem in sorted(problems):
            print(problem, file=sys.stderr)
        if any(p.severity == "error" for p in problems):
            return 1
        if self.dates is None:  # commit dates do not change while one edits
            self.dates = commit_dates(project, loaded)
        catalog = build_catalog(project, config, loaded, updated=self.dates)
        run = Render(catalog, self.templates, project.src)
        # 1. the edited mapping's pages: built, and shown (``ready``), while the aggregate pages render
        first = self._start_sphinx(run.mapping_pages(workers=1))
        outcome: dict = {}

        def show() -> None:
            outcome["failed"] = self._wait(first)
            outcome["shown"] = time.perf_counter() - start
            if first and not outcome["failed"]:
                ready()

        waiter = threading.Thread(target=show, daemon=True)
        waiter.start()
        later = run.aggregates(workers=1)
        staging = staging_dir(project)
        self._finish_exports()  # the last edit's, if still being written
        self.cache.save(keep={str(item.path) for item in loaded})
        write_root_index(staging, config.language_names)
        waiter.join()
        # 2. the tables, index and status pages, when the edit changed them
        failed = outcome["failed"] | self._wait(self._start_sphinx(later))
        if later.removed:
            for lang in self.residents:
                prune_orphans(staging / lang, project.src / lang)
        if failed:
            return 1
        shown = outcome["shown"]
        if not first:
            ready()
            shown = time.perf_counter() - start
        # the exports (mappings.json & co.) follow in the background: no page waits for them
        self.exports = threading.Thread(target=write_exports, args=(catalog, staging), daemon=True)
        self.exports.start()
        self.last_shown = shown
        print(
            f"apimap serve: {len(first)} language(s) rebuilt; pages ready in {shown:.2f} s",
            file=sys.stderr,
        )
        return 0

    def _start_sphinx(self, stats) -> list[ResidentSphinx]:
        """Start a build in every language with a page written or removed; the residents started."""
        src = self.project.src
        by_lang: dict[str, list[str]] = {}
        for path in stats.written + stats.removed:
            lang, *rest = path.relative_to(src).parts
            by_lang.setdefault(lang, []).append("/".join(rest))
        busy = []
        for lang, paths in sorted(by_lang.items()):
            if lang not in self.residents:
                continue
            # only pages changed, none removed: Sphinx is told which (it looks itself for a new one)
            pages = not stats.removed and all(p.endswith(".md") for p in paths)
            self.residents[lang].start_build([p[: -len(".md")] for p in paths] if pages else None)
            busy.append(self.residents[lang])
        return busy

    def _wait(self, busy: list[ResidentSphinx]) -> bool:
        """Wait for the builds; True when one failed (its warnings printed)."""
        failed = False
        for resident in busy:
            answer = resident.result()
            self.sphinx_seconds[resident.lang] = answer["seconds"]
            if answer["warnings"].strip():
                print(answer["warnings"].rstrip(), file=sys.stderr)
            failed |= not answer["ok"]
        return failed
