"""Read one hand-written MindSpore pytorch_diff page (one language) into a ``Page``.

markdown-it finds the blocks (headings, paragraphs, tables, fences) and their line numbers; this module
decides what each block is. Nothing is dropped: blocks it cannot place go to ``Page.unplaced``.
A page that is not in the format, or is broken (unterminated fence, truncated or ragged table), raises
``PageError`` with ``page:line: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

from .rules import rules

DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
BADGE = re.compile(r"^\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)\s*$")  # the "View source on Gitee" button
_BLOCK_OPEN = {
    "heading_open",
    "paragraph_open",
    "blockquote_open",
    "bullet_list_open",
    "ordered_list_open",
    "table_open",
}
_BLOCK_SINGLE = {"fence", "code_block", "hr", "html_block"}


class PageError(Exception):
    """A page that cannot be imported; ``str()`` is ``page:line: message``."""

    def __init__(self, page: str, line: int, message: str):
        self.page, self.line, self.message = page, line, message
        super().__init__(f"{page}:{line}: {message}")


@dataclass
class Block:
    kind: str  # heading | paragraph | blockquote | list | table | fence | code_block | hr | html_block
    line: int  # 1-based first line
    end: int  # 1-based last line
    source: str  # the block's lines, verbatim
    level: int = 0  # heading level
    text: str = ""  # heading text / fence content
    info: str = ""  # fence info string


@dataclass
class Unplaced:
    line: int
    text: str
    why: str


@dataclass
class ApiSection:
    api: str
    line: int
    signature: str | None = None
    signature_line: int = 0
    link_text: str | None = None
    url: str | None = None
    link_line: int = 0
    # everything in the section, for keeping extras verbatim
    blocks: list[Block] = field(default_factory=list)

    @property
    def source(self) -> str:
        return "\n\n".join(b.source.strip("\n") for b in self.blocks)


@dataclass
class Row:
    line: int
    group: str
    cells: list[str]  # the five cells, stripped

    @property
    def torch(self) -> str:
        return self.cells[2]

    @property
    def mindspore(self) -> str:
        return self.cells[3]

    @property
    def note(self) -> str:
        return self.cells[4]


@dataclass
class CodeExample:
    title: str
    line: int
    intro: str | None = None
    intro_line: int = 0
    fences: list[Block] = field(default_factory=list)


@dataclass
class Page:
    path: str  # how errors name the page
    lang: str
    title: str = ""
    title_line: int = 0
    apis: list[ApiSection] = field(default_factory=list)
    # a note + table of further API pairs, before the API sections
    preamble: list[Block] = field(default_factory=list)
    prose: list[Block] = field(default_factory=list)  # the Differences section minus the table
    table_line: int = 0
    rows: list[Row] = field(default_factory=list)
    examples: list[CodeExample] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    # (line, message) warnings that lose nothing
    notes: list[tuple[int, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def prose_text(self) -> str:
        """The Differences prose, verbatim, blocks joined with one blank line (the table cut out)."""
        return "\n\n".join(b.source.strip("\n") for b in self.prose).strip()

    def preamble_text(self) -> str:
        return "\n\n".join(b.source.strip("\n") for b in self.preamble).strip()


def _md() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def blocks(text: str) -> list[Block]:
    """Top-level blocks of a Markdown text with their line spans and verbatim source."""
    lines = text.split("\n")
    tokens = _md().parse(text)
    out: list[Block] = []
    for i, tok in enumerate(tokens):
        if tok.level != 0 or tok.map is None:
            continue
        if tok.type not in _BLOCK_OPEN and tok.type not in _BLOCK_SINGLE:
            continue
        start, end = tok.map
        source = "\n".join(lines[start:end])
        kind = tok.type.removesuffix("_open")
        kind = {"bullet_list": "list", "ordered_list": "list"}.get(kind, kind)
        block = Block(kind, start + 1, end, source)
        if tok.type == "heading_open":
            block.level = int(tok.tag[1])
            block.text = tokens[i + 1].content.strip()
        elif tok.type in ("fence", "code_block"):
            block.text = tok.content
            block.info = tok.info.strip()
        out.append(block)
    return out


def split_cells(line: str) -> list[str]:
    """Cells of a pipe-table row; pipes inside backticks or escaped with a backslash do not split."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells, cur, in_code, i = [], "", False, 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s) and s[i + 1] == "|":
            cur += "\\|"
            i += 2
            continue
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code:
            cells.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    cells.append(cur.strip())
    return cells


