"""Plain example code <-> doctest form.

Pages show a script with the printed output as comment lines under the ``print(...)``::

    print(x.shape)
    # (2, 3)

becomes ``>>> print(x.shape)`` followed by the expected output ``(2, 3)``. Every top-level statement
starts with ``>>>``; its further lines (and blank lines inside it) get ``...``. Other comment lines stay
comments (``>>> # text``). A statement whose output the page does not show (a bare expression, which a
doctest would echo, or a print with no comment lines after it) gets ``# doctest: +SKIP_OUTPUT``: it runs,
its output is not checked. A label line such as ``# Out:`` before the output is kept as a trailing comment
on the print line (``>>> print(x)  # Out:``) so nothing is lost and the reverse is exact.
"""

from __future__ import annotations

import ast
import re

from .rules import rules

_LABEL_TAIL = re.compile(r"\s{2}(#\s*\S.*)$")


class NotPython(ValueError):
    """The code is not valid Python 3, so it cannot become a doctest."""


SKIP_OUTPUT = "  # doctest: +SKIP_OUTPUT"
_INLINE_LABEL = re.compile(
    r"^(?P<label>(out(put)?|输出(结果)?|结果)\s*[:：])\s*(?P<rest>\S.*)$", re.I
)


def _echoes(node: ast.AST) -> bool:
    """A bare expression other than print(...): a script shows nothing, a doctest would show its repr."""
    return isinstance(node, ast.Expr) and not _prints(node)


def _prints(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
        for n in ast.walk(node)
    )


def to_doctest(code: str) -> str:
    """Convert a plain code part to doctest text; raise ``NotPython`` (with the line) when it does not parse."""
    code = code.expandtabs(4).strip("\n")
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise NotPython(f"line {exc.lineno}: {exc.msg}") from None
    lines = code.split("\n")
    # statement spans (1-based, inclusive); statements sharing a line are merged
    spans: list[list] = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        end = node.end_lineno
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
            spans[-1][2] = spans[-1][2] or _prints(node)
            spans[-1][3] = False
        else:
            spans.append([start, end, _prints(node), _echoes(node)])
    owner = {}
    for idx, (start, end, _, _) in enumerate(spans):
        for n in range(start, end + 1):
            owner[n] = idx
    R = rules()
    out: list[str] = []
    n = 1
    while n <= len(lines):
        if n in owner:
            start, end, prints, echoes = spans[owner[n]]
            for k in range(start, end + 1):
                text = lines[k - 1]
                out.append((">>> " if k == start else "... ") + text if text.strip() else "...")
            n = end + 1
            if prints or echoes:
                after = _take_output(lines, n, out, R)
                # the page shows no output here: run the statement, do not check what it prints
                if after == n:
                    out[-1] += SKIP_OUTPUT
                n = after
            continue
        text = lines[n - 1]
        if text.strip():
            out.append(">>> " + text.strip())
        n += 1
    return "\n".join(out) + "\n"


def _take_output(lines: list[str], n: int, out: list[str], R) -> int:
    """After a printing statement: consume the run of comment lines that shows its output."""
    k = n
    if k <= len(lines) and R.is_output_label(lines[k - 1]):
        out[-1] = out[-1] + "  " + lines[k - 1].strip()
        k += 1
    want: list[str] = []
    while k <= len(lines):
        text = lines[k - 1]
        stripped = text.strip()
        if not stripped.startswith("#") or R.marker(stripped):
            break
        body = re.sub(r"^#\s?", "", stripped)
        inline = _INLINE_LABEL.match(body) if not want and k == n else None
        if inline:  # '# Out: tensor(...)': the label becomes a trailing comment, the rest is output
            out[-1] = out[-1] + "  # " + inline.group("label")
            body = inline.group("rest")
        want.append(body if body.strip() else "<BLANKLINE>")
        k += 1
    if want and want[0].startswith(">>>"):
        return n
    out.extend(want)
    return k


def from_doctest(text: str) -> str:
    """The reverse of ``to_doctest``: plain code with the expected output as ``# `` comment lines.

    Parsed line by line rather than with ``doctest.DocTestParser``, which drops comment-only examples.
    """
    out: list[str] = []
    want: list[str] = []
    source: list[str] = []

    def flush() -> None:
        label = None
        if source:
            m = _LABEL_TAIL.search(source[-1])
            if m and want and rules().is_output_label(m.group(1)):
                label = m.group(1)
                source[-1] = source[-1][: m.start()]
        out.extend(source)
        if label:
            out.append(label)
        out.extend("#" if w == "<BLANKLINE>" else "# " + w for w in want)
        source.clear()
        want.clear()

    for line in text.rstrip("\n").split("\n"):
        line = line.removesuffix(SKIP_OUTPUT)
        if line.startswith(">>>"):
            flush()
            source.append(line[4:])
        elif line.startswith("...") and source and not want:
            source.append(line[4:])
        elif line.strip() or want:
            want.append(line)
    flush()
    return "\n".join(out) + "\n"
