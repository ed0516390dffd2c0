"""Rewrite the stored signature text and version of a mapping file, keeping everything else as written.

ruamel.yaml round-trip keeps comments, key order, flow style and quoting; the new values take the
scalar style of the old ones. Prose is never touched: only ``<side>.signature`` and ``<side>.version``.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

FIELDS = ("signature", "version")


def update_file(path: Path, values: dict[tuple[str, str], str]) -> bool:
    """Set ``values`` ({("torch", "signature"): text, ...}) in the file; return whether it changed.

    Raises ``RuntimeError`` (and writes nothing) if the round trip would change any other data.
    """
    path = Path(path)
    original = path.read_text(encoding="utf-8")
    rt = _yaml(original)
    doc = rt.load(original)
    changed = False
    for (side, key), new in values.items():
        if key not in FIELDS:
            raise ValueError(f"update_file only rewrites {FIELDS}, not {key}")
        section = doc.get(side)
        if section is None or section.get(key) is None:
            continue
        old = section[key]
        if _same_text(old, new):
            continue
        section[key] = _styled_like(old, new)
        changed = True
    if not changed:
        return False
    out = io.StringIO()
    rt.dump(doc, out)
    text = out.getvalue()
    _guard(original, text, values)
    _write_atomic(path, text)
    return True


def _yaml(text: str) -> YAML:
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 10_000  # never re-wrap long lines
    mapping, sequence, offset = _indents(text)
    rt.indent(mapping=mapping, sequence=sequence, offset=offset)
    return rt


def _indents(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as the file writes them; defaults 2, 4, 2."""
    mapping = 2
    for line in text.splitlines():
        match = re.match(r"^( +)\w[\w-]*:", line)
        if match:
            mapping = len(match.group(1))
            break
    lines = text.splitlines()
    for i, line in enumerate(lines[1:], start=1):
        dash = re.match(r"^( *)- ", line)
        parent = re.match(r"^( *)[\w-]+:\s*$", lines[i - 1])
        if dash and parent:
            offset = len(dash.group(1)) - len(parent.group(1))
            return mapping, offset + 2, offset
    return mapping, 4, 2


def _same_text(old, new: str) -> bool:
    return str(old).strip() == new.strip()


def _styled_like(old, new: str):
    if isinstance(old, LiteralScalarString):
        return LiteralScalarString(new + ("\n" if str(old).endswith("\n") else ""))
    if isinstance(old, FoldedScalarString):
        return FoldedScalarString(new + ("\n" if str(old).endswith("\n") else ""))
    if isinstance(old, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(new)
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(new)
    return new


def _guard(before: str, after: str, values: dict) -> None:
    """Both texts must hold the same data apart from the rewritten fields."""
    old, new = yaml.safe_load(before), yaml.safe_load(after)
    for side, key in values:
        for data in (old, new):
            if isinstance(data.get(side), dict):
                data[side].pop(key, None)
    if old != new:
        raise RuntimeError("rewriting would change other data; update this file by hand")


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, path.stat().st_mode & 0o777)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
