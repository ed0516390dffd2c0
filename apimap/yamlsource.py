"""Safe YAML reading that keeps the line of every key and item.

Only plain data is accepted: no tags that build objects, no anchors or aliases (which also rules out
"billion laughs" expansion), no duplicate keys. Every error is a ``Problem`` with a line number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem, ProblemsError, format_path

try:  # libyaml's parser is ~10x faster; the pure-Python one behaves the same.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

MAX_BYTES = 1_000_000  # a mapping file is a few KiB; anything this large is a mistake or an attack
MAX_DEPTH = 12  # the schema nests 5 deep; deeper structures are rejected before validation
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}
_SCALAR = yaml.constructor.SafeConstructor()

Loc = tuple  # a key path: ("params", 3, "relation")


@dataclass
class LineMap:
    """Line (1-based) of every key path in one document, and of the first content line of block text."""

    lines: dict[Loc, int] = field(default_factory=dict)
    text_lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: Loc) -> int:
        """Line of ``loc`` or of its closest known ancestor (pydantic locations may run past the data)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)

    def text_line(self, loc: Loc) -> int:
        """Line where the text of a scalar starts (the line after ``|`` for block scalars)."""
        return self.text_lines.get(tuple(loc), self.line(loc))


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, LineMap]:
    """Parse one YAML file into plain Python data plus its ``LineMap``; raise ``ProblemsError``."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProblemsError([Problem(name, 1, "", f"cannot read file: {exc.strerror}")]) from None
    if len(raw) > MAX_BYTES:
        raise ProblemsError([Problem(name, 1, "", f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProblemsError([Problem(name, line, "", f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")]) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> tuple[Any, LineMap]:
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        msg = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        source_lines = text.splitlines()
        if line <= len(source_lines) and "\t" in source_lines[line - 1]:
            msg += " (tabs are not allowed for indentation)"
        raise ProblemsError([Problem(name, line, "", f"YAML syntax: {msg}")]) from None
    except yaml.YAMLError as exc:  # e.g. a document that is only a stray token
        raise ProblemsError([Problem(name, 1, "", f"YAML syntax: {exc}")]) from None
    if node is None:
        raise ProblemsError([Problem(name, 1, "", "empty file; expected a mapping with keys torch, mindspore, category, ...")])
    lines = LineMap()
    data = _build(node, (), lines, name, seen=set())
    return data, lines


def _build(node: yaml.Node, loc: Loc, lines: LineMap, name: str, seen: set[int]) -> Any:
    line = node.start_mark.line + 1
    lines.lines.setdefault(loc, line)
    where = format_path(loc)
    if id(node) in seen:
        raise ProblemsError([Problem(name, line, where, "anchors and aliases (&, *) are not allowed")])
    if len(loc) > MAX_DEPTH:
        raise ProblemsError([Problem(name, line, where, f"nested deeper than {MAX_DEPTH} levels")])
    if node.tag not in _PLAIN_TAGS:
        raise ProblemsError([Problem(name, line, where, f"YAML tag '{node.tag}' is not allowed; mappings hold plain data only")])
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                raise ProblemsError([Problem(name, key_node.start_mark.line + 1, where, "keys must be plain strings")])
            key = _SCALAR.construct_object(key_node)
            if key == "<<" or key_node.tag == "tag:yaml.org,2002:merge":
                raise ProblemsError([Problem(name, key_node.start_mark.line + 1, where, "merge keys (<<) are not allowed")])
            key = str(key)
            sub = loc + (key,)
            if key in out:
                raise ProblemsError([Problem(name, key_node.start_mark.line + 1, format_path(sub),
                                             f"duplicate key '{key}' (first at line {lines.lines[sub]})")])
            lines.lines[sub] = key_node.start_mark.line + 1
            out[key] = _build(value_node, sub, lines, name, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, loc + (i,), lines, name, seen) for i, item in enumerate(node.value)]
    if node.style in ("|", ">"):
        lines.text_lines[loc] = line + 1
    return _SCALAR.construct_object(node)
