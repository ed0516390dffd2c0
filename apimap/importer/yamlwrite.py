"""Mapping data -> YAML text that reads like a hand-written file: schema key order, block scalars for
multi-line text, short name lists in flow style."""

from __future__ import annotations

import io

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from ..model import Mapping

HEADER = (
    "# Imported by `apimap import` from {source}.\n"
    "# Review every needs_review mark and the imported_unplaced text, then delete them.\n"
)


def _order(model_cls) -> list[str]:
    return list(model_cls.model_fields)


def _convert(value, model_cls=None):
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(value, dict):
        out = CommentedMap()
        keys = list(value)
        if model_cls is not None:
            order = _order(model_cls)
            keys.sort(key=lambda k: order.index(k) if k in order else len(order))
        for k in keys:
            sub = None
            if model_cls is not None and k in model_cls.model_fields:
                sub = _model_in(model_cls.model_fields[k].annotation, BaseModel, get_args)
            out[k] = _convert(value[k], sub)
        return out
    if isinstance(value, list):
        seq = CommentedSeq(_convert(v, model_cls) for v in value)
        if (
            value
            and all(isinstance(v, str) and "\n" not in v and len(v) < 40 for v in value)
            and len(value) < 8
        ):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str):
        if "\n" in value.rstrip("\n"):
            text = "\n".join(line.rstrip() for line in value.split("\n"))
            return LiteralScalarString(text if text.endswith("\n") else text + "\n")
        if value.endswith("\n"):
            value = value.rstrip("\n")
        return value
    return value


def _model_in(annotation, BaseModel, get_args):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg, BaseModel, get_args)
        if found:
            return found
    return None


def dump(data: dict, source: str) -> str:
    doc = _convert(data, Mapping)
    for side in ("torch", "mindspore"):
        if side in doc and "version" in doc[side]:
            doc[side]["version"] = DoubleQuotedScalarString(doc[side]["version"])
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    buf = io.StringIO()
    yaml.dump(doc, buf)
    return HEADER.format(source=source) + buf.getvalue()
