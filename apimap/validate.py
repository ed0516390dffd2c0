"""Load mapping files into validated ``Mapping`` models, reporting every problem as ``file:line: key.path: message``."""
from __future__ import annotations

import difflib
import doctest
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pydantic import ValidationError

from . import pool
from .model import Mapping
from .problems import Problem, ProblemsError, did_you_mean, format_path
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

    @property
    def slug(self) -> str:
        """Stable page name: 'torch/optim/Adam@mint.yaml' -> 'torch.optim.Adam@mint'."""
        return self.rel[: -len(".yaml")].replace("/", ".")


def load_file(path: Path, root: Path | None, vocab: Vocab, display: str | None = None) -> Loaded:
    """Read and validate one file; raise ``ProblemsError`` listing all problems in it."""
    path = Path(path).resolve()
    display = display or _display(path, root)
    data, lines = read_yaml(path, display)
    if not isinstance(data, dict):
        raise ProblemsError([Problem(display, 1, "", f"expected a mapping of keys at the top level, got {_typename(data)}")])
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        raise ProblemsError(sorted(_pydantic_problems(exc, data, lines, display))) from None
    rel = _rel(path, root)
    problems = list(semantic_problems(mapping, rel, vocab, lines, display))
    if rel is None:  # a file outside the mappings tree: validated, but named after its API
        rel = mapping.torch.api.replace(".", "/") + ".yaml"
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ProblemsError(sorted(errors))
    return Loaded(mapping, path, rel, display, lines, tuple(p for p in problems if p.severity != "error"))


def load_tree(paths: Iterable[Path], root: Path | None, vocab: Vocab, cache=None) -> tuple[list[Loaded], list[Problem]]:
    """Load many files; never stops at the first bad one. Returns the good ones and all problems.

    Each file's path is checked against its API relative to ``root``, or (``root=None``) relative to the
    nearest folder above it named ``mappings``.
    """
    loaded: list[Loaded] = []
    problems: list[Problem] = []
    todo: list[tuple[Path, Path | None, bytes | None]] = []
    for path in sorted(set(expand(paths))):
        file_root = root or mappings_root(path)
        data = _read_for_cache(path) if cache is not None else None
        hit = cache.get(path, file_root, data) if data is not None else None
        if hit is not None:
            loaded.append(hit)
            problems.extend(hit.warnings)
        else:
            todo.append((path, file_root, data))
    for (path, file_root, data), outcome in zip(todo, _load_many(todo, vocab)):
        blob = None
        if isinstance(outcome, bytes):  # a Loaded, pickled by a worker: unpickle it, and cache the bytes as they are
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
    for part in pool.fork_imap(_load_chunk_with_vocab, [(jobs[i:i + size], vocab) for i in range(0, len(jobs), size)], workers):
        yield from part


def _load_chunk_with_vocab(args) -> list:
    """In a worker: each good file comes back as its pickle (see ``ValidationCache``), problems as they are."""
    return [pickle.dumps(o, protocol=pickle.HIGHEST_PROTOCOL) if isinstance(o, Loaded) else o for o in _load_chunk(*args)]


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


def expand(paths: Iterable[Path]) -> Iterable[Path]:
    for p in paths:
        p = Path(p)
        if p.is_dir():
            yield from (q.resolve() for q in p.rglob("*.yaml") if not any(part.startswith(".") for part in q.parts))
        else:
            yield p.resolve()


def duplicate_pairs(loaded: list[Loaded]) -> Iterable[Problem]:
    first: dict[tuple[str, str | None], Loaded] = {}
    for item in sorted(loaded, key=lambda x: x.rel):
        key = (item.mapping.torch.api, item.mapping.mindspore.api if item.mapping.mindspore else None)
        if key in first:
            other = first[key]
            yield Problem(item.display, item.lines.line(("torch", "api")), "torch.api",
                          f"same pair as {other.display} ({key[0]} -> {key[1] or 'missing'}); one file per pair")
        else:
            first[key] = item


# --- rules that need the vocabulary -------------------------------------------------------------

