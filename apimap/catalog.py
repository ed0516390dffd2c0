"""The catalog: everything one command knows about the project, gathered once and frozen.

Built after load+validate from conf/ (``Config``), the validated mappings, every results file the execute and
check stages left in site/_build/, and each file's last commit date. Render and export read it and nothing
else; neither imports the other, and neither writes back into it.
"""

from __future__ import annotations

import subprocess
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from .config import Config
from .project import Project
from .results import (
    CHECK_RESULTS,
    DOCTEST_RESULTS,
    WORST_FIRST,
    ApiSurvey,
    CheckResults,
    DoctestResults,
    read_check_results,
    read_doctest_results,
    read_matrix,
    read_surveys,
    worst,
)
from .validate import Loaded
from .vocab import Vocab

# probe outcomes that are divergences, in the order the divergences page lists them
DIVERGENT = ("differ", "unstable", "mindspore_raises", "no_kernel", "torch_raises", "lost")
MAPS_DIR = "maps"  # mapping pages, under each language of the site
TABLES_DIR = "tables"  # one summary table per torch module


def module_of(api: str) -> str:
    return api.rsplit(".", 1)[0]


@dataclass(frozen=True)
class ApiChange:
    """One step of a MindSpore API's history: ``present``/``absent`` on the oldest surveyed release, then
    ``added``, ``removed`` or ``changed`` (from ``before`` to ``signature``) on a later one."""

    version: str
    kind: str
    signature: str = ""
    before: str = ""


_UNSURVEYED = object()


@dataclass(frozen=True)
class ReleaseStatus:
    """One mapping on one MindSpore release: its status, and (what, first line of the message) per failure."""

    version: str
    status: str
    failures: tuple[tuple[str, str], ...] = ()


def _namespace_tag(item: Loaded) -> str:
    """A page tag from the MindSpore API's namespace: 'mindspore.ops.gather' -> 'ops', 'mindspore.Tensor.add'
    -> 'tensor', 'mindspore.experimental.optim.AdamW' -> 'optim'; 'none' for a missing counterpart."""
    if item.mapping.mindspore is None:
        return "none"
    parts = item.mapping.mindspore.api.split(".")
    return (parts[-2] if len(parts) > 2 else parts[0]).lower()


def recommended_of(same: list[Loaded], vocab: Vocab) -> Loaded | None:
    """Of the counterparts of one torch API, the one to reach for first: the one marked ``recommended``, else
    the only one with the closest category (lowest in conf/categories.yaml) that runs here (no ``requires``);
    None for a single mapping or a tie."""
    if len(same) < 2:
        return None
    marked = [x for x in same if x.mapping.recommended]
    if marked:
        return marked[0]
    runnable = [x for x in same if x.mapping.requires is None and x.mapping.mindspore]
    rank = {x.rel: vocab.categories[x.mapping.category].priority for x in runnable}
    closest = [x for x in runnable if rank[x.rel] == min(rank.values(), default=None)]
    return closest[0] if len(closest) == 1 else None


def by_plain_slug(items) -> dict[str, list[Loaded]]:
    """The mappings of each torch API's plain URL ('torch.gather': gather.yaml, gather@mint.yaml, ...)."""
    groups: dict[str, list[Loaded]] = defaultdict(list)
    for item in items:
        groups[item.plain_slug].append(item)
    return groups


def place_pages(loaded, vocab: Vocab) -> list[Loaded]:
    """Give each mapping its page name. Where a torch API has several counterparts, its plain URL belongs to
    the recommended one (``recommended_of``), or to a chooser on a tie: the plain file, when it is not the
    recommended one, moves to ``<api>@<namespace tag>`` (the MindSpore API's last name appended if taken)."""
    loaded = list(loaded)
    groups = by_plain_slug(loaded)
    best = {slug: recommended_of(group, vocab) for slug, group in groups.items()}
    taken = {item.file_slug for item in loaded}
    placed = []
    for item in loaded:
        group = groups[item.plain_slug]
        if len(group) < 2:
            placed.append(item)
            continue
        if item is best[item.plain_slug]:
            placed.append(replace(item, page=item.plain_slug))
        elif item.file_slug == item.plain_slug:
            page = f"{item.plain_slug}@{_namespace_tag(item)}"
            if page in taken:
                page = f"{page}.{item.mapping.mindspore.api.rsplit('.', 1)[-1]}"
            taken.add(page)
            placed.append(replace(item, page=page))
        else:
            placed.append(item)
    return placed


