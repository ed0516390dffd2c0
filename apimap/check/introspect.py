"""The live frameworks: resolve dotted names, see through decorators, and read one canonical signature.

Nothing here imports torch or mindspore at module import time; ``Frameworks`` imports them on first use
(tests pass small fake modules instead).
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .sigparse import Param, SignatureSyntaxError, parse_params, split_call

NAMES = {"torch": "PyTorch", "mindspore": "MindSpore"}


class Unresolved(LookupError):
    """A dotted name that does not lead to an object; the message is ready to show."""


@dataclass(frozen=True)
class LiveSignature:
    text: str  # canonical text, see canonical_signature
    params: tuple[Param, ...]
    source: str  # inspect | overload | text_signature | docstring
    # further documented forms (torch.mean(input, dim, ...))
    overloads: tuple[LiveSignature, ...] = ()
    opaque: bool = False  # only (*args, **kwargs) could be read: parameters cannot be checked

    @property
    def variants(self) -> tuple[LiveSignature, ...]:
        return (self, *self.overloads)

    def get(self, name: str) -> Param | None:
        """The parameter in the first form that has it."""
        for variant in self.variants:
            found = next((p for p in variant.params if p.name == name), None)
            if found:
                return found
        return None

    def default_by_form(self, name: str) -> bool:
        """Whether the documented forms disagree on the parameter's default (one gives none, another one):
        torch.prod's docstring writes ``prod(input, *, dtype: Optional[_dtype])``, then ``dtype=None``."""
        defaults = {p.default is None for v in self.variants for p in v.params if p.name == name}
        return len(defaults) > 1

    def optional_by_form(self, name: str) -> bool:
        """Whether some documented form leaves the parameter out (so its own default says little)."""
        return len(self.variants) > 1 and any(
            all(p.name != name for p in v.params) for v in self.variants
        )

    @property
    def all_params(self) -> tuple[Param, ...]:
        """Every parameter of every form, once, in order of first appearance."""
        seen: dict[str, Param] = {}
        for variant in self.variants:
            for p in variant.params:
                seen.setdefault(p.name, p)
        return tuple(seen.values())

    def closest(self, params: tuple[Param, ...]) -> LiveSignature:
        """The form that best matches a stored parameter list."""
        names = {p.name for p in params}
        return max(
            self.variants,
            key=lambda v: (
                len(names & {p.name for p in v.params}) - len(names ^ {p.name for p in v.params})
            ),
        )

    @property
    def fullest(self) -> LiveSignature:
        return max(self.variants, key=lambda v: len(v.params))


@dataclass(frozen=True)
class LiveApi:
    api: str
    kind: str  # class | function | method | attribute
    signature: LiveSignature | None  # None: nothing readable (or an attribute)


class Frameworks:
    """The installed frameworks, imported once. ``roots`` replaces the real top-level modules (for tests)."""

    def __init__(
        self,
        roots: dict[str, Any] | None = None,
        importer: Callable[[str], Any] = importlib.import_module,
    ):
        self._roots = dict(roots or {})
        self._import = importer

    def root(self, key: str):
        if key not in self._roots:
            self._roots[key] = self._import(key)
        return self._roots[key]

    def version(self, key: str) -> str:
        """The public version ('2.13.0+cpu' -> '2.13.0'), as mapping files record it."""
        return str(getattr(self.root(key), "__version__", "0.0")).split("+", 1)[0]

    def label(self, key: str) -> str:
        return f"{NAMES.get(key, key)} {self.version(key)}"

    def resolve(self, api: str) -> tuple[Any, Any]:
        """(object, the object it was found on); raise ``Unresolved`` with close matches."""
        parts = api.split(".")
        obj, parent = self.root(parts[0]), None
        for i, part in enumerate(parts[1:], start=1):
            prefix = ".".join(parts[:i])
            try:
                obj, parent = getattr(obj, part), obj
                continue
            except AttributeError:
                pass
            except Exception as exc:  # noqa: BLE001 - a lazy attribute that fails to import is as good as missing
                raise Unresolved(
                    f"{api}: {prefix}.{part} raises {type(exc).__name__} when accessed"
                ) from None
            if isinstance(obj, types.ModuleType) and getattr(obj, "__spec__", None) is not None:
                try:
                    obj, parent = importlib.import_module(f"{obj.__name__}.{part}"), obj
                    continue
                except ImportError:
                    pass
            close = _close_match(part, _public_names(obj))
            hint = f"; did you mean {prefix}.{close}?" if close else ""
            if i == len(parts) - 1:
                raise Unresolved(f"{api}: no such attribute{hint}")
            raise Unresolved(f"{api}: {prefix} has no attribute '{part}'{hint}")
        return obj, parent

    def inspect_api(self, api: str) -> LiveApi:
        obj, parent = self.resolve(api)
        kind = kind_of(obj, parent)
        sig = None if kind == "attribute" else canonical_signature(api, obj)
        return LiveApi(api, kind, sig)


