"""Compare the variables an example names (``compare.names``) between its torch and its MindSpore part.

Checks, in order, per variable: present on both sides, count (a tuple/list of tensors must have as many
items), shape, dtype policy, values. Dtype policy: the *kind* must agree (bool, signed int, unsigned int,
float, complex) for results to be close; the width may differ (float32 vs float64 is allowed and compared in
the wider type), since the frameworks' defaults differ and the page's claim is about values. Values:
``numpy.allclose`` with the example's rtol/atol (NaNs equal). ``expect: differ`` passes when some variable is
*not* close (a different shape or dtype kind included: `full((2, 3), 1.5)` giving int64 ones is a difference a
porting engineer meets), and fails when all are close: the page claims a difference that does not exist.
"""

from __future__ import annotations

import base64
import io


class CompareError(Exception):
    """The comparison could not be made (a variable missing or not numeric)."""


def decode_value(encoded: dict):
    import numpy as np

    kind = encoded.get("kind")
    if kind == "array":
        return np.load(io.BytesIO(base64.b64decode(encoded["npy"])), allow_pickle=False)
    if kind == "seq":
        return [decode_value(item) for item in encoded["items"]]
    raise CompareError(encoded.get("message", "not comparable"))


def compare(
    names, torch_values: dict, ms_values: dict, rtol: float, atol: float, expect: str = "close"
) -> tuple[bool, str]:
    """Return (ok, message). ``message`` explains every variable's outcome, one line each."""
    lines, differs = [], []
    for name in names:
        for side, values in (("torch", torch_values), ("mindspore", ms_values)):
            if name not in values:
                raise CompareError(f"variable '{name}' is not defined after the {side} part")
        try:
            t, m = decode_value(torch_values[name]), decode_value(ms_values[name])
        except CompareError as exc:
            raise CompareError(f"variable '{name}': {exc}") from None
        if isinstance(t, list) != isinstance(m, list):
            raise CompareError(
                f"variable '{name}': a sequence on one side, a single array on the other"
            )
        pairs = list(zip(t, m, strict=False)) if isinstance(t, list) else [(t, m)]
        if isinstance(t, list) and len(t) != len(m):
            differs.append(name)
            lines.append(f"{name}: count differs: torch has {len(t)} item(s), mindspore {len(m)}")
            continue
        for i, (a, b) in enumerate(pairs):
            label = f"{name}[{i}]" if isinstance(t, list) else name
            verdict, text = compare_arrays(a, b, rtol, atol)
            lines.append(f"{label}: {text}")
            if not verdict:
                differs.append(label)
    if expect == "close":
        return not differs, "\n".join(lines)
    if differs:
        return True, "\n".join(lines)
    return False, "expected the results to differ, but they are close:\n" + "\n".join(lines)


def compare_arrays(a, b, rtol: float, atol: float) -> tuple[bool, str]:
    """(close, description) for one torch array ``a`` and one MindSpore array ``b``."""
    import numpy as np

    if a.shape != b.shape:
        return False, f"shape differs: torch {tuple(a.shape)}, mindspore {tuple(b.shape)}"
    ka, kb = _kind(a.dtype), _kind(b.dtype)
    if ka != kb:
        return (
            False,
            f"dtype kind differs: torch {a.dtype} ({ka}), mindspore {b.dtype} ({kb})",
        )
    if a.size == 0:
        return True, f"close (empty, shape {tuple(a.shape)})"
    common = np.promote_types(a.dtype, b.dtype)
    if ka == "bool":
        same = bool(np.array_equal(a, b))
        return (
            same,
            "equal" if same else f"{int(np.sum(a != b))} of {a.size} value(s) differ",
        )
    x, y = a.astype(common), b.astype(common)
    close = bool(np.allclose(y, x, rtol=rtol, atol=atol, equal_nan=True))  # torch is the reference
    with np.errstate(all="ignore"):
        diff = np.abs(
            x.astype(np.complex128 if ka == "complex" else np.float64)
            - y.astype(np.complex128 if ka == "complex" else np.float64)
        )
        finite = np.isfinite(diff)
        max_abs = float(np.max(diff[finite])) if finite.any() else 0.0
        denom = np.abs(x.astype(np.float64 if ka != "complex" else np.complex128))
        rel = np.where(
            denom > 0, diff / np.where(denom > 0, denom, 1), np.where(diff > 0, np.inf, 0.0)
        )
        max_rel = float(np.max(rel[finite])) if finite.any() else 0.0
    widths = "" if a.dtype == b.dtype else f" (dtypes {a.dtype} vs {b.dtype})"
    verdict = "close" if close else "not close"
    return (
        close,
        f"{verdict}: max abs diff {max_abs:.3g}, max rel diff {max_rel:.3g} (rtol={rtol:g}, atol={atol:g}){widths}",
    )


def _kind(dtype) -> str:
    return {"b": "bool", "i": "signed int", "u": "unsigned int", "f": "float", "c": "complex"}.get(
        dtype.kind, dtype.kind
    )