@dataclass
class CoverageRow:
    """One module of the work list (``Catalog.coverage``)."""

    module: str
    pairs: int = 0
    mapped: int = 0  # pairs with a file of their own
    passed: int = 0  # of those, every example part and probe call passed here
    not_here: int = 0  # of those, needing what this machine lacks (a CPU kernel, a cluster)


@dataclass(frozen=True)
class Catalog:
    config: Config
    mappings: tuple[Loaded, ...]  # sorted by slug
    doctest: DoctestResults = field(default_factory=DoctestResults)
    check: CheckResults = field(default_factory=CheckResults)
    # rel -> "YYYY-MM-DD" of the file's last commit
    updated: dict[str, str] = field(default_factory=dict)
    # MindSpore version -> the run on that release (results.read_matrix), oldest first
    matrix: dict[str, DoctestResults] = field(default_factory=dict)
    # MindSpore version -> its view of the mapped MindSpore APIs (results.read_surveys), oldest first
    surveys: dict[str, ApiSurvey] = field(default_factory=dict)
    # rel -> its probe's calls, planned on first use (a cache, not part of what the catalog is)
    _plans: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, config: Config, loaded, **results) -> Catalog:
        """A catalog of ``loaded`` in page order (by slug), with optional results (doctest, check, updated).

        An API's plain URL (``maps/torch.gather``) is its recommended counterpart's page, or a chooser when
        none is (``place_pages``)."""
        placed = place_pages(loaded, config.vocab)
        return cls(config, tuple(sorted(placed, key=lambda x: x.slug)), **results)

    def choosers(self) -> list[tuple[str, list[Loaded]]]:
        """(plain slug, counterparts) of every torch API whose plain URL is a chooser: several counterparts,
        none of them recommended."""
        return [
            (slug, self.counterparts(items[0]))
            for slug, items in sorted(by_plain_slug(self.mappings).items())
            if len(items) > 1 and recommended_of(items, self.vocab) is None
        ]

    @property
    def vocab(self) -> Vocab:
        return self.config.vocab

    @property
    def languages(self):
        return self.config.languages

    def strings(self, lang: str) -> dict[str, str]:
        return self.config.strings_for(lang)

    def edit_url(self, rel: str) -> str:
        """Where a person edits mappings/<rel>, or "" when conf/site.yaml names no repository."""
        pattern = self.config.edit_url
        return pattern.format(path=f"mappings/{rel}") if pattern else ""

    def status(self, item: Loaded, run: DoctestResults | None = None) -> str:
        """The worst status of a mapping's examples and probe calls in ``run`` (default: the site's main
        results; see results.WORST_FIRST); 'not_run' without results."""
        run = self.doctest if run is None else run
        if not run.present:
            return "not_run"
        statuses = [run.example_status(item.rel, ex.id) for ex in item.mapping.examples]
        ran = run.probes_for(item.rel)
        statuses += [ran[c.id].status if c.id in ran else "not_run" for c in self.probe_calls(item)]
        return worst(statuses) if statuses else "not_run"

    def api_history(self, item: Loaded) -> list[ApiChange]:
        """How the mapping's MindSpore API changed across the surveyed releases, oldest first: its first state,
        then one entry per release where it appeared, disappeared or changed its signature. [] with fewer than
        two surveys or without a MindSpore API."""
        declared = item.mapping.mindspore
        if declared is None or len(self.surveys) < 2:
            return []
        changes, previous = [], _UNSURVEYED
        for version, survey in self.surveys.items():
            if declared.api not in survey.apis:
                continue  # not surveyed there
            now = survey.apis[declared.api]
            if previous is _UNSURVEYED:
                changes.append(
                    ApiChange(version, "absent" if now is None else "present", now or "")
                )
            elif now is None and previous is not None:
                changes.append(ApiChange(version, "removed"))
            elif now is not None and previous is None:
                changes.append(ApiChange(version, "added", now))
            elif _spacing(now) != _spacing(previous or ""):  # "->Tensor" and "-> Tensor" are one
                changes.append(ApiChange(version, "changed", now, previous or ""))
            previous = now
        return changes

    def release_statuses(self, item: Loaded) -> list[ReleaseStatus]:
        """The mapping on each MindSpore release of the matrix, oldest first: its status there and what failed."""
        out = []
        for version, run in self.matrix.items():
            failures = [
                (
                    f"{p.example}[{p.part}]" if p.part != "probe" else p.example,
                    run.headline(p.message),
                )
                for p in run.failed_for(item.rel)
            ]
            out.append(ReleaseStatus(version, self.status(item, run), tuple(failures)))
        return out

    def status_rows(self) -> list[tuple[int, Loaded]]:
        """Every mapping with the rank of its status (results.WORST_FIRST), the worst first, then by file."""
        ranked = [
            (WORST_FIRST.index(s) if (s := self.status(x)) in WORST_FIRST else 0, x)
            for x in self.mappings
        ]
        return sorted(ranked, key=lambda r: (r[0], r[1].rel))

    def part_counts(self, item: Loaded) -> dict[str, int]:
        """{status: how many} of a mapping's example parts and probe calls in the site's main run, in
        results.WORST_FIRST order; {} without results."""
        run = self.doctest
        found = [
            p.status
            for ex in item.mapping.examples
            for p in run.for_example(item.rel, ex.id).values()
        ] + [p.status for p in run.probes_for(item.rel).values()]
        return {s: found.count(s) for s in WORST_FIRST if s in found}

    def failures(self, item: Loaded) -> list[str]:
        """What did not pass in the site's main run, one short text each: ``basic[mindspore]: <headline>``."""
        run = self.doctest
        out = []
        for p in run.failed_for(item.rel):
            what = f"{p.example}[{p.part}]" if p.part != "probe" else p.example
            out.append(f"{what}: {run.headline(p.message)}" if p.message else what)
        return out

    def example_status(self, item: Loaded, example: str) -> str:
        return self.doctest.example_status(item.rel, example) if self.doctest.present else "not_run"

    def probe_calls(self, item: Loaded) -> list:
        """The calls of a mapping's probe (apimap.probe.plan): call patterns, then edge cases; [] without one."""
        if item.mapping.probe is None:
            return []
        if (
            item.rel not in self._plans
        ):  # pages in two languages, the divergences page and the export
            from .probe.plan import plan

            self._plans[item.rel] = list(plan(item.mapping).calls)
        return self._plans[item.rel]

    def divergent_calls(self, item: Loaded) -> int:
        """How many of a mapping's probe calls part ways (an outcome in ``DIVERGENT``)."""
        ran = self.doctest.probes_for(item.rel)
        return sum(
            1 for c in self.probe_calls(item) if c.id in ran and ran[c.id].outcome in DIVERGENT
        )

    def divergences(self) -> list[tuple[str, list]]:
        """Every probe call where the frameworks part ways, by outcome (``DIVERGENT`` order): [(outcome,
        [(item, call, result), ...])]. Both raising is agreement (neither accepts the call), not listed."""
        found: dict[str, list] = {kind: [] for kind in DIVERGENT}
        for item in self.mappings:
            ran = self.doctest.probes_for(item.rel)
            for call in self.probe_calls(item):
                result = ran.get(call.id)
                if result is not None and result.outcome in found:
                    found[result.outcome].append((item, call, result))
        return [(kind, rows) for kind, rows in found.items() if rows]

    def page_path(self, item: Loaded, lang: str, suffix: str = ".html") -> str:
        """A mapping page's path from the site root, e.g. ``en/maps/torch.optim.Adam.html``."""
        return f"{lang}/{MAPS_DIR}/{item.slug}{suffix}"

    def doc_links(self, item: Loaded, text_lang: str) -> dict[str, str]:
        """``{"torch": url, "mindspore": url}``: each side's documentation page in one text language."""
        links = {}
        for key in ("torch", "mindspore"):
            side = getattr(item.mapping, key)
            if side is not None:
                links[key] = side.url or self.vocab.frameworks[key].doc_url_for(
                    side.api, text_lang, side.version
                )
        return links

    def counterparts(self, item: Loaded) -> list[Loaded]:
        """Every mapping of ``item``'s torch API (itself included): the recommended one first, then the plain
        file (``gather.yaml``) and the tagged ones (``gather@mint.yaml``) by name."""
        same = self._by_torch_api[item.mapping.torch.api]
        best = self.recommended(item)
        return sorted(same, key=lambda x: (x is not best, "@" in x.rel, x.rel))

    def recommended(self, item: Loaded) -> Loaded | None:
        """The counterpart of ``item``'s torch API to reach for first (``recommended_of``)."""
        return recommended_of(self._by_torch_api[item.mapping.torch.api], self.vocab)

    @cached_property
    def _by_torch_api(self) -> dict[str, list[Loaded]]:
        groups: dict[str, list[Loaded]] = defaultdict(list)
        for x in self.mappings:
            groups[x.mapping.torch.api].append(x)
        return groups

    def coverage(self) -> list[CoverageRow]:
        """Per module of conf/worklist.csv (MindSpore's own tables): its pairs, how many have a file of their
        own (that torch API with that MindSpore API), how many of those pass here, and how many cannot run
        here (``requires``). [] without a work list."""
        by_pair = {
            (x.mapping.torch.api, x.mapping.mindspore.api): x
            for x in self.mappings
            if x.mapping.mindspore is not None
        }
        rows: dict[str, CoverageRow] = {}
        for pair in self.config.worklist:
            row = rows.setdefault(pair.module, CoverageRow(pair.module))
            row.pairs += 1
            item = by_pair.get((pair.torch_api, pair.mindspore_api))
            if item is None:
                continue
            row.mapped += 1
            if item.mapping.requires is not None:
                row.not_here += 1
            elif self.status(item) == "passed":
                row.passed += 1
        return sorted(rows.values(), key=lambda r: r.module)

    def by_module(self) -> list[tuple[str, list[Loaded]]]:
        groups: dict[str, list[Loaded]] = defaultdict(list)
        for item in self.mappings:
            groups[module_of(item.mapping.torch.api)].append(item)
        return sorted(groups.items())


