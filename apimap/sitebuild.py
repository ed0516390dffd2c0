"""Run Sphinx once per language (in parallel processes) and write the language chooser at the root."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import fingerprint
from .interrupts import interrupts_held
from .project import Project

ROOT_INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>apimap: PyTorch → MindSpore API mappings</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{alternates}
<script>
  (function () {{
    var langs = {codes};
    var want = (navigator.languages || [navigator.language || "en"]).map(function (l) {{ return l.toLowerCase(); }});
    for (var i = 0; i < want.length; i++) {{
      if (want[i].indexOf("zh") === 0 && langs.indexOf("zh_CN") >= 0) {{ location.replace("zh_CN/index.html"); return; }}
      if (want[i].indexOf("en") === 0) break;
    }}
    location.replace("en/index.html");
  }})();
</script>
</head><body>
<p>Choose a language / 选择语言:</p>
<ul>{links}</ul>
</body></html>
"""  # noqa: E501 (a script line of the page)


# A static host serves this for any missing path (GitHub Pages: /404.html). A guessed page name becomes a lookup
# in the explorer of the path's language, which says that the page does not exist and offers near matches.
NOT_FOUND = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Page not found · apimap</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<script>
  (function () {{
    var langs = {codes};
    var path = location.pathname;
    var m = path.match(/^(.*?\/)(en|zh_CN)\/(.*)$/);
    var base = m ? m[1] : "/";
    var zh = (navigator.language || "").toLowerCase().indexOf("zh") === 0 && langs.indexOf("zh_CN") >= 0;
    var lang = m ? m[2] : (zh ? "zh_CN" : "en");
    var name = decodeURIComponent(path.split("/").pop() || "").replace(/\.html?$/, "");
    location.replace(base + lang + "/index.html?q=" + encodeURIComponent(name) +
      "&missing=" + encodeURIComponent(decodeURIComponent(path)));
  }})();
</script>
</head><body>
<p>This page does not exist. / 页面不存在。</p>
<ul>{links}</ul>
</body></html>
"""  # noqa: E501 (a script line of the page)


@dataclass
class SphinxRun:
    lang: str
    returncode: int
    output: str
    skipped: bool = False  # nothing Sphinx reads had changed since its last successful run


def sphinx_inputs(project: Project) -> str:
    """Digest of everything except the sources that can change a language's HTML (fingerprint.sphinx_inputs)."""
    conf = project.conf.resolve()
    return fingerprint.sphinx_inputs(
        conf,
        [
            base / "site" / d
            for base in {project.root, conf.parent}
            for d in ("_static", "_templates")
        ],
    )


def _state_file(project: Project, lang: str) -> Path:
    return project.build / "sphinx-state" / f"{lang}.json"


def sphinx_args(project: Project, lang: str, jobs: str = "1", out: Path | None = None) -> list[str]:
    out = out or project.html / lang
    return [
        "-b",
        "html",
        "-q",
        "-W",
        "--keep-going",
        "-j",
        jobs,
        "-c",
        str(project.conf),
        "-D",
        f"language={lang}",
        "-d",
        str(project.build / "doctrees" / lang),
        str(project.src / lang),
        str(out),
    ]


def sphinx_command(
    project: Project, lang: str, jobs: str = "1", out: Path | None = None
) -> list[str]:
    return [sys.executable, "-m", "sphinx", *sphinx_args(project, lang, jobs, out)]


def staging_dir(project: Project) -> Path:
    """Where Sphinx writes. It persists between builds so Sphinx stays incremental; readers never see it."""
    return project.build / "staging"


def _sphinx_env(project: Project) -> dict[str, str]:
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(project.root), os.environ.get("PYTHONPATH")])),
    )


