"""Two parsed pages (en + zh) -> one mapping (plain data in schema order) plus warnings.

Every guess is marked ``needs_review``; everything that has no place in the schema is kept verbatim in
``imported_unplaced`` and named in a warning with its page and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..vocab import Vocab
from .doctestify import NotPython, to_doctest
from .page import Page, PageError, Row
from .rules import rules

# Outputs on the pages were pasted by hand, often re-wrapped: whitespace does not count. (Not NUMBER: with it,
# numbers must agree to the digits written, stricter than the checker's default tolerance.)
PAGE_OUTPUT_OPTIONS = ("NORMALIZE_WHITESPACE",)
IDENT = re.compile(r"^(\*{0,2}[A-Za-z_][A-Za-z0-9_]*|\*)$")
VERSION_IN_URL = [
    re.compile(r"pytorch\.org/(?:docs|vision|text|audio)/(?P<v>\d+\.\d+(?:\.\d+)?)/", re.I),
    re.compile(r"mindspore\.cn/docs/[^/]+/r(?P<v>\d+\.\d+(?:\.\d+)?)/", re.I),
]


@dataclass
class Warning_:
    page: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: warning: {self.message}"


@dataclass
class Result:
    data: dict
    warnings: list[Warning_] = field(default_factory=list)


class Builder:
    def __init__(self, en: Page, zh: Page, vocab: Vocab):
        self.en, self.zh, self.vocab = en, zh, vocab
        self.warnings: list[Warning_] = []
        self.unplaced: list[str] = []
        self.reviews: list[str] = []
        self.mixed = False  # set by _parts when a fence has no framework markers
        self._side_review: str | None = (
            None  # a guess about a side (version) or the examples, for needs_review
        )
        self.R = rules()

    # -- helpers --------------------------------------------------------------------------------
    def warn(self, page: Page, line: int, message: str) -> None:
        self.warnings.append(Warning_(page.path, line, message))

    def keep(self, page: Page, line: int, text: str, why: str) -> None:
        """Keep text verbatim in imported_unplaced, with a warning naming where it came from."""
        self.unplaced.append(f"[{page.lang} page, line {line}] {text.strip()}")
        self.warn(page, line, f"not placed, kept in imported_unplaced: {why}")

    # -- the mapping ----------------------------------------------------------------------------
    def build(self) -> Result:
        en, zh = self.en, self.zh
        t_en, m_en = self._sides(en)
        t_zh, m_zh = self._sides(zh)
        if (t_en.api, m_en.api if m_en else None) != (t_zh.api, m_zh.api if m_zh else None):
            raise PageError(
                zh.path,
                t_zh.line,
                f"en and zh pages describe different APIs: en {t_en.api} -> "
                f"{m_en.api if m_en else 'nothing'} ({en.path}:{t_en.line}), zh {t_zh.api} -> "
                f"{m_zh.api if m_zh else 'nothing'}",
            )
        for page in (en, zh):
            for line, message in page.notes:
                self.warn(page, line, message)
            for u in page.unplaced:
                self.keep(page, u.line, u.text, u.why)
            if page.preamble and not _has_alias_table(page):
                for b in page.preamble:
                    self.keep(page, b.line, b.source, f"{b.kind} before the API sections")
            self._check_title(page, t_en.api)
            for extra in page.apis:
                if extra not in self._sides(page):
                    taken = {u.line for u in page.unplaced}
                    text = "\n\n".join(b.source for b in extra.blocks if b.line not in taken)
                    self.keep(
                        page,
                        extra.line,
                        text,
                        f"a further API section ({extra.api}); one mapping holds one pair",
                    )

        data: dict = {"torch": self._side(t_en, t_zh, "torch")}
        if m_en:
            data["mindspore"] = self._side(m_en, m_zh, "mindspore")
        params = self._params()
        category, cat_review = self._category(params)
        data["category"] = category
        data["summary"] = self._summary()
        if params:
            data["params"] = params
        data["examples"] = self._examples()
        if cat_review:
            self.warn(self.en, self.en.title_line, f"needs review: {cat_review}")
        reviews = [r for r in (cat_review, self._side_review, *self.reviews) if r]
        if reviews:
            data["needs_review"] = "; ".join(reviews)
        if self.unplaced:
            data["imported_unplaced"] = self.unplaced
        return Result(data, self.warnings)

    def _sides(self, page: Page):
        torch_side = page.apis[0]
        if not torch_side.api.startswith("torch"):
            raise PageError(
                page.path,
                torch_side.line,
                f"the first API section should be the PyTorch API, got '{torch_side.api}'",
            )
        ms = next((a for a in page.apis[1:] if a.api.startswith("mindspore")), None)
        return torch_side, ms

    def _check_title(self, page: Page, torch_api: str) -> None:
        named = re.findall(r"torch[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+", page.title)
        if named and torch_api not in named:
            self.keep(
                page,
                page.title_line,
                "# " + page.title,
                f"the title names {', '.join(named)} but the page is about {torch_api}",
            )

    def _side(self, en, zh, framework: str) -> dict:
        out: dict = {"api": en.api}
        if en.signature is None:
            raise PageError(
                self.en.path, en.line, f"section '{en.api}' has no signature code block"
            )
        sig_lines, kind = flatten_signature(en.signature)
        if zh.signature is not None and flatten_signature(zh.signature)[0] != sig_lines:
            self.keep(
                self.zh,
                zh.signature_line,
                "```\n" + zh.signature + "```",
                f"the zh signature of {en.api} differs from the en one",
            )
        if kind is None:
            kind = (
                "method"
                if ".Tensor." in en.api
                else ("attribute" if "(" not in sig_lines else "function")
            )
        out["kind"] = kind
        version = None
        for rx in VERSION_IN_URL:
            m = rx.search(en.url or "")
            if m:
                version = m.group("v")
        if version is None:
            version = self.vocab.frameworks[framework].version
            self._side_review = f"no version in the {framework} doc link; version set to {version}"
            self.warn(self.en, en.link_line or en.line, self._side_review)
        out["version"] = version
        out["signature"] = sig_lines
        if en.url:
            out["url"] = en.url
            want = zh_url(en.url)
            if zh.url and same_url(zh.url) != same_url(want):
                self.keep(
                    self.zh,
                    zh.link_line,
                    f"[{zh.link_text}]({zh.url})",
                    f"the zh doc link is not the en one in Chinese ({want})",
                )
        else:
            self.warn(self.en, en.line, f"section '{en.api}' has no 'For more information' link")
        for page, sec in ((self.en, en), (self.zh, zh)):
            if sec.link_text is not None and sec.link_text.strip("` ") != en.api:
                self.keep(
                    page,
                    sec.link_line,
                    f"[{sec.link_text}]({sec.url})",
                    f"the link text differs from the API name {en.api}",
                )
        return out

    # -- parameter table ------------------------------------------------------------------------
    def _params(self) -> list[dict]:
        """Pair en and zh rows by their parameter names (groups are sometimes labelled differently)."""
        en_rows, zh_rows = self.en.rows, self.zh.rows
        en_rows = self._merge_rows(en_rows, zh_rows)

        def key(r):
            return (cell_key(r.torch), cell_key(r.mindspore))

        zh_by_key: dict = {}
        for r in zh_rows:
            zh_by_key.setdefault(key(r), []).append(r)
        out, used = [], set()
        for r in en_rows:
            candidates = zh_by_key.get(key(r))
            if not candidates:
                self.keep(
                    self.en, r.line, _row_text(r), "table row has no matching row in the zh page"
                )
                continue
            z = candidates.pop(0)
            row = self._row(r, z, used)
            if row:
                out.append(row)
        for rows in zh_by_key.values():
            for z in rows:
                self.keep(
                    self.zh, z.line, _row_text(z), "table row has no matching row in the en page"
                )
        return out

    def _merge_rows(self, en_rows: list[Row], zh_rows: list[Row]) -> list[Row]:
        """Rows 'h_0 | hx' and 'c_0 | hx' with the same notes are one 'merged' row 'h_0, c_0 | hx'
        (in both languages)."""

        def merge(rows: list[Row]) -> list[Row]:
            out: list[Row] = []
            for r in rows:
                prev = out[-1] if out else None
                if (
                    prev
                    and prev.group == r.group
                    and cell_key(r.mindspore)
                    and cell_key(prev.mindspore) == cell_key(r.mindspore)
                    and cell_key(prev.torch)
                    and cell_key(r.torch)
                    and " ".join(prev.note.split()) == " ".join(r.note.split())
                ):
                    out[-1] = Row(
                        prev.line,
                        prev.group,
                        [
                            prev.cells[0],
                            prev.cells[1],
                            f"{prev.torch}, {r.torch}",
                            prev.mindspore,
                            prev.note,
                        ],
                    )
                else:
                    out.append(r)
            return out

        merged_en, merged_zh = merge(en_rows), merge(zh_rows)
        if len(merged_en) != len(en_rows) and len(merged_en) - len(en_rows) == len(merged_zh) - len(
            zh_rows
        ):
            zh_rows[:] = merged_zh
            for r in merged_en:
                if "," in r.torch and r not in en_rows:
                    self.warn(
                        self.en,
                        r.line,
                        f"rows of {r.torch} -> {r.mindspore} with the same note joined into one 'merged' row",
                    )
            return merged_en
        return en_rows

    def _row(self, r: Row, z: Row, used: set) -> dict | None:
        torch_names = parse_names(r.torch)
        ms_names = parse_names(r.mindspore)
        if torch_names is None or ms_names is None:
            bad = r.torch if torch_names is None else r.mindspore
            self.keep(
                self.en,
                r.line,
                _row_text(r) + "\n" + _row_text(z),
                f"table cell '{bad}' is not a parameter name or a list of them",
            )
            return None
        for side, names in (("torch", torch_names), ("mindspore", ms_names)):
            for n in names:
                if (r.group, side, n) in used:
                    self.keep(
                        self.en,
                        r.line,
                        _row_text(r) + "\n" + _row_text(z),
                        f"{side} parameter '{n}' already has a row",
                    )
                    return None
        relation, review = infer_relation(
            r.group, torch_names, ms_names, r.note, z.note, self.vocab
        )
        if relation and r.group != z.group:
            extra = (
                f"the en page puts this row under {r.group}, the zh page under {z.group} (en kept)"
            )
            review = f"{review}; {extra}" if review else extra
        if relation is None:
            self.keep(self.en, r.line, _row_text(r) + "\n" + _row_text(z), review)
            return None
        for side, names in (("torch", torch_names), ("mindspore", ms_names)):
            used.update((r.group, side, n) for n in names)
        row: dict = {}
        if r.group != "parameters":
            row["group"] = r.group
        if torch_names:
            row["torch"] = torch_names[0] if len(torch_names) == 1 else torch_names
        if ms_names:
            row["mindspore"] = ms_names[0] if len(ms_names) == 1 else ms_names
        row["relation"] = relation
        en_note, zh_note = _note(r.note), _note(z.note)
        if en_note or zh_note:
            row["note"] = {"en": en_note or "-", "zh": zh_note or "-"}
        elif self.vocab.relations[relation].note == "required":
            row["note"] = {"en": "-", "zh": "-"}
            review = review or "the page gives no note for this row; write one"
        if review:
            row["needs_review"] = review
            self.warn(self.en, r.line, f"{_row_text(r).strip()}: {review}")
        return row

    def _category(self, params: list[dict]) -> tuple[str, str | None]:
        cats, rels = self.vocab.categories, self.vocab.relations
        best = cats["consistent"]
        for row in params:
            cat = cats[rels[row["relation"]].implies]
            if cat.priority > best.priority:
                best = cat
        prose = self.en.prose_text() + "\n" + self.zh.prose_text()
        said = self.R.says_behaviour_differs(prose)
        if said and cats["behaviour_differs"].priority > best.priority:
            return (
                "behaviour_differs",
                f"category set to behaviour_differs because the prose says '{said}'; check it",
            )
        if not params:
            return best.id, f"no parameter table; category '{best.id}' is a guess"
        return best.id, None

    # -- prose ----------------------------------------------------------------------------------
    def _summary(self) -> dict:
        out = {}
        for page in (self.en, self.zh):
            text = page.prose_text()
            if page.preamble and _has_alias_table(page):
                # the list of further API pairs leads the summary
                text = (page.preamble_text() + "\n\n" + text).strip()
            if not text:
                self.warn(
                    page, page.title_line, "no prose under the differences heading; summary is '-'"
                )
                text = "-"
            out[page.lang] = text + "\n"
        return out

    # -- examples -------------------------------------------------------------------------------
    def _examples(self) -> list[dict]:
        out = []
        en_ex, zh_ex = self.en.examples, self.zh.examples
        for i, ex in enumerate(en_ex):
            z = zh_ex[i] if i < len(zh_ex) else None
            if z is None:
                self.keep(
                    self.en,
                    ex.line,
                    _example_text(self.en, ex),
                    "code example has no counterpart in the zh page",
                )
                continue
            item: dict = {"id": f"example-{i + 1}", "title": {"en": ex.title, "zh": z.title}}
            if ex.intro and z.intro:
                item["note"] = {"en": ex.intro, "zh": z.intro}
            elif ex.intro or z.intro:
                page, e = (self.en, ex) if ex.intro else (self.zh, z)
                self.keep(page, e.intro_line, e.intro, "example intro exists in one language only")
            self.mixed = False
            parts = self._parts(ex)
            if self.mixed:
                self.reviews.append(
                    f"examples[{len(out)}]: the code is not split by '# PyTorch' / '# MindSpore' lines; "
                    f"all of it is in the mindspore part"
                )
                self.warn(self.en, ex.line, self.reviews[-1])
            zparts = self._parts(z)
            if _norm_parts(parts) != _norm_parts(zparts):
                self.keep(
                    self.zh,
                    z.line,
                    _example_text(self.zh, z),
                    "the zh example code differs from the en code (en code used)",
                )
            borrowed = borrowed_imports(parts)
            if borrowed:
                self.reviews.append(f"examples[{len(out)}]: {borrowed}")
                self.warn(self.en, ex.line, borrowed)
            for part in ("torch", "mindspore"):
                if part in parts:
                    code, line = parts[part]
                    try:
                        item[part] = to_doctest(code)
                    except NotPython as exc:
                        self.keep(
                            self.en,
                            line,
                            code,
                            f"{part} code is not valid Python ({exc}); cannot run it as a doctest",
                        )
            if "torch" not in item and "mindspore" not in item:
                continue
            item["options"] = list(PAGE_OUTPUT_OPTIONS)
            out.append(item)
        for z in zh_ex[len(en_ex) :]:
            self.keep(
                self.zh,
                z.line,
                _example_text(self.zh, z),
                "code example has no counterpart in the en page",
            )
        if not out:
            out.append(self._existence_example())
        return out

    def _parts(self, ex) -> dict[str, tuple[str, int]]:
        """Split the example's fences into torch and MindSpore code by the '# PyTorch' / '# MindSpore' lines."""
        parts: dict[str, list] = {}
        for fence in ex.fences:
            current, buf, start = None, [], fence.line + 1
            chunks = []
            for k, line in enumerate(fence.text.split("\n")):
                marker = self.R.marker(line)
                if marker:
                    chunks.append((current, buf, start))
                    current, buf, start = marker, [], fence.line + 1 + k
                else:
                    buf.append(line)
            chunks.append((current, buf, start))
            shared = ""
            if (
                chunks[0][0] is None
                and len(chunks) > 1
                and guess_part("\n".join(chunks[0][1])) is None
            ):
                # set-up code before the markers serves both parts
                shared = "\n".join(chunks[0][1]).strip("\n")
                chunks = chunks[1:]
            for part, buf, line in chunks:
                text = "\n".join(buf).strip("\n")
                if not text.strip():
                    continue
                if shared.strip():
                    text = shared + "\n\n" + text
                if part is None:
                    part = guess_part(text)
                    # one script using both frameworks (or neither): run it as one part
                    if part is None:
                        part = "mindspore"
                        self.mixed = True
                if part in parts:
                    parts[part][0] += "\n\n" + text
                else:
                    parts[part] = [text, line]
        return {k: (v[0], v[1]) for k, v in parts.items()}

    def _existence_example(self) -> dict:
        """A page without runnable code still needs one example: check that both APIs exist (flagged for review)."""
        self.warn(
            self.en,
            self.en.title_line,
            "no code example could be imported; wrote an API-existence check instead (needs_review)",
        )
        item: dict = {
            "id": "api-exists",
            "title": {"en": "Both APIs exist", "zh": "两个接口均存在"},
        }
        for part, sec in (("torch", self.en.apis[0]), ("mindspore", self._sides(self.en)[1])):
            if sec is None:
                continue
            module, _, name = sec.api.rpartition(".")
            root = module.split(".")[0]
            item[part] = (
                f">>> import {module if not _is_class_path(module) else root}\n>>> hasattr({module}, {name!r})\nTrue\n"
            )
        self._side_review = "; ".join(
            filter(
                None,
                [
                    self._side_review,
                    "examples[0] only checks that the APIs exist; write a real example",
                ],
            )
        )
        return item