def build_catalog(
    project: Project,
    config: Config,
    loaded: list[Loaded],
    *,
    dates: bool = True,
    updated: dict[str, str] | None = None,
) -> Catalog:
    """The catalog of a validated tree: results files from ``project.build``, commit dates from git (only
    when every mapping is one of the project's own files), or ``updated`` when the caller has them."""
    if updated is None:
        updated = commit_dates(project, loaded) if dates else {}
    return Catalog.of(
        config,
        loaded,
        doctest=(main := read_doctest_results(project.build / DOCTEST_RESULTS)),
        check=read_check_results(project.build / CHECK_RESULTS),
        matrix=read_matrix(project.build, main),
        surveys=read_surveys(project.build),
        updated=updated,
    )


def commit_dates(project: Project, loaded: list[Loaded]) -> dict[str, str]:
    """``last_commit_dates`` when every mapping is one of the project's own files, else {}."""
    root = project.mappings.resolve()
    own = loaded and all(item.path.is_relative_to(root) for item in loaded)
    return last_commit_dates(loaded) if own else {}


def last_commit_dates(loaded) -> dict[str, str]:
    """{rel: "YYYY-MM-DD"} of each mapping file's last commit, from ONE ``git log``; {} without git or history."""
    roots = {item.path.parents[len(Path(item.rel).parts) - 1] for item in loaded}
    if len(roots) != 1:
        return {}
    root = roots.pop()
    try:
        out = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "log",
                "--format=%x00%cs",
                "--name-only",
                "--no-renames",
                "--relative",
                "--",
                ".",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
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


def _spacing(signature: str) -> str:
    """A signature's text without spaces, so a release that only reformats it is no change."""
    return "".join(signature.split())