class EarlySphinx:
    """One waiting Sphinx process per language (``apimap.sphinx_worker``), started before validation and
    render so that Sphinx's imports overlap them. ``build_html`` takes the ones it needs; leaving the ``with``
    block ends the rest (a failed validation, a skipped language, an interrupt)."""

    def __init__(self, project: Project, languages: dict[str, str], jobs: str = "1"):
        self.procs: dict[str, subprocess.Popen] = {}
        env = _sphinx_env(project)
        try:
            # a held interrupt is raised as the block ends: the except below then cleans up
            with interrupts_held():
                for lang in languages:
                    cmd = [
                        sys.executable,
                        "-m",
                        "apimap.sphinx_worker",
                        *sphinx_args(project, lang, jobs, staging_dir(project) / lang),
                    ]
                    self.procs[lang] = subprocess.Popen(
                        cmd,
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        text=True,
                        env=env,
                    )
        # the caller never gets this object, so its ``with`` cannot end the workers
        except BaseException:
            self.__exit__()
            raise

    def take(self, lang: str) -> subprocess.Popen | None:
        return self.procs.pop(lang, None)

    def __enter__(self) -> EarlySphinx:
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs.values():
            _stop(proc)
        self.procs.clear()


def _stop(proc: subprocess.Popen) -> None:
    """End a process at once (a waiting worker, or a Sphinx run being interrupted) and reap it."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def build_html(
    project: Project,
    languages: dict[str, str],
    jobs: str = "1",
    extra_files: Callable[[], dict[str, str]] | None = None,
    early: EarlySphinx | None = None,
) -> list[SphinxRun]:
    """Build every language at once (one process each) into the staging tree; publish only if all succeed.

    ``extra_files`` runs while Sphinx works; the files it returns ({name: text}) are published at the root
    beside the language folders, in the same snapshot. ``early`` holds Sphinx processes started in advance.
    A failed or interrupted build leaves the last good site/_build/html untouched.
    """
    staging = staging_dir(project)
    states = {
        lang: {
            "inputs": sphinx_inputs(project),
            "sources": fingerprint.tree_state(project.src / lang),
        }
        for lang in languages
    }
    runs = [
        SphinxRun(lang, 0, "", skipped=True)
        for lang in languages
        if _unchanged(project, lang, states[lang])
    ]
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs = _start(
            project,
            [lang for lang in languages if not any(r.lang == lang for r in runs)],
            jobs,
            early,
        )
        extra = extra_files() if extra_files else {}
        for lang, proc in procs.items():
            output, _ = proc.communicate()
            runs.append(SphinxRun(lang, proc.returncode, output))
            if proc.returncode == 0:
                _state_file(project, lang).parent.mkdir(parents=True, exist_ok=True)
                _state_file(project, lang).write_text(json.dumps(states[lang]), encoding="utf-8")
    finally:  # interrupted: stop every Sphinx process before returning
        for proc in procs.values():
            if proc.poll() is None:
                _stop(proc)
    if all(r.returncode == 0 for r in runs):
        for lang in languages:
            prune_orphans(staging / lang, project.src / lang)
        write_root_index(staging, languages)
        for name, text in extra.items():
            (staging / name).write_text(text, encoding="utf-8")
        publish(staging, project.html)
    return runs


def _unchanged(project: Project, lang: str, state: dict) -> bool:
    """True when nothing Sphinx reads for ``lang`` changed since its last successful run (then it is not run:
    it would find nothing to do, and its start-up is most of an incremental build). Otherwise the old state is
    forgotten, so a failed or interrupted run is never taken for a good one."""
    state_file = _state_file(project, lang)
    try:
        unchanged = json.loads(state_file.read_text(encoding="utf-8")) == state
    except (OSError, ValueError):
        unchanged = False
    if unchanged and (staging_dir(project) / lang / "index.html").is_file():
        return True
    state_file.unlink(missing_ok=True)
    return False


def _start(
    project: Project, langs: list[str], jobs: str, early: EarlySphinx | None
) -> dict[str, subprocess.Popen]:
    """One Sphinx per language: a warm waiting worker from ``early`` when it is alive, else a fresh process."""
    procs: dict[str, subprocess.Popen] = {}
    go = []
    try:
        # an interrupt now would orphan a half-started Sphinx; it is delivered just after
        with interrupts_held():
            for lang in langs:
                waiting = early.take(lang) if early else None
                if waiting is not None and waiting.poll() is None:
                    procs[lang] = waiting
                    go.append(lang)
                    continue
                if waiting is not None:
                    _stop(waiting)  # it died while warming up: reap it and start Sphinx afresh
                cmd = sphinx_command(project, lang, jobs, staging_dir(project) / lang)
                procs[lang] = subprocess.Popen(
                    cmd,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    env=_sphinx_env(project),
                )
            for lang in go:  # start every waiting worker before reading any output
                procs[lang].stdin.write("build\n")
                procs[lang].stdin.flush()
    except BaseException:
        for proc in procs.values():
            if proc.poll() is None:
                _stop(proc)
        raise
    return procs


SPHINX_PAGES = frozenset(
    {"genindex", "search", "py-modindex"}
)  # pages Sphinx makes with no source file


def prune_orphans(out: Path, src: Path) -> list[Path]:
    """Delete the HTML pages in ``out`` whose Markdown source in ``src`` is gone (a deleted mapping, or what a
    failed build left), so that only pages with a source are published. Sphinx itself never deletes them."""
    removed = []
    for page in out.rglob("*.html"):
        rel = page.relative_to(out).as_posix()[: -len(".html")]  # names hold dots: torch.optim.Adam
        if rel.startswith("_") or rel in SPHINX_PAGES:
            continue
        if not (src / f"{rel}.md").is_file():
            page.unlink()
            removed.append(page)
    return removed


def publish(staging: Path, html: Path) -> None:
    """Replace ``html`` by a snapshot of ``staging``; two renames keep the window in which ``html`` is absent
    to microseconds.

    The snapshot copies what Sphinx wrote since the last publish and hard-links every other file to the copy
    already published (same size and mtime: ``copy2`` keeps staging's mtime). Published files are never
    written in place (a publish replaces whole trees), so sharing them between snapshots is safe, and a
    one-page edit publishes in a fraction of the time a full copy takes. Staging itself is kept for the
    next incremental Sphinx run.
    """
    fresh = html.with_name(html.name + ".new")
    old = html.with_name(html.name + ".old")
    for leftover in (fresh, old):
        if leftover.exists():
            shutil.rmtree(leftover)

    def link_or_copy(src: str, dst: str) -> str:
        current = html / os.path.relpath(src, staging)
        try:
            a, b = os.stat(src), os.stat(current)
            if a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns:
                os.link(current, dst)
                return dst
        except OSError:
            pass  # not published yet, or links unsupported here: copy
        return shutil.copy2(src, dst)

    shutil.copytree(
        staging,
        fresh,
        ignore=shutil.ignore_patterns(".doctrees", ".buildinfo.bak"),
        copy_function=link_or_copy,
    )
    if html.exists():
        html.rename(old)
    fresh.rename(html)
    if old.exists():
        shutil.rmtree(old)


def write_root_index(out_root: Path, languages: dict[str, str]) -> None:
    links = "".join(
        f'<li><a href="{code}/index.html" hreflang="{code.replace("_", "-")}">{name}</a></li>'
        for code, name in languages.items()
    )
    alternates = "\n".join(
        f'<link rel="alternate" hreflang="{code.replace("_", "-")}" href="{code}/index.html">'
        for code in languages
    )
    codes = "[" + ", ".join(f'"{c}"' for c in languages) + "]"
    out_root.mkdir(parents=True, exist_ok=True)
    (out_root / "index.html").write_text(
        ROOT_INDEX.format(links=links, alternates=alternates, codes=codes), encoding="utf-8"
    )
    (out_root / "404.html").write_text(NOT_FOUND.format(links=links, codes=codes), encoding="utf-8")
