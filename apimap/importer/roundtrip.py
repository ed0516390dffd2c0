"""Render an imported mapping back into the pytorch_diff page format and compare it with the original page.

The comparison is about content, not layout: whitespace is ignored, the "view source" badge and the
fence language are ignored, a title counts by the torch API it names, the parameter table is compared
row by row wherever it sits in the differences section (minus the positional "Parameter N" labels), and
a code fence is compared per framework part (set-up code before the markers belongs to both parts).
"""

from __future__ import annotations

import difflib
import re
import tempfile
from pathlib import Path

import jinja2

from ..markdown import pretty_signature
from ..model import Mapping
from ..validate import load_file
from ..vocab import Vocab
from .build import cell_key, same_url, zh_url
from .doctestify import from_doctest
from .page import DOTTED, blocks, is_badge, split_cells
from .rules import rules
from .run import build_pair, target_rel
from .yamlwrite import dump

# -- rendering ------------------------------------------------------------------------------------


def _env(templates: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def _split_preamble(summary: str) -> tuple[str, str]:
    """The importer puts a page's list of further API pairs (text + 2-column table) first in the summary."""
    R = rules()
    bl = blocks(summary)
    for _i, b in enumerate(bl):
        if b.kind == "table" and R.is_alias_header(split_cells(b.source.split("\n")[0])):
            lines = summary.split("\n")
            return "\n".join(lines[: b.end]).strip(), "\n".join(lines[b.end :]).strip()
        if b.kind not in ("paragraph",):
            break
    return "", summary.strip()


def render_page(m: Mapping, lang: str, templates: Path) -> str:
    R = rules()
    w = R.lang(lang)
    preamble, summary = _split_preamble(m.summary.en if lang == "en" else m.summary.zh)
    sides = []
    for side in (m.torch, m.mindspore):
        if side is None:
            continue
        sigs = [pretty_signature(s) for s in side.signature.split("\n")]
        if side.kind == "class":
            sigs = ["class " + s for s in sigs]
        url = side.url or ""
        sides.append(
            {
                "api": side.api,
                "fence": "python",
                "signature": "\n".join(sigs),
                "url": zh_url(url) if lang == "zh" else url,
            }
        )
    rows, counts, seen = [], {}, set()
    for r in m.params:
        counts[r.group] = counts.get(r.group, 0) + 1
    index: dict[str, int] = {}
    subs = R.data["subgroup_write"][lang]
    for r in m.params:
        index[r.group] = index.get(r.group, 0) + 1
        if r.group == "inputs" and counts["inputs"] == 1:
            sub = subs["single_input"]
        elif r.group == "outputs" and counts["outputs"] == 1:
            sub = subs["single_output"]
        else:
            sub = subs[r.group].format(n=index[r.group])
        rows.append(
            {
                "group": "" if r.group in seen else R.data["group_write"][lang][r.group],
                "sub": sub,
                "torch": ", ".join(r.torch_names) or "-",
                "mindspore": ", ".join(r.mindspore_names) or "-",
                "note": (r.note.en if lang == "en" else r.note.zh) if r.note else "-",
            }
        )
        seen.add(r.group)
    examples = []
    for ex in m.examples:
        if ex.id == "api-exists":
            continue  # stands in for a missing example; not part of the page
        note = None
        if ex.note:
            text = ex.note.en if lang == "en" else ex.note.zh
            note = "\n".join("> " + ln if ln.strip() else ">" for ln in text.split("\n"))
        parts = [
            {"marker": f"# {label}", "code": from_doctest(getattr(ex, part)).rstrip("\n")}
            for part, label in (("torch", "PyTorch"), ("mindspore", "MindSpore"))
            if getattr(ex, part)
        ]
        examples.append(
            {"title": ex.title.en if lang == "en" else ex.title.zh, "note": note, "parts": parts}
        )
    pieces = {
        "preamble": preamble,
        "sides": sides,
        "summary": summary,
        "rows": rows,
        "examples": examples,
        "header": R.data["table_header_write"][lang],
    }
    return _env(templates).get_template("pytorch_diff.md.j2").render(m=m, w=w, p=pieces, L=lang)


# -- comparison -----------------------------------------------------------------------------------


def _nows(text: str) -> str:
    return "".join(text.split())


def _code_key(fences: list[str]) -> tuple:
    """Per-framework code of one or more adjacent fences, whitespace-free. Set-up code before the markers
    belongs to every part; a fence without markers is given to the framework it imports; a lone part's
    marker is a label, not content."""
    from .build import guess_part

    R = rules()
    parts: dict[str, list[str]] = {}
    for code in fences:
        current, shared, mine = None, [], {}
        for line in code.split("\n"):
            marker = R.marker(line)
            if marker:
                current = marker
                mine.setdefault(current, [])
                continue
            (mine[current] if current else shared).append(line)
        if not mine:
            mine = {guess_part("\n".join(shared)) or "": shared}
        else:
            mine = {k: shared + v for k, v in mine.items()}
        for k, v in mine.items():
            parts.setdefault(k, []).extend(v)
    if len(parts) == 1:
        (only,) = parts.values()
        return (("", _norm_code(only)),)
    return tuple(sorted((k, _norm_code(v)) for k, v in parts.items()))


def _norm_code(lines: list[str]) -> str:
    text = _nows("\n".join(lines))
    return re.sub(r"(#(?:out(?:put)?|输出(?:结果)?|结果)[:：]?)#", r"\1", text, flags=re.I)


def _items(text: str, lang: str) -> tuple[list[tuple], list[tuple], str]:
    """(ordered content items with their lines, parameter-table rows, title key) of one page."""
    R = rules()
    items: list[tuple] = []
    rows: list[tuple] = []
    bl = [b for b in blocks(text) if not is_badge(b)]
    title = ""
    if bl and bl[0].kind == "heading" and bl[0].level == 1:
        title = " ".join(re.findall(r"torch[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+", bl[0].text)[:1])
        bl = bl[1:]
    fences: list[str] = []
    after_api = False  # the first fence under an '## api.name' heading is a signature
    for b in bl:
        if b.kind in ("fence", "code_block") and after_api and not fences:
            sig = re.sub(r",\)", ")", _nows(b.text))  # a trailing comma in a signature says nothing
            items.append((b.line, "signature", sig))
            after_api = False
            continue
        after_api = (
            after_api and b.kind not in ("heading",) and b.kind not in ("fence", "code_block")
        )
        if b.kind == "heading" and b.level == 2 and DOTTED.match(b.text.strip("` ")):
            after_api = True
        if b.kind in ("fence", "code_block"):
            if not fences:
                items.append((b.line, "code", None))
            fences.append(b.text)
            continue
        if fences:
            items[-1] = items[-1][:2] + (_code_key(fences),)
            fences = []
        if b.kind == "heading":
            key = (
                "<differences>"
                if b.level == 2 and R.is_differences(lang, b.text)
                else _nows(b.text)
            )
            items.append((b.line, "heading", key))
        elif b.kind == "table":
            src = b.source.split("\n")
            header = split_cells(src[0])
            if R.is_param_header(header):
                group = None
                for k, raw in enumerate(src[2:]):
                    if not raw.strip():
                        continue
                    cells = split_cells(raw)[:5] + [""] * (5 - len(split_cells(raw)))
                    group = (R.group_of(cells[0]) or group) if cells[0] else group
                    rows.append(
                        (
                            b.line + 2 + k,
                            group or "parameters",
                            cell_key(cells[2]),
                            cell_key(cells[3]),
                            _nows(cells[4]) or "-",
                        )
                    )
            else:
                body = [
                    tuple(_nows(c) for c in split_cells(ln))
                    for i, ln in enumerate(src)
                    if i != 1 and ln.strip()
                ]
                items.append((b.line, "table", tuple(body)))
        else:
            link = R.link_line(lang, b.source) if b.kind == "paragraph" else None
            if link:  # "For more information, see [api](url)." in any wording: the target counts
                lm = re.match(r"\[([^\]]*)\]\(([^)\s]*)\)", link.group("link"))
                items.append((b.line, "link", (_nows(lm.group(1)), same_url(lm.group(2)))))
                continue
            # quote marks off
            text = "\n".join(re.sub(r"^\s*(>\s?)+", "", line) for line in b.source.split("\n"))
            items.append((b.line, "text", _nows(text)))
    if fences:
        items[-1] = items[-1][:2] + (_code_key(fences),)
    return items, rows, title


def compare(original: str, rendered: str, lang: str, name: str) -> list[str]:
    """Differences between an original page and its re-rendering, as 'page:line: ...' lines (empty: same)."""
    a_items, a_rows, a_title = _items(original, lang)
    b_items, b_rows, b_title = _items(rendered, lang)
    diffs: list[str] = []
    if a_title != b_title:
        diffs.append(f"{name}:1: title names '{a_title}', the re-rendered page '{b_title}'")
    sm = difflib.SequenceMatcher(
        None, [i[1:] for i in a_items], [i[1:] for i in b_items], autojunk=False
    )
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        line = a_items[i1][0] if i1 < len(a_items) else (a_items[-1][0] if a_items else 1)
        lost = [str(x[2])[:60] for x in a_items[i1:i2]]
        added = [str(x[2])[:60] for x in b_items[j1:j2]]
        diffs.append(
            f"{name}:{line}: {op}: original {lost or '(nothing)'} vs re-rendered {added or '(nothing)'}"
        )
    if [r[1:] for r in a_rows] != [r[1:] for r in b_rows]:
        for ra, rb in zip(a_rows, b_rows, strict=False):
            if ra[1:] != rb[1:]:
                diffs.append(f"{name}:{ra[0]}: table row {ra[1:]} re-rendered as {rb[1:]}")
                break
        else:
            diffs.append(
                f"{name}:{(a_rows or [(1,)])[0][0]}: table has {len(a_rows)} rows, re-rendered {len(b_rows)}"
            )
    return diffs


def roundtrip_pair(en: Path, zh: Path, vocab: Vocab, templates: Path, name: str) -> dict:
    """Import a pair in memory, validate the YAML, render both languages back and compare."""
    outcome, data = build_pair(en, zh, vocab, name)
    if data is None:
        return {"page": name, "status": "failed", "errors": outcome.errors, "diffs": []}
    with tempfile.TemporaryDirectory(prefix="apimap-roundtrip-") as tmp:
        rel = target_rel(data, set())
        path = Path(tmp) / rel
        path.parent.mkdir(parents=True)
        path.write_text(dump(data, name), encoding="utf-8")
        mapping = load_file(path, Path(tmp), vocab).mapping
    diffs = []
    for lang, page in (("en", en), ("zh", zh)):
        original = Path(page).read_text(encoding="utf-8").replace("\r\n", "\n")
        diffs += compare(original, render_page(mapping, lang, templates), lang, str(page))
    return {"page": name, "status": "differs" if diffs else "same", "errors": [], "diffs": diffs}
