"""Doctest output checking that tolerates float formatting and small numeric differences.

Semantics, in order (the first that accepts wins):

1. ``SKIP_OUTPUT``: output is not checked (exceptions still fail the example).
2. Python's ``doctest.OutputChecker`` with the example's flags (``ELLIPSIS``, ``NORMALIZE_WHITESPACE``, ...).
3. Numeric tolerance: expected and actual output are split into numbers and the text around them. The
   text must match after whitespace is normalised (runs of blanks become one; no blank after ``[``/``(``
   or before ``]``/``)``/``,``, which is what numpy, torch and MindSpore vary when number widths change).
   Numbers match when ``|got - want| <= ATOL + RTOL * |want|`` (declared below), or, with ``NUMBER``,
   when they agree to the precision written in the expected output (``3.14`` matches ``3.14159``).
   Integers written without a point or exponent on both sides must be equal. ``nan`` matches ``nan``.
   This makes ``tensor([1., 2.])`` and ``tensor([1.0000, 2.0000])`` equal, and MindSpore's
   ``value= [ 1.00000000e+00]`` equal to ``value=[1.]``, while ``float32`` never matches ``float64``.
   With ``ELLIPSIS``, ``...`` in the expected output matches any text, numbers included. Line breaks
   count as blanks here, so a tensor repr wrapped at another width still matches.
"""

from __future__ import annotations

import doctest
import math
import re

RTOL = 1e-5  # relative tolerance for numbers in output
ATOL = 1e-8  # absolute tolerance for numbers in output

NUMBER = doctest.register_optionflag("NUMBER")  # same flag as pytest's when both are loaded
SKIP_OUTPUT = doctest.register_optionflag("SKIP_OUTPUT")

_NUM = re.compile(r"(?<![\w.])[-+]?(?:(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf)(?![\w.])")
_TOKEN = re.compile(f"(?P<num>{_NUM.pattern})")
_TOKEN_ELLIPSIS = re.compile(f"(?P<ell>\\.\\.\\.)|(?P<num>{_NUM.pattern})")
_BLANKS = re.compile(r"\s+")
_AFTER_OPEN = re.compile(r"([\[(])\s+")
_BEFORE_CLOSE = re.compile(r"\s+([\]),])")
_AFTER_EQ = re.compile(r"=\s+")


def option_flags(names) -> int:
    """Model option names (``Example.options``) -> doctest flag bits."""
    flags = 0
    for name in names:
        flags |= doctest.OPTIONFLAGS_BY_NAME[name]
    return flags


class Checker(doctest.OutputChecker):
    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        if optionflags & SKIP_OUTPUT:
            return True
        if super().check_output(want, got, optionflags):
            return True
        return self._numeric(want, got, optionflags)

    def _numeric(self, want: str, got: str, optionflags: int) -> bool:
        """Match ``got`` against ``want`` read as a pattern: numbers become number slots, ``...`` (with
        ELLIPSIS) a wildcard, the rest literal text; then compare the numbers slot by slot."""
        want_n, got_n = _normalise(want), _normalise(got)
        token = _TOKEN_ELLIPSIS if optionflags & doctest.ELLIPSIS else _TOKEN
        pattern, wants, pos = [], [], 0
        for m in token.finditer(want_n):
            pattern.append(re.escape(want_n[pos : m.start()]))
            if m.lastgroup == "num":
                pattern.append(f"({_NUM.pattern})")
                wants.append(m.group())
            else:
                pattern.append(".*?")
            pos = m.end()
        pattern.append(re.escape(want_n[pos:]))
        if not wants:
            return False
        match = re.fullmatch("".join(pattern), got_n, re.DOTALL)
        if not match:
            return False
        precision = bool(optionflags & NUMBER)
        return all(
            numbers_match(w, g, precision) for w, g in zip(wants, match.groups(), strict=False)
        )


def numbers_match(want: str, got: str, precision_as_written: bool = False) -> bool:
    w, g = float(want), float(got)
    if math.isnan(w) or math.isnan(g):
        return math.isnan(w) and math.isnan(g)
    if math.isinf(w) or math.isinf(g):
        return w == g
    if _is_int(want) and _is_int(got):
        return int(want) == int(got)
    if precision_as_written and not _is_int(want):
        return abs(g - w) <= 0.5 * 10.0 ** _exponent_of_last_digit(want) + ATOL
    return abs(g - w) <= ATOL + RTOL * abs(w)


def _is_int(text: str) -> bool:
    return not any(c in text for c in ".eEni")


def _exponent_of_last_digit(text: str) -> int:
    """'3.14' -> -2, '1.5e-3' -> -4, '2.' -> 0."""
    mantissa, _, exp = text.lower().partition("e")
    decimals = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
    return (int(exp) if exp else 0) - decimals


def _normalise(text: str) -> str:
    text = _BLANKS.sub(" ", text.strip())
    text = _AFTER_OPEN.sub(r"\1", text)
    text = _AFTER_EQ.sub("=", text)
    return _BEFORE_CLOSE.sub(r"\1", text) + "\n"
