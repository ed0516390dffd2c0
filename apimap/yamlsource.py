"""Safe YAML reading that keeps the line of every key and item.

Only plain data is accepted: no tags that build objects, no anchors or aliases (which also rules out
"billion laughs" expansion), no duplicate keys. Every error is a ``Problem`` with a line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem, ProblemsError, format_path


class _PyLoader(yaml.SafeLoader):
    """The pure-Python parser, which has no nesting limit of its own (see ``_own_limits_first``)."""

    def need_more_tokens(self):
        # Past our own depth limit, hand the parser what is scanned instead of reading ahead for a simple key:
        # the parser must open more than MAX_DEPTH collections to reach these tokens, and _from_events stops
        # there. (Reading ahead would cost time quadratic in the depth: each token re-checks every open level.)
        if self.flow_level > MAX_DEPTH and self.tokens:
            return False
        return super().need_more_tokens()


try:  # libyaml's parser is ~10x faster; the pure-Python one behaves the same.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = _PyLoader

MAX_BYTES = 1_000_000  # a mapping file is a few KiB; anything this large is a mistake or an attack
MAX_DEPTH = 12  # the schema nests 5 deep; deeper structures are rejected before validation
_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")
}
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


def load_trusted(text: str) -> Any:
    """The project's own configuration (conf/*.yaml): plain ``safe_load``, with libyaml's speed when present."""
    return yaml.load(text, Loader=_Loader)


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, LineMap]:
    """Parse one YAML file into plain Python data plus its ``LineMap``; raise ``ProblemsError``."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:  # refuse before reading it into memory
            raise ProblemsError(
                [Problem(name, 1, "", f"file is {size:,} bytes; the limit is {MAX_BYTES:,}")]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ProblemsError([Problem(name, 1, "", f"cannot read file: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProblemsError(
            [
                Problem(
                    name, line, "", f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
                )
            ]
        ) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> tuple[Any, LineMap]:
    """Build plain data from the parser's event stream, iteratively (no recursion, so no stack overflow on
    hostile nesting), recording the line of every key path."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return _from_events(text, name, _Loader)
    except yaml.MarkedYAMLError as exc:
        if _Loader is not _PyLoader:
            _own_limits_first(text, name)
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        msg = " ".join(" ".join(filter(None, [exc.context, exc.problem])).split()) or "invalid YAML"
        source_lines = text.splitlines()
        if line <= len(source_lines) and "\t" in source_lines[line - 1]:
            msg += " (tabs are not allowed for indentation)"
        raise ProblemsError([Problem(name, line, "", f"YAML syntax: {msg}")]) from None
    except yaml.reader.ReaderError as exc:  # a control character (e.g. NUL) in the text
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        raise ProblemsError(
            [
                Problem(
                    name,
                    line,
                    "",
                    f"YAML syntax: control character U+{_codepoint(exc.character):04X} is not allowed "
                    f"(position {exc.position})",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise ProblemsError(
            [Problem(name, 1, "", "YAML syntax: " + " ".join(str(exc).split()))]
        ) from None


def _own_limits_first(text: str, name: str) -> None:
    """libyaml (bundled since PyYAML 6.0.4) stops at 1,000 nesting levels, and inside a flow collection its scanner
    reads ahead past our own depth check. So when libyaml fails, read the text again with the pure-Python parser,
    which has no such limit: if one of our checks (depth, tags, aliases, keys) fires first, that is the error,
    the same on every PyYAML version. Its own syntax errors are ignored; libyaml's message is the one reported."""
    try:
        _from_events(text, name, _PyLoader)
    except yaml.YAMLError:
        pass


def _codepoint(ch) -> int:
    return ch if isinstance(ch, int) else ord(ch)


_RESOLVER = yaml.resolver.Resolver()
_FLOAT_12 = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)[eE][-+]?\d+$")


class _Frame:
    __slots__ = ("loc", "value", "is_map", "key")

    def __init__(self, loc: Loc, value):
        self.loc, self.value, self.is_map, self.key = loc, value, isinstance(value, dict), None


_Scalar, _MapStart, _SeqStart, _Alias = (
    yaml.ScalarEvent,
    yaml.MappingStartEvent,
    yaml.SequenceStartEvent,
    yaml.AliasEvent,
)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_MERGE = "tag:yaml.org,2002:merge"


def _from_events(text: str, name: str, loader_class) -> tuple[Any, LineMap]:
    """One pass over the events; dispatch on the event's class (this loop is most of a file's load time)."""
    lines = LineMap()
    key_lines, text_lines = lines.lines, lines.text_lines
    stack: list[_Frame] = []
    root: list[Any] = []
    documents = 0

    def fail(event, loc, message):
        raise ProblemsError([Problem(name, event.start_mark.line + 1, format_path(loc), message)])

    loader = loader_class(text)
    get_event = loader.get_event
    try:
        while True:
            event = get_event()
            cls = type(event)
            if cls is _Scalar or cls is _MapStart or cls is _SeqStart or cls is _Alias:
                top = stack[-1] if stack else None
                in_map = top is not None and top.is_map
                if in_map and top.key is None:  # a key
                    if cls is _Alias or event.anchor:
                        fail(event, top.loc, "anchors and aliases (&, *) are not allowed")
                    if cls is not _Scalar:
                        fail(event, top.loc, "keys must be plain strings")
                    if event.tag == _MERGE or (event.value == "<<" and event.implicit[0]):
                        fail(event, top.loc, "merge keys (<<) are not allowed")
                    key = _scalar(event, name)
                    if key == "<<":
                        fail(event, top.loc, "merge keys (<<) are not allowed")
                    key = str(key)
                    loc = top.loc + (key,)
                    if key in top.value:
                        fail(event, loc, f"duplicate key '{key}' (first at line {key_lines[loc]})")
                    key_lines[loc] = event.start_mark.line + 1
                    top.key = key
                    top.value[key] = None  # placeholder keeps the key order and marks it seen
                    continue
                # a value: where it goes
                loc = () if top is None else top.loc + ((top.key,) if in_map else (len(top.value),))
                if cls is _Alias or event.anchor:
                    fail(event, loc, "anchors and aliases (&, *) are not allowed")
                line = event.start_mark.line + 1
                if loc not in key_lines:
                    key_lines[loc] = line
                tag = event.tag
                if tag is not None and tag != "!":
                    if tag == _MERGE:
                        fail(event, loc, "merge keys (<<) are not allowed")
                    if tag not in _PLAIN_TAGS:
                        fail(
                            event,
                            loc,
                            f"YAML tag '{tag}' is not allowed; mappings hold plain data only",
                        )
                if cls is _Scalar:
                    if event.style == "|" or event.style == ">":
                        text_lines[loc] = line + 1
                    value = _scalar(event, name)
                else:
                    if len(stack) >= MAX_DEPTH:
                        fail(event, loc, f"nested deeper than {MAX_DEPTH} levels")
                    stack.append(_Frame(loc, {} if cls is _MapStart else []))
                    continue
            elif cls in _ENDS:
                value = stack.pop().value
            elif cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    fail(event, (), "more than one YAML document (---); one mapping per file")
                continue
            elif event is None or cls is yaml.StreamEndEvent:
                break
            else:  # stream start, document end
                continue
            # put ``value`` where it belongs
            if not stack:
                root.append(value)
            else:
                top = stack[-1]
                if top.is_map:
                    top.value[top.key] = value
                    top.key = None
                else:
                    top.value.append(value)
    finally:
        loader.dispose()
    if not root or root[0] is None:
        raise ProblemsError(
            [
                Problem(
                    name,
                    1,
                    "",
                    "empty file; expected a mapping with keys torch, mindspore, category, ...",
                )
            ]
        )
    return root[0], lines


def _scalar(event, name: str) -> Any:
    tag = event.tag
    if tag is None and event.style:  # quoted or block text: always a string
        return event.value
    if tag in (None, "!"):
        tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag not in _PLAIN_TAGS:
        raise ProblemsError(
            [
                Problem(
                    name,
                    event.start_mark.line + 1,
                    "",
                    f"YAML tag '{tag}' is not allowed; mappings hold plain data only",
                )
            ]
        )
    if tag == "tag:yaml.org,2002:str":
        if not event.style and event.implicit[0] and _FLOAT_12.match(event.value):
            return float(event.value)  # YAML 1.2 reads 1e-8 as a number; YAML 1.1 (PyYAML) as text
        return event.value
    return _SCALAR.construct_object(
        yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    )
