"""Render the catalog into MyST Markdown, one tree per site language.

Pure: the catalog in, Markdown out, and statistics returned. Never imports torch or mindspore.
Writes a file only when its bytes change, so Sphinx rebuilds only what an edit touched.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import markdown as md
from . import pool
from .catalog import MAPS_DIR, TABLES_DIR, Catalog
from .fingerprint import digest, render_inputs
from .results import WORST_FIRST
from .validate import Loaded, anchor_of

DATA_DIR = "_data"  # under site/_build/src/<lang>/: data for the Sphinx extension (not pages)
EXPLORER_DATA = "explorer.json"
SNIPPETS_DATA = (
    "snippets.json"  # page -> the line search results show under its title (one language)
)


class Templates:
    """The Jinja environment over templates/, with apimap's filters and helpers."""

    def __init__(self, templates_dir: Path):
        self.dir = Path(templates_dir)
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.dir)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            auto_reload=False,  # one per render: no stat per page
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(
            cell=md.cell,
            code=md.code,
            fence=md.fence,
            compared=lambda body, other, lang: md.code_block(
                body, lang, md.changed_lines(body, other) if other else []
            ),
            text=lambda s: md.escape_html(md.join_cjk_lines(s)),
            signature=md.pretty_signature,
            first_sentence=first_sentence,
            names=names,
            description=description,
        )
        # Python, not macros: called ~100,000 times at N=5,000
        env.globals.update(badge=badge, page_link=page_link, call_label=call_label)
        self.env = env

    def get(self, name: str) -> jinja2.Template:
        return self.env.get_template(name)


def badge(kind: str, value: str) -> str:
    """The ``apimap-badge`` role (apimap.sphinx_ext) for a category, status or check id."""
    return f"{{apimap-badge}}`{kind}:{value}`"


def call_label(call, t: dict) -> str:
    """How a page names a probe call: its edge case, "`dim` on its own", or its pattern."""
    if call.edge:
        return t[f"edge_{call.edge}"]
    if call.id.startswith("row-"):
        return t["call_row"].format(name=call.id[len("row-") :])
    return t[f"call_{call.id}"]


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


def plain_sentence(text: str) -> str:
    """The first sentence as plain text (no code marks, links reduced to their text)."""
    plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", md.join_cjk_lines(text)).replace("`", "")
    return first_sentence(plain)


def description(text: str) -> str:
    """A page's meta description: ``plain_sentence``, quoted for the YAML front matter."""
    return json.dumps(plain_sentence(text), ensure_ascii=False)


def first_sentence(text: str, limit: int = 160) -> str:
    """The first sentence of a summary, for the one-line table column."""
    flat = " ".join(text.split())
    for stop in ("。", ". ", "！", "? "):
        i = flat.find(stop)
        if 0 < i < limit:
            return flat[: i + len(stop)].strip()
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if cut.count("`") % 2:  # never end inside inline code: the page would show a stray backtick
        cut = cut[: cut.rfind("`")]
    return cut.rstrip() + "…"


MANIFEST = ".apimap-render.json"  # page -> digest of everything the page was rendered from


def render_all(
    catalog: Catalog,
    templates_dir: Path,
    out_root: Path,
    workers: int | None = None,
    templates: Templates | None = None,
) -> RenderStats:
    """Render every page of every language under ``out_root/<lang>/``; remove pages no longer produced.

    A mapping page whose inputs (its model, its results, the templates, conf/ and apimap's code) are unchanged
    since the last render is not rendered again; aggregate pages (tables, index, status) always are, and are
    written only when their bytes change. ``templates`` reuses compiled templates (a resident preview).
    """
    run = Render(catalog, templates or Templates(templates_dir), out_root)
    stats = run.mapping_pages(workers)
    more = run.aggregates(workers)
    stats.written.extend(more.written)
    stats.unchanged += more.unchanged
    stats.removed.extend(more.removed)
    return stats