def _names(code: str) -> tuple[set[str], set[str], set[str]] | None:
    """(imported, otherwise bound, used) top-level names of some code; None when it does not parse."""
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    imported, bound, used = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return imported, bound, used


def borrowed_imports(parts: dict) -> str | None:
    """Pages written as one script import a module in one part and use it in the other; each part runs alone."""
    found = {}
    names = {k: _names(v[0]) for k, v in parts.items()}
    for part, got in names.items():
        other = next((n for k, n in names.items() if k != part), None)
        if got is None or other is None:
            continue
        missing = sorted((got[2] - got[0] - got[1]) & other[0])
        if missing:
            found[part] = missing
    if not found:
        return None
    return "; ".join(
        f"the {part} part uses {', '.join(m)} imported only in the other part (the page is one script; "
        f"each part runs on its own)"
        for part, m in found.items()
    )


def _has_alias_table(page: Page) -> bool:
    from .page import split_cells

    return any(
        b.kind == "table" and rules().is_alias_header(split_cells(b.source.split("\n")[0]))
        for b in page.preamble
    )


def _is_class_path(module: str) -> bool:
    """'torch.Tensor' is a class, not a module: import its package instead."""
    return any(part[:1].isupper() for part in module.split(".")[1:])


def guess_part(text: str) -> str | None:
    has_torch = re.search(r"^\s*(import|from)\s+torch", text, re.M) is not None
    has_ms = re.search(r"^\s*(import|from)\s+mindspore", text, re.M) is not None
    if has_torch != has_ms:
        return "torch" if has_torch else "mindspore"
    return None


