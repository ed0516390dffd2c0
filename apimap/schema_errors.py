"""pydantic validation errors -> one-line ``Problem``s at the YAML line of their key path, for any root model
(a mapping file, or a conf/ file)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import get_args

from pydantic import BaseModel, ValidationError

from .problems import Problem, did_you_mean, format_path
from .yamlsource import LineMap


def pydantic_problems(
    exc: ValidationError,
    data,
    lines: LineMap,
    display: str,
    root: type[BaseModel],
    pattern_names: dict[str, str] | None = None,
) -> Iterable[Problem]:
    """One problem per key path; ``pattern_names`` names what a field's pattern stands for (e.g. id)."""
    names = {**_PATTERN_NAMES, **(pattern_names or {})}
    by_loc: dict[tuple, list[dict]] = {}
    for err in exc.errors(include_url=False):
        by_loc.setdefault(_data_loc(err["loc"], data, root), []).append(err)
    # "categroy: unknown key; did you mean 'category'?" already says what "category: missing" would
    suggested = set()
    for loc, errs in by_loc.items():
        for err in errs:
            if err["type"] == "extra_forbidden":
                parent = model_at(root, loc[:-1])
                close = (
                    difflib.get_close_matches(
                        str(loc[-1]), list(parent.model_fields) if parent else [], n=1, cutoff=0.6
                    )
                    if loc
                    else []
                )
                if close:
                    suggested.add(loc[:-1] + (close[0],))
    for loc, errs in by_loc.items():
        if loc in suggested and all(e["type"] == "missing" for e in errs):
            continue
        yield Problem(
            display, lines.line(loc), short_path(loc), _one_message(errs, loc, root, names)
        )


def _one_message(errs: list[dict], loc: tuple, root: type[BaseModel], names: dict[str, str]) -> str:
    """One message per location: a union (name or list of names) fails once per member; say it once."""
    if len(errs) == 1:
        return _message(errs[0], loc, root, names)
    for err in errs:  # the most specific complaint wins
        if err["type"] in (
            "string_pattern_mismatch",
            "string_too_short",
            "literal_error",
            "value_error",
        ):
            return _message(err, loc, root, names)
    value = errs[0].get("input")
    wanted = " or ".join(dict.fromkeys(_EXPECT.get(e["type"], e["type"]) for e in errs))
    if loc and loc[-1] in ("torch", "mindspore"):
        wanted = "a parameter name or a list of names"
    return f"expected {wanted}, got {typename(value)}"


def _data_loc(loc: tuple, data, root: type[BaseModel]) -> tuple:
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
        elif (
            isinstance(part, str)
            and (model := model_at(root, tuple(out))) is not None
            and part in model.model_fields
        ):
            out.append(part)
            node = None
    return tuple(out)


def _message(err: dict, loc: tuple, root: type[BaseModel], names: dict[str, str]) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        parent = model_at(root, loc[:-1])
        allowed = list(parent.model_fields) if parent else []
        hint = did_you_mean(loc[-1], allowed) or (
            f"; allowed: {', '.join(allowed)}" if allowed else ""
        )
        return f"unknown key '{short(loc[-1], 40)}'{hint}"
    if kind == "missing":
        return "required key is missing" + (
            " (write the text in both en and zh)" if loc and loc[-1] in ("en", "zh") else ""
        )
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"'{short(value)}' is not allowed; expected {expected}"
    if kind in (
        "string_type",
        "list_type",
        "dict_type",
        "model_type",
        "float_type",
        "int_type",
        "bool_type",
        "model_attributes_type",
    ):
        return f"expected {_EXPECT.get(kind, kind)}, got {typename(value)}"
    if kind == "string_pattern_mismatch" or kind == "string_too_short":
        if isinstance(value, str) and not value.strip():
            return "must not be empty"
        field = loc[-1] if loc and isinstance(loc[-1], str) else ""
        return f"'{short(value)}' is not a valid {names.get(field, 'value')}"
    if kind == "too_short":
        return "must have at least one item"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {
            "greater_than_equal": ">=",
            "greater_than": ">",
            "less_than_equal": "<=",
            "less_than": "<",
        }[kind]
        limit = next(iter(err.get("ctx", {}).values()), "")
        return f"must be {op} {limit}, got {value}"
    if kind == "value_error":
        return err["msg"].removeprefix("Value error, ")
    return err["msg"]


_EXPECT = {
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping of keys",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
    "float_type": "a number",
    "int_type": "a whole number",
    "bool_type": "true or false",
}
_PATTERN_NAMES = {
    "api": "dotted API name (e.g. torch.optim.Adam)",
    "version": 'version (e.g. "2.13.0", quoted)',
    "url": "http(s) URL",
    "id": "example id (lowercase letters, digits, - and _)",
    "torch": "parameter name",
    "mindspore": "parameter name",
    "names": "variable name",
}


def model_at(root: type[BaseModel], loc: tuple):
    """The pydantic model class that holds keys at ``loc`` (to suggest valid keys)."""
    cls = root
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
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found:
            return found
    return None


def short_path(loc: tuple) -> str:
    """A key path for a message, each key cut to an excerpt: a hostile key is never echoed whole."""
    return format_path(tuple(short(p, 40) if isinstance(p, str) else p for p in loc))


def typename(value) -> str:
    if value is None:
        return "nothing (null)"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def short(value, limit: int = 60) -> str:
    text = (
        str(value).encode("unicode_escape").decode("ascii")
        if any(c in str(value) for c in "\n\r\t")
        else str(value)
    )
    return text if len(text) <= limit else text[: limit - 3] + "..."
