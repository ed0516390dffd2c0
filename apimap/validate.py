"""Load mapping files into validated ``Mapping`` models, reporting every problem as ``file:line: key.path: message``."""

from __future__ import annotations

import doctest
import hashlib
import os
import pickle
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from . import pool
from .model import Mapping
from .problems import Problem, ProblemsError, did_you_mean, format_path
from .schema_errors import pydantic_problems
from .schema_errors import short as _short
from .schema_errors import typename as _typename
from .vocab import Vocab
from .yamlsource import LineMap, read_yaml

_DOCTEST = doctest.DocTestParser()


@dataclass(frozen=True)
class Loaded:
    """A validated mapping with where it came from."""

    mapping: Mapping
    path: Path  # absolute
    rel: str  # path relative to the mappings root, with "/" separators, e.g. "torch/optim/Adamax.yaml"
    display: str  # how problems name the file, e.g. "mappings/torch/optim/Adamax.yaml"
    lines: LineMap
    warnings: tuple[Problem, ...] = ()  # e.g. rows an importer flagged for review
    page: str | None = None  # the page name the catalog gave it, when not its file's (Catalog.of)

    @property
    def file_slug(self) -> str:
        """The file's page name: 'torch/optim/Adam@mint.yaml' -> 'torch.optim.Adam@mint'."""
        return self.rel[: -len(".yaml")].replace("/", ".")

    @property
    def plain_slug(self) -> str:
        """The page name of its torch API, whichever counterpart: 'torch.optim.Adam'."""
        return self.file_slug.split("@")[0]

    @property
    def slug(self) -> str:
        """The page's name: its file's, unless the catalog moved it off its API's plain URL."""
        return self.page or self.file_slug

    @property
    def anchor(self) -> str:
        return anchor_of(self.slug)


def anchor_of(slug: str) -> str:
    """A page's Sphinx label: labels ignore case, so a slug with capitals gets a suffix that keeps
    torch.Tensor.T and torch.Tensor.t apart ('torch-tensor-t-6d1f3c')."""
    base = slug.replace(".", "-").lower()
    if slug == slug.lower():
        return base
    return f"{base}-{hashlib.sha1(slug.encode()).hexdigest()[:6]}"


def load_file(path: Path, root: Path | None, vocab: Vocab, display: str | None = None) -> Loaded:
    """Read and validate one file; raise ``ProblemsError`` listing all problems in it."""
    path = Path(path).resolve()
    display = display or _display(path, root)
    data, lines = read_yaml(path, display)
    if not isinstance(data, dict):
        raise ProblemsError(
            [
                Problem(
                    display,
                    1,
                    "",
                    f"expected a mapping of keys at the top level, got {_typename(data)}",
                )
            ]
        )
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        raise ProblemsError(sorted(pydantic_problems(exc, data, lines, display, Mapping))) from None
    rel = _rel(path, root)
    problems = list(semantic_problems(mapping, rel, vocab, lines, display))
    if rel is None:  # a file outside the mappings tree: validated, but named after its API
        rel = mapping.torch.api.replace(".", "/") + ".yaml"
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ProblemsError(sorted(errors))
    return Loaded(
        mapping, path, rel, display, lines, tuple(p for p in problems if p.severity != "error")
    )


def load_tree(
    paths: Iterable[Path], root: Path | None, vocab: Vocab, cache=None, limits=None
) -> tuple[list[Loaded], list[Problem]]:
    """Load many files; never stops at the first bad one. Returns the good ones and all problems.

    Each file's path is checked against its API relative to ``root``, or (``root=None``) relative to the
    nearest folder above it named ``mappings``. ``limits`` (conf/site.yaml's) bounds how many files and
    bytes are read at all.
    """
    loaded: list[Loaded] = []
    todo: list[tuple[Path, Path | None, bytes | None]] = []
    files, problems = expand(paths)
    if limits is not None and (over := _over_limits(files, limits, root)):
        return [], problems + [over]
    for path in sorted(set(files)):
        file_root = root or mappings_root(path)
        data = _read_for_cache(path) if cache is not None else None
        hit = cache.get(path, file_root, data) if data is not None else None
        if hit is not None:
            loaded.append(hit)
            problems.extend(hit.warnings)
        else:
            todo.append((path, file_root, data))
    for (path, file_root, data), outcome in zip(todo, _load_many(todo, vocab), strict=False):
        blob = None
        # a Loaded, pickled by a worker: unpickle it, and cache the bytes as they are
        if isinstance(outcome, bytes):
            blob, outcome = outcome, pickle.loads(outcome)
        if isinstance(outcome, Loaded):
            loaded.append(outcome)
            problems.extend(outcome.warnings)
            if data is not None:
                cache.put(path, file_root, data, outcome, blob)
        else:
            problems.extend(outcome)
    problems.extend(duplicate_pairs(loaded))
    dupes = {(p.file) for p in problems if p.message.startswith("same pair as")}
    loaded = [item for item in loaded if item.display not in dupes]
    return loaded, problems


