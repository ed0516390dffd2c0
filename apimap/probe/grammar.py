"""Probe values: the small language a mapping's ``probe`` section writes its arguments in.

A value is a YAML scalar or list. A string that starts like a call (``randn(2, 5)``) or a tuple (``(2, 3)``) is
an expression; any other string is itself (``reduction: mean``). Expressions are parsed with ``ast`` and checked
node by node, never evaluated: literals (numbers, strings, True/False/None, ``inf``, ``nan``, tuples, lists,
negative numbers) and calls of the generators below, whose arguments are literals. ``dtype=`` takes a dtype name.

Generators (made in numpy from a fixed seed, then handed to both frameworks as the same values):

    randn(2, 5)            standard normal, float32
    rand(2, 5)             uniform on [0, 1), float32
    randint(0, 5, (2, 3))  integers in [low, high), int64
    tensor([[1, 2]])       the data given (int64 for integers, float32 for floats, bool for booleans)
    zeros(2, 3)  ones(2, 3)  full((2, 3), 1.5)  arange(6)  eye(3)

each with an optional ``dtype=float64`` (or any name in ``DTYPES``).
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass

GENERATORS = ("randn", "rand", "randint", "tensor", "zeros", "ones", "full", "arange", "eye")
DTYPES = (
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
    "complex64",
)
_LOOKS_LIKE_EXPR = re.compile(r"^\s*(?:[A-Za-z_]\w*\s*\(|\()")


class ProbeSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Gen:
    """A tensor made by a generator: ``name(*args, dtype=dtype)``."""

    name: str
    args: tuple
    dtype: str | None = None

    def source(self) -> str:
        parts = [repr(a) for a in self.args] + ([f"dtype={self.dtype}"] if self.dtype else [])
        return f"{self.name}({', '.join(parts)})"


@dataclass(frozen=True)
class DType:
    """A dtype by name (``float64``): each framework gets its own (``torch.float64``, ``mindspore.float64``)."""

    name: str

    def source(self) -> str:
        return self.name


def flat(value):
    """The leaves of nested lists and tuples, in order (a non-sequence is its own leaf)."""
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from flat(v)
    else:
        yield value


def parse(value):
    """A YAML value as a probe value: ``Gen``, ``DType``, or a literal (int, float, bool, None, str, tuple,
    list). A string that is a dtype name (``float64``) is that dtype."""
    if isinstance(value, list):
        return [parse(v) for v in value]
    if isinstance(value, str) and value in DTYPES:
        return DType(value)
    if isinstance(value, str) and _LOOKS_LIKE_EXPR.match(value):
        try:
            tree = ast.parse(value.strip(), mode="eval")
        except SyntaxError as exc:
            raise ProbeSyntaxError(f"'{value}' is not a valid expression: {exc.msg}") from None
        return _node(tree.body, value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ProbeSyntaxError(
        f"a probe value is a number, a string, a list or an expression, not {type(value).__name__}"
    )


def _node(node, text: str):
    if isinstance(node, ast.Constant) and (
        node.value is None or isinstance(node.value, (bool, int, float, str))
    ):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _node(node.operand, text)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner
    if isinstance(node, ast.Tuple):
        return tuple(_node(e, text) for e in node.elts)
    if isinstance(node, ast.List):
        return [_node(e, text) for e in node.elts]
    if isinstance(node, ast.Name) and node.id in ("inf", "nan"):
        return float(node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _generator(node, text)
    raise ProbeSyntaxError(
        f"'{text}': only literals and generator calls are allowed, not '{ast.unparse(node)}'"
    )


def _generator(node: ast.Call, text: str) -> Gen:
    name = node.func.id
    if name not in GENERATORS:
        close = difflib.get_close_matches(name, GENERATORS, n=1)
        hint = f"; did you mean {close[0]}?" if close else f" (one of {', '.join(GENERATORS)})"
        raise ProbeSyntaxError(f"'{text}': {name} is not a probe generator{hint}")
    args = tuple(_node(a, text) for a in node.args)
    if any(isinstance(a, Gen) for a in flat(args)):
        raise ProbeSyntaxError(f"'{text}': a generator's arguments are literals, not generators")
    dtype = None
    for kw in node.keywords:
        if kw.arg != "dtype":
            raise ProbeSyntaxError(f"'{text}': generators take only dtype=, not {kw.arg}=")
        dtype = kw.value.id if isinstance(kw.value, ast.Name) else _node(kw.value, text)
        if dtype not in DTYPES:
            close = difflib.get_close_matches(str(dtype), DTYPES, n=1)
            hint = f"; did you mean {close[0]}?" if close else f" (one of {', '.join(DTYPES)})"
            raise ProbeSyntaxError(f"'{text}': unknown dtype {dtype!r}{hint}")
    if not _arity_ok(name, args):
        raise ProbeSyntaxError(f"'{text}': {USAGE[name]}")
    return Gen(name, args, dtype)


USAGE = {
    "randn": "randn takes a shape: randn(2, 5) or randn((2, 5))",
    "rand": "rand takes a shape: rand(2, 5) or rand((2, 5))",
    "zeros": "zeros takes a shape: zeros(2, 5)",
    "ones": "ones takes a shape: ones(2, 5)",
    "randint": "randint takes low, high and a shape tuple: randint(0, 5, (2, 3))",
    "tensor": "tensor takes one nested list of numbers or booleans: tensor([[1, 2]])",
    "full": "full takes a shape tuple and a number: full((2, 3), 1.5)",
    "arange": "arange takes 1 to 3 numbers: arange(6), arange(1, 7, 2)",
    "eye": "eye takes a size: eye(3)",
}


def shape_of(args: tuple) -> tuple | None:
    """The shape a randn/rand/zeros/ones call gives: (2, 5) from (2, 5) or ((2, 5),)."""
    shape = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    return tuple(shape) if _sizes(shape) else None


def _sizes(values) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values)


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _arity_ok(name: str, args: tuple) -> bool:
    if name in ("randn", "rand", "zeros", "ones"):
        return shape_of(args) is not None
    if name == "randint":
        return (
            len(args) == 3
            and all(isinstance(a, int) and not isinstance(a, bool) for a in args[:2])
            and isinstance(args[2], (tuple, list))
            and _sizes(args[2])
        )
    if name == "tensor":
        return len(args) == 1 and all(_number(v) or isinstance(v, bool) for v in flat((args[0],)))
    if name == "full":
        return len(args) == 2 and isinstance(args[0], (tuple, list)) and _sizes(args[0])
    if name == "arange":
        return 1 <= len(args) <= 3 and all(_number(a) for a in args)
    return len(args) == 1 and _sizes(args)  # eye
