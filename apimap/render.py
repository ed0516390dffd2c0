"""Render validated mappings into MyST Markdown, one tree per site language.

Pure: models + optional results files in, Markdown out. Never imports torch or mindspore.
Writes a file only when its bytes change, so Sphinx rebuilds only what an edit touched.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import jinja2

from . import markdown as md
from . import pool
from .results import (CHECK_RESULTS, DOCTEST_RESULTS, WORST_FIRST, DoctestResults, read_check_results,
                      read_doctest_results, worst)
from .validate import Loaded
from .vocab import Vocab
from .yamlsource import load_trusted

MAPS_DIR = "maps"
TABLES_DIR = "tables"
DATA_DIR = "_data"  # under site/_build/src/<lang>/: data for the Sphinx extension (not pages)
EXPLORER_DATA = "explorer.json"


def read_ui(conf_dir: Path) -> dict:
    """conf/ui.yaml: the site's languages and every UI string."""
    return load_trusted((Path(conf_dir) / "ui.yaml").read_text(encoding="utf-8"))


@dataclass
class Site:
    """Everything a render needs, gathered once."""

    conf_dir: Path
    templates_dir: Path
    vocab: Vocab
    repo_url: str = ""  # for "edit this mapping" links, e.g. https://example.org/apimap/blob/main
    doctest: DoctestResults = field(default_factory=DoctestResults)
    check: dict = field(default_factory=dict)
    updated: dict[str, str] = field(default_factory=dict)  # rel -> "YYYY-MM-DD" of the file's last commit
    rendered: list[Loaded] = field(default_factory=list)  # what the last render_all rendered (for apimap build's export)

    @cached_property
    def settings(self) -> dict:
        """conf/site.yaml (optional): settings of the published site that are not vocabulary."""
        path = self.conf_dir / "site.yaml"
        return (load_trusted(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}

    def edit_url(self, rel: str) -> str:
        """Where a person edits mappings/<rel>, or "" when no repository is configured."""
        pattern = self.settings.get("edit_url") or (self.repo_url.rstrip("/") + "/{path}" if self.repo_url else "")
        return pattern.format(path=f"mappings/{rel}") if pattern else ""

    @cached_property
    def ui(self) -> dict:
        return read_ui(self.conf_dir)

    @property
    def languages(self) -> dict[str, dict]:
        return self.ui["languages"]

    @cached_property
    def env(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.templates_dir)),
            undefined=jinja2.StrictUndefined, autoescape=False, auto_reload=False,  # one Site per render: no stat per page
            keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        )
        env.filters.update(cell=md.cell, code=md.code, fence=md.fence, text=lambda s: md.escape_html(md.join_cjk_lines(s)),
                           signature=md.pretty_signature, first_sentence=first_sentence, names=names)
        env.globals.update(badge=badge, page_link=page_link)  # Python, not macros: called ~100,000 times at N=5,000
        return env

    def strings(self, lang: str) -> dict[str, str]:
        key = self.languages[lang]["text"]
        merged = {**self.settings.get("strings", {}), **self.ui["strings"]}
        return {name: value[key] for name, value in merged.items()}


def badge(kind: str, value: str) -> str:
    """The ``apimap-badge`` role (apimap.sphinx_ext) for a category, status or check id."""
    return f"{{apimap-badge}}`{kind}:{value}`"


def names(value: str | list[str] | None, none: str) -> str:
    """A parameter cell: one name or several as code spans, ``none`` for an absent side."""
    if value is None:
        return none
    return md.code(value) if isinstance(value, str) else ", ".join(md.code(n) for n in value)


def page_link(item: Loaded, from_dir: str) -> str:
    return f"[{md.code(item.mapping.torch.api)}]({from_dir}{MAPS_DIR}/{item.slug}.md)"


@dataclass
class RenderStats:
    written: list[Path] = field(default_factory=list)
    unchanged: int = 0
    removed: list[Path] = field(default_factory=list)


def load_results(site: Site, build_dir: Path) -> None:
    site.doctest = read_doctest_results(build_dir / DOCTEST_RESULTS)
    site.check = read_check_results(build_dir / CHECK_RESULTS)


def module_of(api: str) -> str:
    return api.rsplit(".", 1)[0]


def first_sentence(text: str, limit: int = 160) -> str:
    """The first sentence of a summary, for the one-line table column."""
    flat = " ".join(text.split())
    for stop in ("。", ". ", "！", "? "):
        i = flat.find(stop)
        if 0 < i < limit:
            return flat[: i + len(stop)].strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


MANIFEST = ".apimap-render.json"  # page -> digest of everything the page was rendered from


