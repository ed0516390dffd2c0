"""Signature text -> parameters, without importing anything.

Reads both the text stored in a mapping (``torch.optim.Adamax(params, lr=0.002, *, maximize=False)``) and the
first line of a C function's docstring (``cat(tensors, dim=0, *, out=None) -> Tensor``). The parser is tolerant:
annotations are skipped and defaults are kept as source text, so docstring oddities such as
``<object object>`` or a default before a required parameter still parse.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from ..paramkinds import KEYWORD_ONLY, POSITIONAL, POSITIONAL_ONLY, VAR_KEYWORD, VAR_POSITIONAL

__all__ = [
    "KEYWORD_ONLY",
    "POSITIONAL",
    "POSITIONAL_ONLY",
    "VAR_KEYWORD",
    "VAR_POSITIONAL",
    "Param",
    "parse_signature",
]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPEN, _CLOSE = "([{", ")]}"


class SignatureSyntaxError(ValueError):
    """The text is not a readable signature."""


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # one of the five kinds above
    default: str | None = None  # source text of the default; None when the parameter is required

    @property
    def label(self) -> str:
        """How a params row names it: 'args' -> '*args' for var-positional, '**kwargs' for var-keyword."""
        return {VAR_POSITIONAL: "*", VAR_KEYWORD: "**"}.get(self.kind, "") + self.name

    @property
    def is_var(self) -> bool:
        return self.kind in (VAR_POSITIONAL, VAR_KEYWORD)


def split_call(text: str) -> tuple[str, str, str]:
    """'torch.cat(tensors, dim=0) -> Tensor' -> ('torch.cat', 'tensors, dim=0', ' -> Tensor')."""
    text = " ".join(text.split())
    start = text.find("(")
    if start < 0:
        raise SignatureSyntaxError("no '(' in the signature")
    depth, quote = 0, None
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth == 0:
                return text[:start].strip(), text[start + 1 : i], text[i + 1 :]
    raise SignatureSyntaxError("unbalanced parentheses")


def parse_signature(text: str) -> tuple[Param, ...]:
    """Parameters of a signature text such as 'torch.optim.Adamax(params, lr=0.002, *, maximize=False)'."""
    return parse_params(split_call(text)[1])


def parse_params(inside: str) -> tuple[Param, ...]:
    """Parameters of the text between the parentheses."""
    params: list[Param] = []
    keyword_only = False
    for token in _split_top(inside, ","):
        token = token.strip()
        if not token:
            continue
        if token == "/":
            params = [
                Param(p.name, POSITIONAL_ONLY, p.default) if p.kind == POSITIONAL else p
                for p in params
            ]
            continue
        if token == "*":
            keyword_only = True
            continue
        stars = len(token) - len(token.lstrip("*"))
        body = token[stars:].strip()
        match = _IDENT.match(body)
        if not match or stars > 2:
            raise SignatureSyntaxError(f"cannot read parameter '{token}'")
        name = match.group(0)
        rest = body[match.end() :].strip()
        default = None
        parts = _split_top(rest, "=")
        if len(parts) > 1:
            default = "=".join(parts[1:]).strip()
        if stars == 1:
            params.append(Param(name, VAR_POSITIONAL))
            keyword_only = True
        elif stars == 2:
            params.append(Param(name, VAR_KEYWORD))
        else:
            params.append(Param(name, KEYWORD_ONLY if keyword_only else POSITIONAL, default))
    return tuple(params)


def _split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside brackets and quotes ('=' also skips ==, <=, >=, !=)."""
    parts, depth, quote, cur = [], 0, None, []
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in _OPEN + "<":
            depth += 1
        elif ch in _CLOSE + ">" and depth > 0 and not (ch == ">" and text[i - 1] == "-"):
            depth -= 1
        elif ch == sep and depth == 0:
            if sep != "=" or not (
                text[i - 1 : i] in ("=", "<", ">", "!") or text[i + 1 : i + 2] == "="
            ):
                parts.append("".join(cur))
                cur = []
                continue
        cur.append(ch)
    parts.append("".join(cur))
    return parts


_PREFIX = re.compile(r"^(torch|mindspore|ms)\.")
# torch's dtype aliases, by the name both frameworks share ('torch.long' is 'mindspore.int64')
_DTYPE_ALIASES = {
    "long": "int64",
    "int": "int32",
    "short": "int16",
    "float": "float32",
    "double": "float64",
    "half": "float16",
    "cfloat": "complex64",
    "cdouble": "complex128",
}
_MISSING = object()


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _MISSING


def same_default(a: str | None, b: str | None, across: bool = False) -> bool:
    """Whether two default texts mean the same value: 0 == 0.0 and 1e-8 == 1e-08, but True != 1.

    ``across`` compares two frameworks: a tuple equals a list with the same items, and
    ``torch.float32`` equals ``mindspore.float32``.
    """
    if a is None or b is None:
        return a is b
    va, vb = _literal(a), _literal(b)
    if va is not _MISSING and vb is not _MISSING:
        return _same_value(va, vb, across)
    if not across:
        return "".join(a.split()) == "".join(b.split())

    def norm(text: str) -> str:
        bare = _PREFIX.sub("", "".join(text.split()))
        return _DTYPE_ALIASES.get(bare, bare) if text.strip().startswith("torch.") else bare

    return norm(a) == norm(b)


def _same_value(a, b, across: bool) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    seqs = (list, tuple) if across else ()
    if (
        across
        and isinstance(a, seqs)
        and isinstance(b, seqs)
        or type(a) is type(b)
        and isinstance(a, (list, tuple))
    ):
        return len(a) == len(b) and all(
            _same_value(x, y, across) for x, y in zip(a, b, strict=False)
        )
    if isinstance(a, (int, float, complex)) and isinstance(b, (int, float, complex)):
        return a == b
    return type(a) is type(b) and a == b


def normalise_text(text: str) -> str:
    """Whitespace-insensitive form of a signature text, for drift comparison."""
    text = " ".join(text.split())
    return re.sub(r"\s*([(),=\[\]])\s*", r"\1", text).replace(",", ", ")