def parse_page(text: str, path: str, lang: str) -> Page:
    """Parse one page; raise ``PageError`` when it is broken or not a pytorch_diff page."""
    R = rules()
    page = Page(path, lang, lines=text.split("\n"))
    all_blocks = blocks(text)
    _check_fences(all_blocks, page)
    if (
        not all_blocks
        or all_blocks[0].kind != "heading"
        or all_blocks[0].level != 1
        or not R.is_title(lang, _title(all_blocks[0].text))
    ):
        first = all_blocks[0] if all_blocks else None
        got = f"'{first.source.splitlines()[0][:60]}'" if first else "an empty page"
        raise PageError(
            path,
            first.line if first else 1,
            "not a pytorch_diff page: expected a title like "
            f"'# {R.lang(lang)['title_write'].format(torch='torch.X')}', got {got}",
        )
    page.title, page.title_line = _title(all_blocks[0].text), all_blocks[0].line

    state, api, example = "head", None, None
    table_done = False
    for b in all_blocks[1:]:
        if is_badge(b):
            continue  # boilerplate the site adds itself
        if b.kind == "heading":
            ex = R.example_heading(lang, b.text)
            if ex and b.level >= 2:
                example = CodeExample(b.text, b.line)
                page.examples.append(example)
                state = "example"
                continue
            if b.level == 2 and R.is_differences(lang, b.text):
                state = "diff"
                continue
            name = b.text.strip("` ")
            if b.level == 2 and DOTTED.match(name) and state in ("head", "api"):
                api = ApiSection(name, b.line, blocks=[b])
                page.apis.append(api)
                state = "api"
                continue
            if state == "diff" and b.level >= 3:
                page.prose.append(b)  # a sub-section of the differences, kept in the summary
                continue
        if state == "head" and b.kind in ("paragraph", "table"):
            page.preamble.append(b)
            continue
        if state == "api":
            api.blocks.append(b)
            if b.kind in ("fence", "code_block") and api.signature is None:
                api.signature, api.signature_line = b.text, b.line
                continue
            m = R.link_line(lang, b.source) if b.kind == "paragraph" else None
            if m and api.url is None:
                lm = re.match(r"\[([^\]]*)\]\(([^)\s]*)\)", m.group("link"))
                api.link_text, api.url, api.link_line = lm.group(1), lm.group(2), b.line
                continue
        elif state == "diff":
            if b.kind == "table":
                if not table_done and _param_table(b, page):
                    table_done = True
                    continue
            elif b.kind == "paragraph" and _looks_like_param_header(b):
                raise PageError(
                    path,
                    b.line,
                    "parameter table has no delimiter row (| --- | --- | ... |) after its header; is it truncated?",
                )
            page.prose.append(b)
            continue
        elif state == "example":
            if b.kind in ("fence", "code_block"):
                example.fences.append(b)
                continue
            if b.kind in ("blockquote", "paragraph") and not example.fences:
                intro = _unquote(b.source)
                example.intro = intro if example.intro is None else example.intro + "\n\n" + intro
                example.intro_line = example.intro_line or b.line
                continue
        where = {
            "head": "before the API sections",
            "api": f"in the section of {api.api if api else '?'}",
            "example": f"in '{example.title if example else '?'}'",
        }.get(state, "")
        page.unplaced.append(Unplaced(b.line, b.source, f"{b.kind} {where}".strip()))
    if not page.apis:
        raise PageError(
            path,
            page.title_line + 1,
            "no API sections: expected '## torch.X' and '## mindspore.Y' headings, each with a signature block",
        )
    return page


def is_badge(b: Block) -> bool:
    src = b.source.strip()
    if b.kind == "paragraph" and BADGE.match(src):
        return True
    return (
        b.kind in ("html_block", "paragraph")
        and src.startswith("<a ")
        and "logo_source" in src
        and src.endswith("</a>")
    )


def _title(text: str) -> str:
    return text.lstrip("# ").strip()  # '# # Differences with ...' occurs


def _unquote(source: str) -> str:
    lines = source.split("\n")
    if all(ln.lstrip().startswith(">") or not ln.strip() for ln in lines):
        lines = [re.sub(r"^\s*>\s?", "", ln) for ln in lines]
    return "\n".join(lines).strip()


def _check_fences(all_blocks: list[Block], page: Page) -> None:
    for b in all_blocks:
        if b.kind != "fence":
            continue
        src = b.source.split("\n")
        opener = src[0].lstrip()
        mark = opener[0] * (len(opener) - len(opener.lstrip(opener[0])))
        last = src[-1].strip() if len(src) > 1 else ""
        if len(src) < 2 or not (last.startswith(mark) and not last.strip(mark[0])):
            raise PageError(page.path, b.line, f"code fence opened here ({mark}) is never closed")


def _looks_like_param_header(b: Block) -> bool:
    first = b.source.strip().split("\n")[0]
    return first.startswith("|") and rules().is_param_header(split_cells(first))


def _param_table(b: Block, page: Page) -> bool:
    """Read the parameter table into page.rows; False if this table is something else."""
    R = rules()
    src = b.source.split("\n")
    header = split_cells(src[0])
    if not R.is_param_header(header):
        return False
    page.table_line = b.line
    body = src[2:]
    if not any(ln.strip() for ln in body):
        raise PageError(
            page.path, b.line, "parameter table has a header but no rows; is it truncated?"
        )
    group = None
    for offset, raw in enumerate(body):
        line = b.line + 2 + offset
        if not raw.strip():
            continue
        cells = split_cells(raw)
        if len(cells) > 5 and not any(cells[5:]):
            page.notes.append(
                (line, f"table row has {len(cells) - 5} extra empty cell(s); ignored")
            )
            cells = cells[:5]
        if len(cells) != 5:
            raise PageError(
                page.path,
                line,
                f"parameter table row has {len(cells)} cells, expected 5 "
                f"(| group | sub-group | PyTorch | MindSpore | difference |)",
            )
        if cells[0]:
            group = R.group_of(cells[0])
            if group is None:
                page.unplaced.append(
                    Unplaced(line, raw, f"table row with unknown group '{cells[0]}'")
                )
                continue
        elif group is None:
            group = "parameters"
        page.rows.append(Row(line, group, cells))
    return True


def read_page(path: Path, lang: str, display: str | None = None) -> Page:
    display = display or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PageError(display, 1, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise PageError(display, 1, f"cannot read: {exc.strerror}") from None
    return parse_page(text.replace("\r\n", "\n"), display, lang)