def semantic_problems(m: Mapping, rel: str, vocab: Vocab, lines: LineMap, display: str) -> Iterable[Problem]:
    def at(loc: tuple, message: str, severity: str = "error") -> Problem:
        return Problem(display, lines.line(loc), format_path(loc), message, severity)

    yield from _path_rule(m, rel, at)
    categories, relations = vocab.categories, vocab.relations
    if m.category not in categories:
        yield at(("category",), f"unknown category '{m.category}'{did_you_mean(m.category, categories)}")
        return
    if m.category == "missing" and m.mindspore is not None:
        yield at(("mindspore",), "category 'missing' means MindSpore has no counterpart; remove the mindspore section")
    if m.category != "missing" and m.mindspore is None:
        yield at(("category",), f"category '{m.category}' needs a mindspore section (use 'missing' when there is no counterpart)")

    strongest = None  # (priority, row index, relation)
    implied = set()
    unknown_relation = False
    seen_names: dict[tuple[str, str, str], int] = {}
    for i, row in enumerate(m.params):
        loc = ("params", i)
        rel_def = relations.get(row.relation)
        if rel_def is None:
            yield at(loc + ("relation",), f"unknown relation '{row.relation}'{did_you_mean(row.relation, relations)}")
            unknown_relation = True
            continue
        for side, spec in (("torch", rel_def.torch), ("mindspore", rel_def.mindspore)):
            names = row.torch_names if side == "torch" else row.mindspore_names
            if spec == "none" and names:
                yield at(loc + (side,), f"relation '{row.relation}' has no {side} parameter; remove {side}: or change the relation")
            elif spec == "one" and len(names) != 1:
                yield at(loc, f"relation '{row.relation}' needs exactly one {side} parameter, got {len(names)}")
            elif spec == "many" and not names:
                yield at(loc, f"relation '{row.relation}' needs at least one {side} parameter")
            for name in names:
                key = (row.group, side, name)
                if key in seen_names:
                    yield at(loc + (side,), f"{side} parameter '{name}' already has a row (params[{seen_names[key]}])")
                seen_names.setdefault(key, i)
        if rel_def.note == "required" and row.note is None:
            yield at(loc, f"relation '{row.relation}' needs a note (en and zh) saying what differs")
        if row.needs_review:
            yield at(loc, f"needs review: {row.needs_review}", "warning")
        if m.mindspore is None and rel_def.mindspore != "none":
            yield at(loc + ("relation",), f"relation '{row.relation}' names a MindSpore parameter, but the category is 'missing'")
        cat = categories[rel_def.implies]
        implied.add(cat.id)
        if strongest is None or cat.priority > strongest[0]:
            strongest = (cat.priority, i, row.relation)

    declared = categories[m.category]
    if unknown_relation:
        pass  # the category cannot be judged until every relation is known
    elif strongest and strongest[0] > declared.priority:
        derived = next(c for c in categories.values() if c.priority == strongest[0])
        yield at(("category",), f"category '{m.category}' contradicts params[{strongest[1]}] "
                                f"(relation '{strongest[2]}' means at least '{derived.id}')")
    elif m.category in vocab.derivable_categories and m.category not in implied:
        needed = sorted(r.id for r in relations.values() if r.implies == m.category)
        yield at(("category",), f"category '{m.category}' needs a params row with relation {' or '.join(repr(n) for n in needed)}")

    ids: dict[str, int] = {}
    for i, ex in enumerate(m.examples):
        if ex.id in ids:
            yield at(("examples", i, "id"), f"duplicate example id '{ex.id}' (also examples[{ids[ex.id]}])")
        ids.setdefault(ex.id, i)
        for part in ("torch", "mindspore"):
            code = getattr(ex, part)
            if code is not None:
                yield from _doctest_problems(code, ("examples", i, part), lines, display)
    if m.needs_review:
        yield at(("needs_review",), f"needs review: {m.needs_review}", "warning")
    for loc, text in texts(m):
        for message in unsafe_markup(text):
            yield at(loc, message)
    yield from _placeholder_problems(m, at)


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