class Render:
    """One render of a catalog, in two phases: ``mapping_pages`` (the pages whose inputs changed), then
    ``aggregates`` (the pages and data that list every mapping, and the removal of pages no longer produced).
    A preview builds the first phase's pages while the second renders."""

    def __init__(self, catalog: Catalog, templates: Templates, out_root: Path):
        self.catalog, self.templates, self.out_root = catalog, templates, out_root
        self.expected: set[str] = set()

    def mapping_pages(self, workers: int | None = None) -> RenderStats:
        catalog, out_root = self.catalog, self.out_root
        stats = RenderStats()
        manifest_path = out_root / MANIFEST
        try:
            old_manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old_manifest = {}
        manifest: dict[str, str] = {}
        todo = []
        static = render_inputs(self.templates.dir, catalog.config.conf_dir)
        root = str(out_root)
        for item in catalog.mappings:
            key = page_inputs_digest(catalog, item, static)
            pages = [catalog.page_path(item, lang, ".md") for lang in catalog.languages]
            if all(
                old_manifest.get(p) == key and os.path.isfile(os.path.join(root, p)) for p in pages
            ):
                stats.unchanged += len(pages)
            else:
                todo.append(item)
            manifest.update(dict.fromkeys(pages, key))
        self.expected.update(manifest)
        for part, _ in _render_jobs(catalog, self.templates, todo, out_root, workers, False):
            stats.written.extend(part.written)
            stats.unchanged += part.unchanged
        if manifest != old_manifest:
            out_root.mkdir(parents=True, exist_ok=True)
            write_if_changed(
                manifest_path, json.dumps(manifest, sort_keys=True, indent=0), RenderStats()
            )
        return stats

    def aggregates(self, workers: int | None = None) -> RenderStats:
        catalog, out_root = self.catalog, self.out_root
        stats = RenderStats()
        for part, aggregates in _render_jobs(catalog, self.templates, [], out_root, workers, True):
            stats.written.extend(part.written)
            stats.unchanged += part.unchanged
            self.expected.update(aggregates)
        explorer = json.dumps(
            explorer_data(catalog), ensure_ascii=False, separators=(",", ":"), sort_keys=True
        )
        for lang in catalog.languages:
            write_if_changed(out_root / lang / DATA_DIR / EXPLORER_DATA, explorer, stats)
            snippets = json.dumps(
                search_snippets(catalog, lang),
                ensure_ascii=False,
                separators=(",", ":"),
                sort_keys=True,
            )
            write_if_changed(out_root / lang / DATA_DIR / SNIPPETS_DATA, snippets, stats)
        for lang in catalog.languages:
            lang_root = out_root / lang
            if lang_root.exists():
                for old in lang_root.rglob("*.md"):
                    if old.relative_to(out_root).as_posix() not in self.expected:
                        old.unlink()
                        stats.removed.append(old)
        return stats


_MEMO: dict[tuple, tuple[tuple, object]] = {}


def _memo(objects: tuple, compute):
    """``compute()``, remembered for as long as the same objects (frozen records: a mapping's model, a results
    file's record) come back, as they do between the renders of a resident preview."""
    key = tuple(map(id, objects))
    hit = _MEMO.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], objects, strict=True)):
        return hit[1]
    if len(_MEMO) > 50_000:  # objects of long-gone renders
        _MEMO.clear()
    value = compute()
    _MEMO[key] = (objects, value)
    return value


def _model_json(mapping) -> bytes:
    return _memo((mapping,), lambda: mapping.model_dump_json().encode())


def page_inputs_digest(catalog: Catalog, item: Loaded, static: str) -> str:
    """Everything one mapping page is rendered from: ``static`` (fingerprint.render_inputs), its model, results."""
    own = static.encode() + b"\0" + item.rel.encode() + b"\0" + _model_json(item.mapping)
    results = _memo(
        (catalog.doctest, item.rel, item.mapping),
        lambda: (
            [
                r.model_dump()
                for ex in item.mapping.examples
                for r in catalog.doctest.for_example(item.rel, ex.id).values()
            ]
            + [r.model_dump() for r in catalog.doctest.probes_for(item.rel).values()]
        ),
    )
    check = catalog.check.files.get(item.rel)
    extra = {
        "page": item.slug,
        "doctest": results,
        "versions": catalog.doctest.versions if results else {},
        "check": check.model_dump() if check else None,
        "updated": catalog.updated.get(item.rel),
        "edit": catalog.edit_url(item.rel),
        # what the page shows of other inputs: the version matrix, and the counterparts box
        "releases": [repr(r) for r in catalog.release_statuses(item)],
        "history": [repr(h) for h in catalog.api_history(item)],
        "counterparts": [
            (x.rel, x.mapping.mindspore.api if x.mapping.mindspore else None, x.mapping.category)
            + (catalog.status(x), x is catalog.recommended(item))
            for x in catalog.counterparts(item)
        ],
    }
    return digest(own + b"\0" + json.dumps(extra, sort_keys=True, default=str).encode())