def render_all(site: Site, loaded: list[Loaded], out_root: Path, workers: int | None = None) -> RenderStats:
    """Render every page of every language under ``out_root/<lang>/``; remove pages no longer produced.

    A mapping page whose inputs (its model, its results, the templates and conf/) are unchanged since the last
    render is not rendered again; aggregate pages (tables, index, status) always are, and are written only
    when their bytes change.
    """
    stats = RenderStats()
    loaded = sorted(loaded, key=lambda x: x.slug)
    site.rendered = loaded
    if loaded and not site.updated and all(site.conf_dir.parent / "mappings" in item.path.parents for item in loaded):
        site.updated = last_commit_dates(loaded)  # the project's own files only: fixtures render without dates
    manifest_path = out_root / MANIFEST
    try:
        old_manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old_manifest = {}
    manifest: dict[str, str] = {}
    todo = []
    for item in loaded:
        key = page_inputs_digest(site, item)
        pages = [f"{lang}/{MAPS_DIR}/{item.slug}.md" for lang in site.languages]
        if all(old_manifest.get(p) == key and (out_root / p).is_file() for p in pages):
            stats.unchanged += len(pages)
        else:
            todo.append(item)
        manifest.update(dict.fromkeys(pages, key))
    expected = set(manifest)
    for part, aggregates in _render_jobs(site, todo, loaded, out_root, workers):
        stats.written.extend(part.written)
        stats.unchanged += part.unchanged
        expected.update(aggregates)

    explorer = json.dumps(explorer_data(site, loaded), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for lang in site.languages:
        write_if_changed(out_root / lang / DATA_DIR / EXPLORER_DATA, explorer, stats)
    for lang in site.languages:
        lang_root = out_root / lang
        if lang_root.exists():
            for old in lang_root.rglob("*.md"):
                if old.relative_to(out_root).as_posix() not in expected:
                    old.unlink()
                    stats.removed.append(old)
    if manifest != old_manifest:
        out_root.mkdir(parents=True, exist_ok=True)
        write_if_changed(manifest_path, json.dumps(manifest, sort_keys=True, indent=0), RenderStats())
    return stats


_STATIC_FINGERPRINT: dict[str, str] = {}


def static_fingerprint(site: Site) -> str:
    """Digest of what every page depends on: templates, conf/, and the rendering code itself."""
    key = f"{site.templates_dir}|{site.conf_dir}"
    if key not in _STATIC_FINGERPRINT:
        h = hashlib.blake2b(digest_size=16)
        for path in sorted([*Path(site.templates_dir).rglob("*"), *Path(site.conf_dir).glob("*.yaml"),
                            Path(__file__), Path(md.__file__)]):
            if path.is_file():
                h.update(path.as_posix().encode() + b"\0" + path.read_bytes())
        _STATIC_FINGERPRINT[key] = h.hexdigest()
    return _STATIC_FINGERPRINT[key]


def page_inputs_digest(site: Site, item: Loaded) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(static_fingerprint(site).encode())
    h.update(item.rel.encode() + b"\0" + item.mapping.model_dump_json().encode())
    results = [r for ex in item.mapping.examples for r in site.doctest.for_example(item.rel, ex.id).values()]
    extra = {"doctest": results, "versions": site.doctest.versions if results else {},
             "check": site.check.get("files", {}).get(item.rel), "updated": site.updated.get(item.rel), "edit": site.edit_url(item.rel)}
    h.update(json.dumps(extra, sort_keys=True, default=str).encode())
    return h.hexdigest()


_FORK_JOB: tuple | None = None  # (site, todo, loaded, out_root), inherited by forked workers instead of pickled


def _render_jobs(site: Site, todo: list[Loaded], loaded: list[Loaded], out_root: Path,
                 workers: int | None) -> list[tuple[RenderStats, list[str]]]:
    """Render the mapping pages in ``todo`` and every aggregate page; with many pages, over a fork pool.

    Jobs are each language's aggregate pages (tables, index, status: they list every mapping) and slices of
    ``todo``; each returns its stats and the aggregate pages it produced (``lang/rel``).
    """
    global _FORK_JOB
    workers = pool.workers_for(len(todo)) if workers is None else (workers if len(todo) >= pool.MIN_ITEMS else 1)
    slices = 1 if workers == 1 else 2 * workers  # smaller slices even out the load around the aggregate jobs
    jobs = [("aggregates", lang) for lang in site.languages] + [("pages", (i, slices)) for i in range(slices)]
    _FORK_JOB = (site, todo, loaded, out_root)
    try:
        return pool.fork_map(_render_job, jobs, workers) if workers > 1 else [_render_job(job) for job in jobs]
    finally:
        _FORK_JOB = None


def _render_job(job: tuple[str, object]) -> tuple[RenderStats, list[str]]:
    site, todo, loaded, out_root = _FORK_JOB
    kind, arg = job
    stats = RenderStats()
    if kind == "aggregates":
        rels = []
        for rel, text in aggregate_pages(site, loaded, arg):
            write_if_changed(out_root / arg / rel, text, stats)
            rels.append(f"{arg}/{rel}")
        return stats, rels
    index, step = arg
    items = todo[index::step]
    for lang in site.languages:
        common = _common(site, lang)
        for item in items:
            write_if_changed(out_root / lang / MAPS_DIR / f"{item.slug}.md", mapping_page(site, item, common), stats)
    return stats, []


def mapping_page(site: Site, item: Loaded, common: dict) -> str:
    return site.env.get_template("mapping.md.j2").render(item=item, m=item.mapping, links=doc_links(site, item, common["L"]), **common)


def _common(site: Site, lang: str) -> dict:
    return dict(t=site.strings(lang), lang=lang, L=site.languages[lang]["text"], vocab=site.vocab, site=site,
                MAPS_DIR=MAPS_DIR, TABLES_DIR=TABLES_DIR)


def aggregate_pages(site: Site, loaded: list[Loaded], lang: str):
    """Yield (relative path, Markdown) for the pages that list many mappings: tables, index, status."""
    common = _common(site, lang)
    by_module: dict[str, list[Loaded]] = defaultdict(list)
    for item in loaded:
        by_module[module_of(item.mapping.torch.api)].append(item)
    table = site.env.get_template("module_table.md.j2")
    for module, items in sorted(by_module.items()):
        yield f"{TABLES_DIR}/{module}.md", table.render(module=module, items=items, **common)
    yield "index.md", site.env.get_template("index.md.j2").render(modules=sorted(by_module.items()), total=len(loaded), **common)
    yield "status.md", site.env.get_template("status.md.j2").render(items=loaded, **common)


def pages_for(site: Site, loaded: list[Loaded], lang: str):
    """Yield (relative path, Markdown) for every page of one language (mapping pages, then aggregates)."""
    common = _common(site, lang)
    for item in sorted(loaded, key=lambda x: x.slug):
        yield f"{MAPS_DIR}/{item.slug}.md", mapping_page(site, item, common)
    yield from aggregate_pages(site, loaded, lang)


def mapping_status(site: Site, item: Loaded) -> str:
    """The worst status of a mapping's examples (see results.WORST_FIRST); 'not_run' without results."""
    if not site.doctest.present:
        return "not_run"
    return worst(site.doctest.example_status(item.rel, ex.id) for ex in item.mapping.examples)


def explorer_data(site: Site, loaded: list[Loaded]) -> dict:
    """Everything the landing page's mapping explorer shows, in both languages (read by apimap.sphinx_ext).

    Rows are compact (5,000 of them stay well under a megabyte): t torch API, m MindSpore API ("" if none),
    c category id, s status, p page slug. Modules are derived in the browser from ``t``.
    """
    strings = site.ui["strings"]
    statuses = [s for s in WORST_FIRST if f"status_{s}" in strings]
    return {
        "version": 1,
        "categories": [{"id": c.id, "label": c.label, "definition": c.definition} for c in site.vocab.categories.values()],
        "statuses": [{"id": s, "label": strings[f"status_{s}"]} for s in statuses],
        "rows": [
            {"t": item.mapping.torch.api, "m": item.mapping.mindspore.api if item.mapping.mindspore else "",
             "c": item.mapping.category, "s": mapping_status(site, item), "p": item.slug}
            for item in loaded
        ],
    }


def last_commit_dates(loaded: list[Loaded]) -> dict[str, str]:
    """{rel: "YYYY-MM-DD"} of each mapping file's last commit, from ONE ``git log``; {} without git or history."""
    roots = {item.path.parents[len(Path(item.rel).parts) - 1] for item in loaded}
    if len(roots) != 1:
        return {}
    root = roots.pop()
    try:
        out = subprocess.run(["git", "-C", str(root), "log", "--format=%x00%cs", "--name-only", "--no-renames", "--relative", "--", "."],
                             capture_output=True, text=True, timeout=120, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    dates: dict[str, str] = {}
    date = ""
    for line in out.splitlines():
        if line.startswith("\0"):
            date = line[1:].strip()
        elif line.strip() and date:
            dates.setdefault(line.strip(), date)  # newest first: keep the first date seen
    return dates


def doc_links(site: Site, item: Loaded, text_lang: str) -> dict[str, str]:
    links = {}
    for key in ("torch", "mindspore"):
        side = getattr(item.mapping, key)
        if side is not None:
            links[key] = side.url or site.vocab.frameworks[key].doc_url_for(side.api, text_lang, side.version)
    return links


def write_if_changed(path: Path, text: str, stats: RenderStats) -> None:
    data = text.encode("utf-8")
    if path.exists() and _digest(path.read_bytes()) == _digest(data):
        stats.unchanged += 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    stats.written.append(path)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