def _public_names(obj) -> list[str]:
    try:
        return [n for n in dir(obj) if not n.startswith("_")]
    except Exception:  # noqa: BLE001 - a framework object whose dir() breaks has no names to suggest
        return []


def _close_match(word: str, names: list[str]) -> str | None:
    lowered = {n.lower(): n for n in names}
    if word.lower() in lowered:
        return lowered[word.lower()]
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.75)
    return close[0] if close else None


def kind_of(obj, parent=None) -> str:
    if inspect.isclass(obj):
        return "class"
    if not callable(obj):
        return "attribute"
    if inspect.isclass(parent):
        return "method"
    return "function"


def canonical_signature(api: str, obj) -> LiveSignature | None:
    """The one signature text mappings store, or None when nothing readable exists.

    Format: ``f"{api}{sig}"``, where ``sig`` is ``str(inspect.Signature)`` of the callable with

    * every annotation and the return annotation removed,
    * ``self``/``cls`` dropped (for a class: the parameters of ``__init__`` without its first one),
    * decorators seen through: ``__wrapped__`` chains, and wrappers without ``functools.wraps`` whose
      signature is only ``(*args, **kwargs)``: the wrapped function is taken from their closure
      (MindSpore's optimizers wrap ``__init__`` this way),
    * memory addresses dropped from default reprs (``<object object at 0x7f..>`` -> ``<object object>``),

    e.g. ``torch.optim.Adamax(params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, foreach=None,
    *, maximize=False, differentiable=False, capturable=False)``.
    When ``inspect`` gives nothing, or only ``(*args, **kwargs)``, the next source is tried: ``typing``
    overloads (``torch.nn.LSTM``), ``__text_signature__``, then the docstring's first line, kept as written
    after the name, return part included: ``torch.cat(tensors, dim=0, *, out=None) -> Tensor``. Further
    docstring forms (``.. function:: mean(input, dim, ...)``) and overloads become ``overloads``.
    If only ``(*args, **kwargs)`` exists anywhere, that is returned with ``opaque=True``.
    ``apimap check``, ``apimap check --update`` and ``apimap new`` all use this function.
    """
    sig = _inspect_signature(obj)
    found = None
    if sig is not None:
        text = f"{api}{_plain(sig)}"
        params = parse_params(split_call(text)[1])
        found = LiveSignature(text, params, "inspect", opaque=_varargs_only(params))
    if found is not None and not found.opaque:
        return found
    for source, texts in (
        ("overload", _overload_texts(obj)),
        ("text_signature", [_text_signature(obj)]),
        ("docstring", _docstring_signatures(api, obj)),
    ):
        forms = []
        for inside in texts:
            if inside is None:
                continue
            try:
                forms.append(
                    LiveSignature(f"{api}{inside}", parse_params(split_call(inside)[1]), source)
                )
            except SignatureSyntaxError:
                continue
        forms = [f for f in forms if not _varargs_only(f.params)]
        if forms:
            return LiveSignature(forms[0].text, forms[0].params, source, tuple(forms[1:]))
    return found


def _plain(sig: inspect.Signature) -> str:
    """'(a, b=1)': no annotations, no return annotation, no memory addresses."""
    sig = sig.replace(
        parameters=[p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()],
        return_annotation=inspect.Signature.empty,
    )
    return re.sub(r" at 0x[0-9a-fA-F]+", "", str(sig))


def _varargs_only(params) -> bool:
    return bool(params) and all(p.is_var for p in params)


def _overload_texts(obj) -> list[str]:
    """Signatures registered with typing.overload (for a class: on __init__), without self."""
    import typing

    target = _own_init(obj) if inspect.isclass(obj) else obj
    try:
        overloads = typing.get_overloads(target) if target is not None else []
    except Exception:  # noqa: BLE001 - no readable overloads: fall back to the other signature sources
        return []
    texts = []
    for func in overloads:
        sig = _signature(func)
        if sig is None:
            continue
        params = list(sig.parameters.values())
        if params and params[0].name in ("self", "cls"):
            params = params[1:]
        texts.append(_plain(sig.replace(parameters=params)))
    return texts