_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)|^\s*\[[^\]]+\]:\s*<?(\S+?)>?\s*$|<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*)>", re.M)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_IMAGE = re.compile(r"!\[[^\]]*\]\s*[(\[]")
_DIRECTIVE = re.compile(r"^\s*(`{3,}|~{3,}|:{3,})\s*\{", re.M)
_ROLE = re.compile(r"\{([A-Za-z][\w:-]*)\}`")
SAFE_ROLES = frozenset({"math", "sub", "sup", "kbd", "abbr"})


def unsafe_markup(text: str) -> Iterable[str]:
    """Links must be http(s) or relative; MyST directives and roles other than SAFE_ROLES are not allowed in
    prose (a directive can include files or raw HTML). Raw HTML itself is escaped by the renderer."""
    for match in _LINK.finditer(text):
        url = next(g for g in match.groups() if g)
        scheme = _SCHEME.match(url)
        if scheme and scheme.group(1).lower() not in ("http", "https"):
            yield f"link '{_short(url, 40)}' is not allowed; links must be http(s) or relative"
    if _IMAGE.search(text):
        yield "images are not allowed in mapping text (no assets are published with the pages, and remote ones track readers)"
    if _DIRECTIVE.search(text):
        yield "MyST directives (```{...}) are not allowed in mapping text"
    for role in _ROLE.findall(text):
        if role not in SAFE_ROLES:
            yield f"role {{{role}}} is not allowed in mapping text; allowed: {', '.join(sorted(SAFE_ROLES))}"


PLACEHOLDER = "TODO:"  # what `apimap new` writes where a person must write text or code


def _placeholder_problems(m: Mapping, at) -> Iterable[Problem]:
    """Text or code still holding a ``TODO:`` placeholder from ``apimap new``: nothing half-written ships."""
    def walk(value, loc: tuple):
        if isinstance(value, str):
            if PLACEHOLDER in value:
                yield at(loc, f"placeholder '{PLACEHOLDER} ...' left from `apimap new`; write the real text")
        elif isinstance(value, dict):
            for key, sub in value.items():
                if key not in ("needs_review", "imported_unplaced"):
                    yield from walk(sub, loc + (key,))
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                yield from walk(sub, loc + (i,))

    if PLACEHOLDER in m.model_dump_json():  # the fast answer for almost every file; walk only to say where
        yield from walk(m.model_dump(exclude_none=True), ())


def _path_rule(m: Mapping, rel: str, at) -> Iterable[Problem]:
    """mappings/torch/optim/Adamax.yaml holds torch.optim.Adamax; a second pair may be Adamax@mint.yaml."""
    if rel is None:
        return
    *dirs, stem = rel[: -len(".yaml")].split("/")
    name = stem.split("@", 1)[0]
    expected = ".".join([*dirs, name])
    if expected != m.torch.api:
        want = "/".join(m.torch.api.split(".")) + ".yaml"
        yield at(("torch", "api"), f"file path says '{expected}' but torch.api is '{m.torch.api}'; move the file to mappings/{want}")


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
        yield Problem(display, first + max(offset - 1, 0), format_path(loc), f"not valid doctest: {msg.split(': ', 1)[-1]}")
        return
    if not examples:
        yield Problem(display, first, format_path(loc), "no '>>> ' statements; write the code in doctest form")
        return
    for ex in examples:
        try:
            compile(ex.source, display, "single")
        except SyntaxError as exc:
            yield Problem(display, first + ex.lineno + max((exc.lineno or 1) - 1, 0), format_path(loc),
                          f"Python syntax error: {exc.msg}")
            return


# --- pydantic errors -> one-line problems --------------------------------------------------------

def _pydantic_problems(exc: ValidationError, data, lines: LineMap, display: str) -> Iterable[Problem]:
    by_loc: dict[tuple, list[dict]] = {}
    for err in exc.errors(include_url=False):
        by_loc.setdefault(_data_loc(err["loc"], data), []).append(err)
    # "categroy: unknown key; did you mean 'category'?" already says what "category: missing" would
    suggested = set()
    for loc, errs in by_loc.items():
        for err in errs:
            if err["type"] == "extra_forbidden":
                parent = _model_at(loc[:-1])
                close = difflib.get_close_matches(str(loc[-1]), list(parent.model_fields) if parent else [], n=1, cutoff=0.6) if loc else []
                if close:
                    suggested.add(loc[:-1] + (close[0],))
    for loc, errs in by_loc.items():
        if loc in suggested and all(e["type"] == "missing" for e in errs):
            continue
        yield Problem(display, lines.line(loc), format_path(loc), _one_message(errs, loc, data))


def _one_message(errs: list[dict], loc: tuple, data) -> str:
    """One message per location: a union (name or list of names) fails once per member; say it once."""
    if len(errs) == 1:
        return _message(errs[0], loc, data)
    for err in errs:  # the most specific complaint wins
        if err["type"] in ("string_pattern_mismatch", "string_too_short", "literal_error", "value_error"):
            return _message(err, loc, data)
    value = errs[0].get("input")
    wanted = " or ".join(dict.fromkeys(_EXPECT.get(e["type"], e["type"]) for e in errs))
    if loc and loc[-1] in ("torch", "mindspore"):
        wanted = "a parameter name or a list of names"
    return f"expected {wanted}, got {_typename(value)}"


def _data_loc(loc: tuple, data) -> tuple:
    """Drop the union-member tags pydantic puts in locations ('str', 'list[...]'): keep the parts that are keys
    or indexes in the data, or field names of the model at that point (a missing key)."""
    out: list = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(part, str) and (model := _model_at(tuple(out))) is not None and part in model.model_fields:
            out.append(part)
            node = None
    return tuple(out)


def _message(err: dict, loc: tuple, data) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        allowed = list(parent.model_fields) if parent else []
        hint = did_you_mean(loc[-1], allowed) or (f"; allowed: {', '.join(allowed)}" if allowed else "")
        return f"unknown key '{loc[-1]}'{hint}"
    if kind == "missing":
        return "required key is missing" + (" (write the text in both en and zh)" if loc and loc[-1] in ("en", "zh") else "")
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"'{value}' is not allowed; expected {expected}"
    if kind in ("string_type", "list_type", "dict_type", "model_type", "float_type", "int_type", "bool_type", "model_attributes_type"):
        return f"expected {_EXPECT.get(kind, kind)}, got {_typename(value)}"
    if kind == "string_pattern_mismatch" or kind == "string_too_short":
        if isinstance(value, str) and not value.strip():
            return "must not be empty"
        field = loc[-1] if loc and isinstance(loc[-1], str) else ""
        return f"'{_short(value)}' is not a valid {_PATTERN_NAMES.get(field, 'value')}"
    if kind == "too_short":
        return "must have at least one item"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        limit = next(iter(err.get("ctx", {}).values()), "")
        return f"must be {op} {limit}, got {value}"
    if kind == "value_error":
        return err["msg"].removeprefix("Value error, ")
    return err["msg"]


_EXPECT = {"string_type": "text", "list_type": "a list", "dict_type": "a mapping of keys", "model_type": "a mapping of keys",
           "model_attributes_type": "a mapping of keys", "float_type": "a number", "int_type": "a whole number", "bool_type": "true or false"}
_PATTERN_NAMES = {"api": "dotted API name (e.g. torch.optim.Adam)", "version": "version (e.g. \"2.13.0\", quoted)",
                  "url": "http(s) URL", "id": "example id (lowercase letters, digits, - and _)",
                  "torch": "parameter name", "mindspore": "parameter name", "names": "variable name"}


def _model_at(loc: tuple):
    """The pydantic model class that holds keys at ``loc`` (to suggest valid keys)."""
    from . import model as M

    cls = M.Mapping
    for part in loc:
        if isinstance(part, int):
            continue
        field = cls.model_fields.get(part)
        if field is None:
            return None
        cls = _model_in(field.annotation)
        if cls is None:
            return None
    return cls


def _model_in(annotation):
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found:
            return found
    return None


def _typename(value) -> str:
    if value is None:
        return "nothing (null)"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _short(value, limit: int = 60) -> str:
    text = str(value).encode("unicode_escape").decode("ascii") if any(c in str(value) for c in "\n\r\t") else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