def _norm_parts(parts: dict) -> dict:
    return {k: "".join(v[0].split()) for k, v in parts.items()}


def _example_text(page: Page, ex) -> str:
    end = max([f.end for f in ex.fences], default=ex.line)
    return "\n".join(page.lines[ex.line - 1 : end])


def _row_text(r: Row) -> str:
    return "| " + " | ".join(r.cells) + " |"


def cell_key(cell: str) -> str:
    key = "".join(cell.replace("`", "").replace("\\", "").split()).lower()
    return "" if key in ("-", "—", "/") else key


def _note(cell: str) -> str | None:
    text = cell.strip()
    return None if text in ("", "-") else text


def parse_names(cell: str) -> list[str] | None:
    """'beta1, beta2' -> ['beta1', 'beta2']; '-' -> []; None when the cell is not names."""
    text = cell.replace("`", "").replace("\\", "").strip()
    if text in ("", "-", "—", "/"):
        return []
    names = [n.strip() for n in re.split(r"\s*[,，、]\s*|\s+and\s+", text) if n.strip()]
    if all(IDENT.match(n) for n in names):
        return names
    return None


def infer_relation(
    group: str, torch: list, ms: list, en: str, zh: str, vocab: Vocab
) -> tuple[str | None, str | None]:
    """(relation id, needs_review text or None) from the names and both notes."""
    R = rules()
    plain = R.note_is_plain(en) and R.note_is_plain(zh)

    def has(kind: str) -> bool:
        return R.note_has(kind, en) or R.note_has(kind, zh)

    short = len(en) < 70

    def review(rel: str, ok: bool) -> tuple[str, str | None]:
        return rel, None if ok else f"relation '{rel}' guessed from the note; check it"

    if not torch and not ms:
        return None, "table row names no parameter on either side"
    if not torch:
        if has("default_ok"):
            return (
                "mindspore_default_ok",
                "relation 'mindspore_default_ok' guessed (the note says the default matches PyTorch); check it",
            )
        if plain or (has("torch_missing") and short):
            return "mindspore_only", None
        return "mindspore_only", (
            "MindSpore-only parameter: if its default reproduces PyTorch's behaviour, "
            "the relation is 'mindspore_default_ok' (category may then be lower); check it"
        )
    if not ms:
        if len(torch) > 1:
            return (
                None,
                "several PyTorch parameters without a MindSpore side; give each its own row",
            )
        if torch[0] in vocab.general_params or has("general"):
            return review(
                "general", plain or has("general") or (has("mindspore_missing") and short)
            )
        return review("torch_only", plain or (has("mindspore_missing") and short))
    if len(torch) > 1 and len(ms) > 1:
        return None, "several parameters on both sides in one row; the schema has no such relation"
    if len(ms) > 1:
        return review("split", plain or short)
    if len(torch) > 1:
        return review("merged", plain or short)
    renamed = torch[0] != ms[0]
    if group == "outputs" and not plain:
        return review("returns_differ", False)
    if has("default"):
        return review("renamed_default_differs" if renamed else "default_differs", short)
    if has("type") and not plain:
        return review("type_differs", short)
    if plain:
        return ("renamed" if renamed else "same"), None
    if has("usage"):
        return review("usage_differs", False)
    if renamed:
        return review("renamed", has("renamed") and short)
    return review("usage_differs", False)


