"""A probe call's outcome from the two sides' raw results, and whether it contradicts what the page claims.

Outcomes (one per call): ``agree``; ``differ`` (the shape, the dtype kind or the values, with the largest
difference); ``torch_raises``; ``mindspore_raises``; ``both_raise`` (each with the exception's first line);
``unstable`` (a side returned different values for the same inputs and seed, run twice: uninitialised
memory, a race); ``no_kernel`` (only MindSpore raises, with an error conf/categories.yaml's ``device_limits``
names: it has no kernel for this on the device the probes ran on, so nothing is claimed either way);
``lost`` (the file executor died or hung: that case only). Results are compared
structurally: tensors and arrays (shape, dtype kind, then values with the probe's rtol/atol, NaNs equal),
sequences item by item, None.
A dtype *width* difference with close values is ``agree``, and says so in the detail.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..execute.compare import CompareError, compare_arrays, decode_value
from ..model import PROBE_OUTCOMES

OUTCOMES = PROBE_OUTCOMES


@dataclass(frozen=True)
class Outcome:
    outcome: str
    detail: str
    torch_text: str = ""  # each side's result in a few words
    mindspore_text: str = ""

    def matches(self, expect: str, torch_may_raise: bool = False) -> bool:
        """``torch_may_raise``: a call torch need not accept (one row alone, or only the required arguments,
        may not be valid PyTorch: ``keepdim`` without ``dim``, ``clamp`` without ``min`` or ``max``); then
        nothing is claimed about it."""
        if torch_may_raise and self.outcome in ("torch_raises", "both_raise"):
            return True
        if self.outcome == "no_kernel":  # cannot be run here: no claim is proven or contradicted
            return True
        if expect == "any":
            return self.outcome != "lost"
        if expect == "close":
            return self.outcome == "agree"
        return self.outcome not in ("agree", "lost")  # differ: any visible difference


def outcome(raw: dict, rtol: float, atol: float, device_limits=(), type_limits=()) -> Outcome:
    """``device_limits``: texts of MindSpore errors that mean it has no kernel on this device; ``type_limits``:
    those of them that mean a kernel exists but not for the input's type (a type rejection)."""
    if "lost" in raw:
        return Outcome("lost", raw["lost"])
    t, m = raw["torch"], raw["mindspore"]
    texts = (describe(t), describe(m))
    if "error" in t and "error" in m:
        return Outcome("both_raise", f"torch: {t['error']}; mindspore: {m['error']}", *texts)
    if "error" in t:
        return Outcome("torch_raises", f"torch: {t['error']}", *texts)
    if "error" in m:
        limited = any(text in m["error"] for text in device_limits) and not any(
            text in m["error"] for text in type_limits
        )
        return Outcome(
            "no_kernel" if limited else "mindspore_raises", f"mindspore: {m['error']}", *texts
        )
    shaky = [name for name, side in (("torch", t), ("mindspore", m)) if side.get("unstable")]
    if shaky:
        return Outcome(
            "unstable",
            f"{' and '.join(shaky)}: another result on a second run with the same inputs",
            *texts,
        )
    changed = [name for name, side in (("torch", t), ("mindspore", m)) if side.get("changed_self")]
    if changed:
        return Outcome(
            "differ",
            f"{' and '.join(changed)} changed the tensor the method was called on (an out-of-place call)",
            *texts,
        )
    try:
        agree, detail = _same(t["value"], m["value"], rtol, atol)
    except CompareError as exc:
        return Outcome("differ", str(exc), *texts)
    return Outcome("agree" if agree else "differ", detail, *texts)


def describe(side: dict) -> str:
    """One side's result in a few words: ``float32 (2, 3)``, ``2 items: int64 (3,), int64 (3,)``, ``None``, or
    the exception's first line."""
    if "error" in side:
        return side["error"]
    value = side["value"]
    if value.get("kind") == "none":
        return "None"
    if value.get("kind") == "text":
        return repr(value["text"])
    try:
        decoded = decode_value(value)
    except CompareError as exc:
        return str(exc)
    if isinstance(decoded, list):
        shown = ", ".join(f"{a.dtype} {tuple(a.shape)}" for a in decoded[:4])
        return f"{len(decoded)} items: {shown}" + (", ..." if len(decoded) > 4 else "")
    return f"{decoded.dtype} {tuple(decoded.shape)}"


def _same(a: dict, b: dict, rtol: float, atol: float) -> tuple[bool, str]:
    if a.get("kind") == "none" or b.get("kind") == "none":
        both = a.get("kind") == b.get("kind") == "none"
        return both, "both None" if both else "None on one side only"
    if a.get("kind") == "text" or b.get("kind") == "text":
        same = a.get("text") == b.get("text") and a.get("kind") == b.get("kind")
        return (
            same,
            f"both {a['text']!r}"
            if same
            else f"{describe({'value': a})} vs {describe({'value': b})}",
        )
    x, y = decode_value(a), decode_value(b)
    if isinstance(x, list) != isinstance(y, list):
        return False, "a sequence on one side, a single tensor on the other"
    if isinstance(x, list):
        if len(x) != len(y):
            return False, f"torch returns {len(x)} item(s), mindspore {len(y)}"
        details = []
        for i, (p, q) in enumerate(zip(x, y, strict=True)):
            close, text = compare_arrays(p, q, rtol, atol)
            details.append(f"[{i}] {text}" + ("" if close else _nan_note(p, q)))
            if not close:
                return False, "; ".join(details)
        return True, "; ".join(details)
    close, text = compare_arrays(x, y, rtol, atol)
    return close, text + ("" if close else _nan_note(x, y))


def _nan_note(x, y) -> str:
    """Where NaN sits on one side only (the differences themselves are measured over numbers)."""
    import numpy as np

    if x.shape != y.shape or x.dtype.kind not in "fc" or y.dtype.kind not in "fc":
        return ""
    nx, ny = np.isnan(x), np.isnan(y)
    only_t, only_m = int(np.sum(nx & ~ny)), int(np.sum(ny & ~nx))
    parts = [f"NaN in torch only at {only_t} position(s)"] * bool(only_t) + [
        f"NaN in mindspore only at {only_m} position(s)"
    ] * bool(only_m)
    return f"; {', '.join(parts)}" if parts else ""