_FORK_JOB: tuple | None = (
    None  # (catalog, templates, todo, out_root), inherited by forked workers, not pickled
)


def _render_jobs(
    catalog: Catalog,
    templates: Templates,
    todo: list[Loaded],
    out_root: Path,
    workers: int | None,
    aggregates: bool,
) -> list[tuple[RenderStats, list[str]]]:
    """Render the mapping pages in ``todo`` and, with ``aggregates``, every aggregate page; with many pages,
    over a fork pool.

    Jobs are each language's aggregate pages (tables, index, status: they list every mapping) and slices of
    ``todo``; each returns its stats and the aggregate pages it produced (``lang/rel``).
    """
    global _FORK_JOB
    size = len(catalog.mappings) if aggregates else len(todo)  # aggregates read every mapping
    workers = (
        pool.workers_for(size) if workers is None else (workers if size >= pool.MIN_ITEMS else 1)
    )
    # smaller slices even out the load around the aggregate jobs
    slices = 1 if workers == 1 else 2 * workers
    jobs = [("aggregates", lang) for lang in catalog.languages if aggregates] + [
        ("pages", (i, slices)) for i in range(slices) if todo
    ]
    _FORK_JOB = (catalog, templates, todo, out_root)
    try:
        return (
            pool.fork_map(_render_job, jobs, workers)
            if workers > 1
            else [_render_job(job) for job in jobs]
        )
    finally:
        _FORK_JOB = None


def _render_job(job: tuple[str, object]) -> tuple[RenderStats, list[str]]:
    catalog, templates, todo, out_root = _FORK_JOB
    kind, arg = job
    stats = RenderStats()
    if kind == "aggregates":
        rels = []
        for rel, text in aggregate_pages(catalog, templates, arg):
            write_if_changed(out_root / arg / rel, text, stats)
            rels.append(f"{arg}/{rel}")
        return stats, rels
    index, step = arg
    items = todo[index::step]
    for lang in catalog.languages:
        common = _common(catalog, templates, lang)
        for item in items:
            write_if_changed(
                out_root / catalog.page_path(item, lang, ".md"),
                mapping_page(catalog, item, common),
                stats,
            )
    return stats, []


def port_steps(mapping, vocab, text_lang: str) -> list[str]:
    """What porting the call takes, one step per parameter row whose relation has a ``port`` text in
    conf/relations.yaml (renames, defaults to pass, what has no counterpart), in the table's order."""
    from .check.sigparse import parse_signature

    try:
        defaults = {p.name: p.default for p in parse_signature(mapping.torch.signature)}
    except ValueError:
        defaults = {}
    steps = []
    for row in mapping.params:
        relation = vocab.relations.get(row.relation)
        if relation is None or not relation.port:
            continue
        text = relation.port[text_lang]
        default = defaults.get(row.torch_names[0]) if row.torch_names else None
        if "{default}" in text and default in (
            None,
            "None",
        ):  # unknown, or "the framework's choice"
            text = f"`{{torch}}`{'：' if text_lang == 'zh' else ': '}{relation.label[text_lang]}"
        steps.append(
            text.format(
                torch=", ".join(row.torch_names),
                mindspore=", ".join(row.mindspore_names),
                default=default,
            )
        )
    return steps


def mapping_page(catalog: Catalog, item: Loaded, common: dict) -> str:
    return (
        common["templates"]
        .get("mapping.md.j2")
        .render(
            item=item,
            m=item.mapping,
            links=catalog.doc_links(item, common["L"]),
            calls=catalog.probe_calls(item),
            probes=catalog.doctest.probes_for(item.rel),
            steps=port_steps(item.mapping, catalog.vocab, common["L"]),
            **common,
        )
    )