def same_url(url: str) -> str:
    """A link's identity for comparison: no 'www.', no '#anchor', case-insensitive host."""
    url = url.split("#", 1)[0]
    return re.sub(r"^(https?://)(www\.)?([^/]+)", lambda m: m.group(1) + m.group(3).lower(), url)


def zh_url(url: str) -> str:
    return url.replace("/docs/en/", "/docs/zh-CN/")


_CLASS = re.compile(r"^\s*class\s+")


def flatten_signature(code: str) -> tuple[str, str | None]:
    """A signature block -> one line per signature (several for overloads) and 'class' when it says so."""
    lines = code.strip("\n").split("\n")
    sigs: list[str] = []
    depth = 0
    for line in lines:
        if depth == 0 and line.strip():
            sigs.append(line.strip())
        elif line.strip():
            sigs[-1] += " " + line.strip()
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
        depth = max(depth, 0)
    kind = "class" if sigs and all(_CLASS.match(s) for s in sigs) else None
    out = []
    for s in sigs:
        s = _CLASS.sub("", s) if kind else s
        s = re.sub(r"([(\[{])\s+", r"\1", s)
        s = re.sub(r"\s+([)\]}])", r"\1", s)
        # 'weight_decay=0.0,\n)': a trailing comma says nothing in a signature
        s = re.sub(r",\s*\)", ")", s)
        out.append(" ".join(s.split()))
    return "\n".join(out), kind