def _over_limits(files: list[Path], limits, root: Path | None) -> Problem | None:
    where = _display(root, None) if root else "mappings"
    if len(files) > limits.max_mappings:
        return Problem(
            where,
            1,
            "",
            f"{len(files):,} mapping files; the limit is {limits.max_mappings:,} "
            "(conf/site.yaml limits.max_mappings)",
        )
    total = sum(p.stat().st_size for p in files if p.is_file())
    if total > limits.max_total_mb * 2**20:
        return Problem(
            where,
            1,
            "",
            f"mapping files hold {total / 2**20:,.0f} MB; the limit is "
            f"{limits.max_total_mb:,} MB (conf/site.yaml limits.max_total_mb)",
        )
    return None


def _load_one(path: Path, root: Path | None, vocab: Vocab) -> Loaded | list[Problem]:
    try:
        return load_file(path, root, vocab)
    except ProblemsError as exc:
        return exc.problems


def _load_chunk(chunk: list[tuple[Path, Path | None]], vocab: Vocab) -> list:
    return [_load_one(path, root, vocab) for path, root in chunk]


def _load_many(todo: list[tuple[Path, Path | None, bytes | None]], vocab: Vocab) -> Iterable:
    """Validate files, yielding outcomes in order; a large cold tree is spread over the cores (workers inherit
    the vocabulary). Small chunks let the caller unpickle early results while the workers do the rest."""
    jobs = [(path, root) for path, root, _ in todo]
    workers = pool.workers_for(len(jobs))
    if workers == 1:
        yield from _load_chunk(jobs, vocab)
        return
    size = max(25, -(-len(jobs) // (workers * 16)))
    for part in pool.fork_imap(
        _load_chunk_with_vocab,
        [(jobs[i : i + size], vocab) for i in range(0, len(jobs), size)],
        workers,
    ):
        yield from part


def _load_chunk_with_vocab(args) -> list:
    """In a worker: each good file comes back as its pickle (see ``ValidationCache``), problems as they are."""
    return [
        pickle.dumps(o, protocol=pickle.HIGHEST_PROTOCOL) if isinstance(o, Loaded) else o
        for o in _load_chunk(*args)
    ]


def _read_for_cache(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.stat().st_size <= 1_000_000 else None
    except OSError:
        return None


def mappings_root(path: Path) -> Path | None:
    """The nearest folder above ``path`` named ``mappings`` (the tree the file's path is checked against)."""
    for parent in Path(path).resolve().parents:
        if parent.name == "mappings":
            return parent
    return None  # a loose file: validated, but its path is not checked


def expand(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """The mapping files named by ``paths`` (files, or folders walked for ``*.yaml``), resolved.

    In a folder, hidden entries (``.git``, ``.cache``) are judged relative to that folder, so a project that
    itself lives under a hidden folder is still read. An entry that resolves outside the folder it was found
    in (a symlink to /etc/shadow, or to another tree) is a problem and is never read. A folder with no mapping
    file at all is a problem too: a misplaced step must not pass on nothing.
    """
    files: list[Path] = []
    problems: list[Problem] = []
    for p in paths:
        p = Path(p)
        if not p.is_dir():
            files.append(p.resolve())
            continue
        top = p.resolve()
        found = refused = 0
        for dirpath, dirnames, filenames in os.walk(p):  # never follows symlinked folders
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            # os.walk never enters a symlinked folder, so only a link itself can lead outside ``top``
            real_dir = top / os.path.relpath(dirpath, p)
            for name in [*dirnames, *filenames]:
                is_dir = name in dirnames
                if name.startswith(".") or not (is_dir or name.endswith(".yaml")):
                    continue
                entry = os.path.join(dirpath, name)
                if os.path.islink(entry):
                    real = Path(entry).resolve()
                    if not real.is_relative_to(top):
                        problems.append(
                            Problem(
                                _display(Path(entry), None),
                                1,
                                "",
                                f"resolves outside {_display(p, None)} (a symbolic link?); not read",
                            )
                        )
                        refused += 1
                        if is_dir:
                            dirnames.remove(name)
                        continue
                else:
                    real = real_dir / name
                if not is_dir and os.path.isfile(entry):
                    files.append(real)
                    found += 1
        if not found and not refused:
            problems.append(
                Problem(
                    _display(p, None), 1, "", "no mapping files (*.yaml) here; nothing to check"
                )
            )
    return files, problems


def duplicate_pairs(loaded: list[Loaded]) -> Iterable[Problem]:
    first: dict[tuple[str, str | None], Loaded] = {}
    for item in sorted(loaded, key=lambda x: x.rel):
        key = (
            item.mapping.torch.api,
            item.mapping.mindspore.api if item.mapping.mindspore else None,
        )
        if key in first:
            other = first[key]
            yield Problem(
                item.display,
                item.lines.line(("torch", "api")),
                "torch.api",
                f"same pair as {other.display} ({key[0]} -> {key[1] or 'missing'}); one file per pair",
            )
        else:
            first[key] = item
    recommended: dict[str, Loaded] = {}
    for item in sorted(loaded, key=lambda x: x.rel):
        if not item.mapping.recommended:
            continue
        api = item.mapping.torch.api
        if api in recommended:
            yield Problem(
                item.display,
                item.lines.line(("recommended",)),
                "recommended",
                f"{recommended[api].display} is already the recommended counterpart of {api}; one per torch API",
            )
        else:
            recommended[api] = item


# --- rules that need the vocabulary -------------------------------------------------------------


def semantic_problems(
    m: Mapping, rel: str, vocab: Vocab, lines: LineMap, display: str
) -> Iterable[Problem]:
    """Every rule that needs the vocabulary or the file's place, in the order a reader meets the keys."""

    def at(loc: tuple, message: str, severity: str = "error") -> Problem:
        return Problem(display, lines.line(loc), format_path(loc), message, severity)

    yield from _path_rule(m, rel, at)
    if m.category not in vocab.categories:
        yield at(
            ("category",),
            f"unknown category '{m.category}'{did_you_mean(m.category, vocab.categories)}",
        )
        return
    yield from _counterpart_rule(m, at)
    rows = yield from _param_rules(m, vocab, at)
    yield from _category_rule(m, vocab, rows, at)
    yield from _example_rules(m, lines, display, at)
    yield from _probe_rules(m, vocab, at)
    yield from _requires_rule(m, vocab, at)
    if m.needs_review:
        yield at(("needs_review",), f"needs review: {m.needs_review}", "warning")
    for loc, text in texts(m):
        for message in unsafe_markup(text):
            yield at(loc, message)
    for loc, message in terminology(m, vocab.terminology):
        yield at(loc, message, "warning")
    yield from _placeholder_problems(m, at)


def _requires_rule(m: Mapping, vocab: Vocab, at) -> Iterable[Problem]:
    """``requires`` names a MindSpore side and, for a cluster, one conf/frameworks.yaml knows, shown by an
    example (the runner proves a cluster's need only from examples' MindSpore parts)."""
    if m.requires is None:
        return
    if m.mindspore is None:
        yield at(("requires",), "a missing counterpart requires nothing: remove requires")
        return
    cluster = m.requires.cluster
    if cluster is None:
        return
    known = vocab.frameworks["mindspore"].clusters
    if cluster not in known:
        yield at(
            ("requires", "cluster"),
            f"unknown cluster '{cluster}'{did_you_mean(cluster, known)} (conf/frameworks.yaml clusters)",
        )
    elif not any(ex.mindspore for ex in m.examples):
        yield at(
            ("requires", "cluster"),
            "a cluster's need is shown by an example: add one whose MindSpore part reaches it",
        )


_CODE = re.compile(r"`[^`]*`")


def terminology(m: Mapping, terms) -> Iterable[tuple[tuple, str]]:
    """conf/glossary.yaml applied: where an en text uses a term and its zh text a known wrong rendering of it
    (inline code aside), the zh key path and what the glossary says."""
    pairs = {}
    for loc, text in texts(m):
        pairs.setdefault(loc[:-1], {})[loc[-1]] = _CODE.sub("", text)
    for base, pair in pairs.items():
        en, zh = pair.get("en", ""), pair.get("zh", "")
        for term, right, wrong in terms:
            if not re.search(rf"\b{re.escape(term)}", en, re.I):
                continue
            for bad in wrong:
                if bad in zh:
                    yield (
                        (*base, "zh"),
                        f"'{term}' is {right} in Chinese (conf/glossary.yaml), not {bad}",
                    )


def _probe_rules(m: Mapping, vocab: Vocab, at) -> Iterable[Problem]:
    """A probe section must turn into calls: values in the grammar, every argument with a row, every row that
    cannot be translated with its MindSpore value (apimap.probe.plan). Without examples, the probe must show
    the mapping: its category's difference is in the calls' code (``shown_by_calls``), or a call expects it."""
    if m.probe is None:
        if not m.examples:
            yield at(("examples",), "a mapping needs an example, or a probe that runs the two APIs")
        for i, row in enumerate(m.params):
            if row.since:
                yield at(
                    ("params", i, "since"), "a row's since is proven by its probe call: add a probe"
                )
        return
    from .probe.plan import ProbePlanError, plan

    try:
        calls = plan(m).calls
    except ProbePlanError as exc:
        yield at(exc.path, exc.message)
        return
    ids = {c.id for c in calls}
    for i, row in enumerate(m.params):
        if row.since and not any(f"row-{n}" in ids for n in row.torch_names):
            name = row.torch_names[0] if row.torch_names else "?"
            yield at(
                ("params", i, "since"),
                f"a row's since is proven by its call row-{name}: give probe.args.{name} a value "
                "(optional arguments given in the probe get a row call)",
            )
    category = vocab.categories.get(m.category)
    if m.examples or category is None or category.shown_by_calls:
        return
    if not any(c.expect == "differ" for c in calls):
        yield at(
            ("probe",),
            f"category '{m.category}' claims a difference the calls' code does not show: add an example, "
            "or a call that expects it (probe.expect.<call>: differ)",
        )


def _counterpart_rule(m: Mapping, at) -> Iterable[Problem]:
    """``missing`` and a mindspore section exclude each other."""
    if m.category == "missing" and m.mindspore is not None:
        yield at(
            ("mindspore",),
            "category 'missing' means MindSpore has no counterpart; remove the mindspore section",
        )
    if m.category != "missing" and m.mindspore is None:
        yield at(
            ("category",),
            f"category '{m.category}' needs a mindspore section (use 'missing' when there is no counterpart)",
        )


@dataclass
class _Rows:
    """What the parameter rows imply, for the category rule."""

    strongest: tuple[int, int, str] | None = None  # (priority, row index, relation)
    implied: set = field(default_factory=set)
    unknown_relation: bool = False


def _param_rules(m: Mapping, vocab: Vocab, at):
    """Each row: a known relation, the names its shape allows, no parameter twice, a note where required.
    Returns what the rows imply (``_Rows``)."""
    categories, relations = vocab.categories, vocab.relations
    rows = _Rows()
    seen_names: dict[tuple[str, str, str], int] = {}
    for i, row in enumerate(m.params):
        loc = ("params", i)
        rel_def = relations.get(row.relation)
        if rel_def is None:
            yield at(
                loc + ("relation",),
                f"unknown relation '{row.relation}'{did_you_mean(row.relation, relations)}",
            )
            rows.unknown_relation = True
            continue
        for side, spec in (("torch", rel_def.torch), ("mindspore", rel_def.mindspore)):
            names = row.torch_names if side == "torch" else row.mindspore_names
            if spec == "none" and names:
                yield at(
                    loc + (side,),
                    f"relation '{row.relation}' has no {side} parameter; remove {side}: or change the relation",
                )
            elif spec == "one" and len(names) != 1:
                yield at(
                    loc,
                    f"relation '{row.relation}' needs exactly one {side} parameter, got {len(names)}",
                )
            elif spec == "many" and not names:
                yield at(loc, f"relation '{row.relation}' needs at least one {side} parameter")
            for name in names:
                key = (row.group, side, name)
                if key in seen_names:
                    yield at(
                        loc + (side,),
                        f"{side} parameter '{name}' already has a row (params[{seen_names[key]}])",
                    )
                seen_names.setdefault(key, i)
        if rel_def.note == "required" and row.note is None:
            yield at(loc, f"relation '{row.relation}' needs a note (en and zh) saying what differs")
        if row.needs_review:
            yield at(loc, f"needs review: {row.needs_review}", "warning")
        if m.mindspore is None and rel_def.mindspore != "none":
            yield at(
                loc + ("relation",),
                f"relation '{row.relation}' names a MindSpore parameter, but the category is 'missing'",
            )
        cat = categories[rel_def.implies]
        rows.implied.add(cat.id)
        if rows.strongest is None or cat.priority > rows.strongest[0]:
            rows.strongest = (cat.priority, i, row.relation)
    return rows


def _category_rule(m: Mapping, vocab: Vocab, rows: _Rows, at) -> Iterable[Problem]:
    """The category is at least what the rows imply, and a derivable category needs a row that shows it."""
    categories, relations = vocab.categories, vocab.relations
    declared = categories[m.category]
    if rows.unknown_relation:
        return  # the category cannot be judged until every relation is known
    if rows.strongest and rows.strongest[0] > declared.priority:
        derived = next(c for c in categories.values() if c.priority == rows.strongest[0])
        yield at(
            ("category",),
            f"category '{m.category}' contradicts params[{rows.strongest[1]}] "
            f"(relation '{rows.strongest[2]}' means at least '{derived.id}')",
        )
    elif (floor := _in_place_floor(m, vocab)) and categories[floor].priority > declared.priority:
        yield at(
            ("category",),
            f"{m.torch.api} changes its tensor and {m.mindspore.api} returns a new one: by "
            f"conf/categories.yaml in_place_counterpart the category is at least '{floor}', not "
            f"'{m.category}' (port it as x = x.{m.mindspore.api.rsplit('.', 1)[-1]}(...))",
        )
    elif m.category in vocab.derivable_categories and m.category not in rows.implied:
        needed = sorted(r.id for r in relations.values() if r.implies == m.category)
        yield at(
            ("category",),
            f"category '{m.category}' needs a params row with relation {' or '.join(repr(n) for n in needed)}",
        )


def _in_place_floor(m: Mapping, vocab: Vocab) -> str | None:
    from .probe.plan import is_in_place

    if m.mindspore is None or not vocab.in_place_counterpart:
        return None
    torch_side = is_in_place(m.torch.api, m.torch.kind == "method")
    ms_side = is_in_place(m.mindspore.api, m.mindspore.kind == "method")
    return vocab.in_place_counterpart if torch_side and not ms_side else None


def _example_rules(m: Mapping, lines: LineMap, display: str, at) -> Iterable[Problem]:
    """Unique example ids, and code that parses as doctest."""
    ids: dict[str, int] = {}
    for i, ex in enumerate(m.examples):
        if ex.id in ids:
            yield at(
                ("examples", i, "id"),
                f"duplicate example id '{ex.id}' (also examples[{ids[ex.id]}])",
            )
        ids.setdefault(ex.id, i)
        for part in ("torch", "mindspore"):
            code = getattr(ex, part)
            if code is not None:
                yield from _doctest_problems(code, ("examples", i, part), lines, display)


def texts(m: Mapping) -> Iterable[tuple[tuple, str]]:
    """Every piece of prose in a mapping, with its key path."""
    for lang in ("en", "zh"):
        yield ("summary", lang), getattr(m.summary, lang)
        for i, row in enumerate(m.params):
            if row.note:
                yield ("params", i, "note", lang), getattr(row.note, lang)
        for i, ex in enumerate(m.examples):
            yield ("examples", i, "title", lang), getattr(ex.title, lang)
            if ex.note:
                yield ("examples", i, "note", lang), getattr(ex.note, lang)


_LINK = re.compile(
    r"\]\(\s*<?([^)\s>]+)|^\s*\[[^\]]+\]:\s*<?(\S+?)>?\s*$|<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*)>",
    re.M,
)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_IMAGE = re.compile(r"!\[[^\]]*\]\s*[(\[]")
_DIRECTIVE = re.compile(r"^\s*(`{3,}|~{3,}|:{3,})\s*\{", re.M)
_ROLE = re.compile(r"\{([A-Za-z][\w:-]*)\}`")
SAFE_ROLES = frozenset({"math", "sub", "sup", "kbd", "abbr"})
# TeX commands with which MathJax makes links, classes, ids, styles or raw HTML: never needed in a formula here.
_TEX_UNSAFE = re.compile(r"\\(href|url|class|cssId|style|html|data|unicode|require)\b")


def unsafe_markup(text: str) -> Iterable[str]:
    """Links must be http(s) or relative; MyST directives and roles other than SAFE_ROLES are not allowed in
    prose (a directive can include files or raw HTML). Raw HTML itself is escaped by the renderer."""
    for match in _LINK.finditer(text):
        url = next(g for g in match.groups() if g)
        scheme = _SCHEME.match(url)
        if scheme and scheme.group(1).lower() not in ("http", "https"):
            yield f"link '{_short(url, 40)}' is not allowed; links must be http(s) or relative"
    if _IMAGE.search(text):
        yield (
            "images are not allowed in mapping text (no assets are published with the pages, "
            "and remote ones track readers)"
        )
    if _DIRECTIVE.search(text):
        yield "MyST directives (```{...}) are not allowed in mapping text"
    for role in _ROLE.findall(text):
        if role not in SAFE_ROLES:
            yield f"role {{{role}}} is not allowed in mapping text; allowed: {', '.join(sorted(SAFE_ROLES))}"
    for command in dict.fromkeys(_TEX_UNSAFE.findall(text)):
        yield f"TeX command \\{command} is not allowed in maths (it makes links or markup, not formulas)"


PLACEHOLDER = "TODO:"  # what `apimap new` writes where a person must write text or code


def _placeholder_problems(m: Mapping, at) -> Iterable[Problem]:
    """Text or code still holding a ``TODO:`` placeholder from ``apimap new``: nothing half-written ships."""

    def walk(value, loc: tuple):
        if isinstance(value, str):
            if PLACEHOLDER in value:
                yield at(
                    loc,
                    f"placeholder '{PLACEHOLDER} ...' left from `apimap new`; write the real text",
                )
        elif isinstance(value, dict):
            for key, sub in value.items():
                if key not in ("needs_review", "imported_unplaced"):
                    yield from walk(sub, loc + (key,))
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                yield from walk(sub, loc + (i,))

    # the fast answer for almost every file; walk only to say where
    if PLACEHOLDER in m.model_dump_json():
        yield from walk(m.model_dump(exclude_none=True), ())


_TAG = re.compile(
    r"^[a-z0-9][a-z0-9_-]{0,59}$"
)  # like an example id: it becomes part of URLs and page names


def _path_rule(m: Mapping, rel: str, at) -> Iterable[Problem]:
    """mappings/torch/optim/Adamax.yaml holds torch.optim.Adamax; a second pair may be Adamax@mint.yaml."""
    if rel is None:
        return
    *dirs, stem = rel[: -len(".yaml")].split("/")
    name, _, tag = stem.partition("@")
    if "@" in stem and not _TAG.match(tag):
        yield at(
            ("torch", "api"),
            f"file name tag '@{_short(tag, 40)}' is not a valid tag: lowercase letters, digits, - and _ "
            "(e.g. Adam@mint.yaml)",
        )
        return
    expected = ".".join([*dirs, name])
    if expected != m.torch.api:
        want = "/".join(m.torch.api.split(".")) + ".yaml"
        yield at(
            ("torch", "api"),
            f"file path says '{expected}' but torch.api is '{m.torch.api}'; move the file to mappings/{want}",
        )


def _doctest_problems(code: str, loc: tuple, lines: LineMap, display: str) -> Iterable[Problem]:
    first = lines.text_line(loc)
    try:
        examples = _DOCTEST.get_examples(code, name=display)
    except ValueError as exc:  # doctest says "line N (1-based) of the docstring for X has ..."
        msg = str(exc)
        offset = 0
        if msg.startswith("line "):
            try:
                offset = int(msg.split()[1])
            except ValueError:
                pass
        yield Problem(
            display,
            first + max(offset - 1, 0),
            format_path(loc),
            f"not valid doctest: {msg.split(': ', 1)[-1]}",
        )
        return
    if not examples:
        yield Problem(
            display, first, format_path(loc), "no '>>> ' statements; write the code in doctest form"
        )
        return
    for ex in examples:
        try:
            compile(ex.source, display, "single")
        except SyntaxError as exc:
            yield Problem(
                display,
                first + ex.lineno + max((exc.lineno or 1) - 1, 0),
                format_path(loc),
                f"Python syntax error: {exc.msg}",
            )
            return


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _rel(path: Path, root: Path | None) -> str | None:
    if root is None:
        return None
    try:
        return path.relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return None
