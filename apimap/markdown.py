"""Making YAML text safe and well-formed inside generated MyST Markdown.

Policy: mapping text is Markdown, but never HTML. Every ``<`` outside code is escaped, so a ``<script>``
or an ``onerror=`` attribute in a note is shown as text, never parsed as markup.
"""

from __future__ import annotations

import re

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")


def escape_html(text: str) -> str:
    """Escape ``<`` (and ``>``) everywhere except inside code spans and fenced code."""
    out, in_fence, fence_mark = [], False, ""
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if m:
            mark = m.group(2)
            if not in_fence:
                in_fence, fence_mark = True, mark[0] * len(mark)
            elif mark.startswith(fence_mark):
                in_fence = False
            out.append(line)
            continue
        out.append(line if in_fence else _escape_outside_code(line))
    return "\n".join(out)


def _escape_outside_code(line: str) -> str:
    parts, pos = [], 0
    for m in _CODE_SPAN.finditer(line):
        parts.append(_esc(line[pos : m.start()]))
        parts.append(m.group(0))
        pos = m.end()
    parts.append(_esc(line[pos:]))
    return "".join(parts)


def _esc(s: str) -> str:
    return s.replace("<", "&lt;").replace(">", "&gt;")


_CJK = re.compile("[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")
_INLINE_MARK = set("*_`$[]()")
# full-width punctuation: never followed by a space
_CJK_PUNCT = re.compile("[\u3000-\u303f\uff00-\uffef]")
_ORDERED = re.compile(r"\d+[.)] ")


def join_cjk_lines(text: str) -> str:
    """Join soft line breaks next to Chinese text: HTML would show them as stray spaces between characters."""
    lines = text.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        prev, nxt = out[-1].rstrip(), line.lstrip()
        a, b = prev[-1:], nxt[:1]
        joinable = (
            a
            and b
            and (_CJK.match(a) or a in _INLINE_MARK)
            and (_CJK.match(b) or b in _INLINE_MARK)
        )
        joinable = (
            joinable and (_CJK.match(a) or _CJK.match(b)) or (a and b and _CJK_PUNCT.match(a))
        )
        if (
            joinable
            and not nxt.startswith(("- ", "* ", "```", "|", "#", ">"))
            and not _ORDERED.match(nxt)
        ):
            out[-1] = prev + nxt
        else:
            out.append(line)
    return "\n".join(out)


def cell(text: str | None) -> str:
    """One Markdown table cell: one line, ``|`` escaped, HTML escaped."""
    if not text:
        return ""
    one_line = " ".join(str(text).split())
    if "<" not in one_line and ">" not in one_line:  # nothing to escape: skip the code-span scan
        return one_line.replace("|", "\\|")
    return escape_html(one_line).replace("|", "\\|")


def code(text: str) -> str:
    """An inline code span that survives backticks in ``text``."""
    if "`" not in text:
        return f"`{text}`"
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(body: str, lang: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run in ``body``."""
    ticks = "`" * max(3, max((len(r) for r in re.findall(r"`{3,}", body)), default=0) + 1)
    return f"{ticks}{lang}\n{body.rstrip()}\n{ticks}"


def changed_lines(body: str, other: str) -> list[int]:
    """1-based numbers of the statement lines (``>>>``/``...``) of ``body`` that the other framework's part
    does not have, spaces aside: what a reader comparing the two parts side by side should look at."""

    def statements(text: str) -> set[str]:
        return {
            " ".join(line.split())
            for line in text.splitlines()
            if line.lstrip().startswith((">>>", "..."))
        }

    theirs = statements(other)
    return [
        n
        for n, line in enumerate(body.rstrip().splitlines(), 1)
        if line.lstrip().startswith(">>>")
        and " ".join(line.split()) not in theirs
        or line.lstrip().startswith("...")
        and line.strip() != "..."
        and " ".join(line.split()) not in theirs
    ]


def code_block(body: str, lang: str, emphasize: list[int]) -> str:
    """``fence`` with lines marked (MyST's code-block directive, ``:emphasize-lines:``)."""
    if not emphasize:
        return fence(body, lang)
    ticks = "`" * max(3, max((len(r) for r in re.findall(r"`{3,}", body)), default=0) + 1)
    marks = ",".join(str(n) for n in emphasize)
    return f"{ticks}{{code-block}} {lang}\n:emphasize-lines: {marks}\n\n{body.rstrip()}\n{ticks}"


def pretty_signature(sig: str, width: int = 72) -> str:
    """Break a long one-line signature into one parameter per line, the way API docs show them."""
    sig = " ".join(sig.split())
    if len(sig) <= width:
        return sig
    start = sig.find("(")
    if start < 0:
        return sig
    depth, parts, cur, end = 0, [], "", None
    for i in range(start + 1, len(sig)):
        ch = sig[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                end = i
                break
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if end is None:
        return sig
    if cur.strip():
        parts.append(cur.strip())
    body = ",\n".join("    " + p for p in parts)
    return f"{sig[:start]}(\n{body}\n){sig[end + 1 :]}"