def _inspect_signature(obj) -> inspect.Signature | None:
    if inspect.isclass(obj):
        init = _own_init(obj)
        if init is None:
            return _signature(obj)
        sig = _signature(see_through(init))
        if sig is None:
            return None
        params = list(sig.parameters.values())
        if params and params[0].kind in (
            params[0].POSITIONAL_ONLY,
            params[0].POSITIONAL_OR_KEYWORD,
        ):
            params = params[1:]
        return sig.replace(parameters=params)
    sig = _signature(see_through(obj))
    if sig is None:
        return None
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls") and params[0].kind != params[0].KEYWORD_ONLY:
        params = params[1:]
    return sig.replace(parameters=params)


def _signature(obj) -> inspect.Signature | None:
    try:
        return inspect.signature(obj)
    except (ValueError, TypeError):
        return None


def _own_init(cls):
    """The Python ``__init__`` a class gets from its MRO, or None (object's or a C slot)."""
    for klass in cls.__mro__:
        if "__init__" in vars(klass):
            init = vars(klass)["__init__"]
            return init if klass is not object and isinstance(init, types.FunctionType) else None
    return None


def see_through(func, depth: int = 8):
    """The function a decorator wraps: follows ``__wrapped__``, and closures of ``(*args, **kwargs)`` wrappers."""
    for _ in range(depth):
        func = inspect.unwrap(func)
        sig = _signature(func)
        if sig is None or not _only_varargs(sig):
            return func
        inner = _closure_function(func)
        if inner is None:
            return func
        func = inner
    return func


def _only_varargs(sig: inspect.Signature) -> bool:
    kinds = [p.kind for p in sig.parameters.values()]
    if len(kinds) > 1 and kinds[0] in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    ):
        kinds = kinds[1:]  # a method wrapper's own `self`
    return bool(kinds) and all(
        k in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD) for k in kinds
    )


def _closure_function(func):
    cells = []
    for cell in getattr(func, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(value, types.FunctionType) and value is not func:
            cells.append(value)
    if len(cells) == 1:
        return cells[0]
    named = [f for f in cells if f.__name__ == getattr(func, "__name__", None)]
    return named[0] if len(named) == 1 else None


def _text_signature(obj) -> str | None:
    text = getattr(obj, "__text_signature__", None)
    if not isinstance(text, str) or not text.startswith("("):
        return None
    # '($self, /, x, y=1)': drop the bound first parameter
    text = re.sub(r"^\(\$\w+\s*(,\s*/\s*)?,?\s*", "(", text)
    return text


def _docstring_signatures(api: str, obj) -> list[str]:
    """['(tensors, dim=0, *, out=None) -> Tensor', ...] from a docstring that starts 'cat(tensors, ...) -> Tensor';
    later '.. function:: cat(...)' and '.. method:: Tensor.add(...)' lines (MindSpore's overloads) are further
    forms."""
    doc = getattr(obj, "__doc__", None)
    if not isinstance(doc, str):
        return []
    lines = [line.strip() for line in doc.strip().splitlines()]
    if not lines:
        return []
    name = api.rsplit(".", 1)[-1]
    further = (".. function:: ", ".. method:: ")
    starts = [0] + [i for i, line in enumerate(lines) if i and line.startswith(further)]
    forms = []
    for i in starts:
        # reST escapes a bare star ('full_like(input, fill_value, \\*, dtype=None)')
        text = lines[i].removeprefix(further[0]).removeprefix(further[1]).replace("\\*", "*")
        match = re.match(r"^(?:[\w.]+\.)?(\w+)\s*\(", text)
        if not match or match.group(1) != name:
            if i == 0:
                return []  # the docstring does not start with this API's signature
            continue
        for extra in lines[i + 1 : i + 10]:  # a signature may wrap onto following lines
            try:
                split_call(text)
                break
            except SignatureSyntaxError:
                text += " " + extra.replace("\\*", "*")
        try:
            _, inside, tail = split_call(text)
        except SignatureSyntaxError:
            continue
        tail = tail.strip()
        forms.append(f"({inside})" + (f" {tail}" if tail.startswith("->") else ""))
    return forms