def _common(catalog: Catalog, templates: Templates, lang: str) -> dict:
    return dict(
        t=catalog.strings(lang),
        lang=lang,
        L=catalog.languages[lang].text,
        vocab=catalog.vocab,
        site=catalog,
        MAPS_DIR=MAPS_DIR,
        TABLES_DIR=TABLES_DIR,
        templates=templates,
        # relations whose rows need the porting engineer to act (they have a porting step): listed first
        acting=[r.id for r in catalog.vocab.relations.values() if r.port],
    )


def aggregate_pages(catalog: Catalog, templates: Templates, lang: str):
    """Yield (relative path, Markdown) for the pages that list many mappings: tables, index, status."""
    common = _common(catalog, templates, lang)
    modules = catalog.by_module()
    table = templates.get("module_table.md.j2")
    for module, items in modules:
        yield f"{TABLES_DIR}/{module}.md", table.render(module=module, items=items, **common)
    yield (
        "index.md",
        templates.get("index.md.j2").render(modules=modules, total=len(catalog.mappings), **common),
    )
    chooser = templates.get("chooser.md.j2")
    for slug, items in catalog.choosers():
        yield (
            f"{MAPS_DIR}/{slug}.md",
            chooser.render(
                api=items[0].mapping.torch.api,
                anchor="choose-" + anchor_of(slug),
                items=items,
                **common,
            ),
        )
    yield "general.md", templates.get("general.md.j2").render(**common)
    yield "status.md", templates.get("status.md.j2").render(items=catalog.mappings, **common)
    yield (
        "divergences.md",
        templates.get("divergences.md.j2").render(divergences=catalog.divergences(), **common),
    )


def pages_for(catalog: Catalog, templates_dir: Path, lang: str):
    """Yield (relative path, Markdown) for every page of one language (mapping pages, then aggregates)."""
    templates = Templates(templates_dir)
    common = _common(catalog, templates, lang)
    for item in catalog.mappings:
        yield f"{MAPS_DIR}/{item.slug}.md", mapping_page(catalog, item, common)
    yield from aggregate_pages(catalog, templates, lang)


def explorer_data(catalog: Catalog) -> dict:
    """Everything the landing page's mapping explorer shows, in both languages (read by apimap.sphinx_ext).

    Rows are compact (5,000 of them stay well under a megabyte): t torch API, m MindSpore API ("" if none),
    c category id, s status, p page slug, d how many probe calls diverge, v the MindSpore releases it passed
    on. Modules are derived in the browser from ``t``.
    """
    strings = catalog.config.strings
    statuses = [s for s in WORST_FIRST if f"status_{s}" in strings]
    return {
        "version": 1,
        "categories": [
            {"id": c.id, "label": c.label, "definition": c.definition}
            for c in catalog.vocab.categories.values()
        ],
        "statuses": [{"id": s, "label": strings[f"status_{s}"].model_dump()} for s in statuses],
        # the version matrix, oldest first (empty with fewer than two releases: nothing to choose)
        "releases": list(catalog.matrix) if len(catalog.matrix) > 1 else [],
        "rows": [
            {
                "t": item.mapping.torch.api,
                "m": item.mapping.mindspore.api if item.mapping.mindspore else "",
                "c": item.mapping.category,
                "s": catalog.status(item),
                "p": item.slug,
                "d": catalog.divergent_calls(item),
                "v": [
                    r.version
                    for r in catalog.release_statuses(item)
                    if r.status == "passed" and len(catalog.matrix) > 1
                ],
            }
            for item in catalog.mappings
        ],
    }


def search_snippets(catalog: Catalog, lang: str) -> dict[str, str]:
    """What a search result shows under a mapping page's title: its summary's first sentence, as plain text
    (the search page shows these instead of fetching every result page to cut a snippet out of it)."""
    text_lang = catalog.languages[lang].text
    return {
        f"{MAPS_DIR}/{item.slug}": plain_sentence(getattr(item.mapping.summary, text_lang))
        for item in catalog.mappings
    }


def write_if_changed(path: Path, text: str, stats: RenderStats) -> None:
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        stats.unchanged += 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    stats.written.append(path)
