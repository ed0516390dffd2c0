"""The file executor's side of a probe call: make the inputs, call both frameworks, report raw results.

Runs in the forked file executor, like ``runpart``. It decides nothing: each side's result is encoded as data
(``runpart.encode_value``) or its exception's first line; the parent (``apimap.probe.judge``) compares them.
Inputs are made in numpy from a fixed seed, once per call, and the same arrays are handed to both
frameworks; an edge case (``apimap.model.EDGE_CASES``) changes them before they are handed over. Each side
runs twice, seeded the same way each time: a result that differs between the two is marked ``unstable``.
"""

from __future__ import annotations

import importlib
import signal
import time

from .runpart import ExampleTimeout, encode_value

SEED = 0
ERROR_CAP = 300
_FLOAT_CASTS = ("float64", "float16", "int64", "bool")


def run_call(call: dict, timeout: float) -> dict:
    """{torch: {value}|{error}, mindspore: {value}|{error}, seconds}. ``call``: ``apimap.probe.plan.wire``'s
    form: ``inputs`` (generator specs, made here in order from one seed), and per side the API and its
    arguments, where ``{"ref": i}`` stands for input ``i``."""
    import numpy as np

    start = time.perf_counter()
    rng = np.random.default_rng(SEED)
    edge = call.get("edge")
    arrays = [_edge(_generate(spec, rng), edge, i) for i, spec in enumerate(call["inputs"])]
    out = {}
    for side in ("torch", "mindspore"):
        # twice, from the same seed: a result that changes between two runs (uninitialised memory) is told
        first = _run_side(side, call[side], arrays, edge, timeout)
        again = _run_side(side, call[side], arrays, edge, timeout)
        if first != again:
            first["unstable"] = True
        out[side] = first
    out["seconds"] = time.perf_counter() - start
    return out


def _run_side(side: str, spec: dict, arrays: list, edge: str | None, timeout: float) -> dict:
    framework = importlib.import_module(side)
    old = signal.signal(signal.SIGALRM, _alarm)
    try:
        if side == "torch":
            framework.manual_seed(SEED)
        else:
            framework.set_seed(SEED)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        receiver = _value(spec.get("receiver"), framework, arrays, edge) if spec["method"] else None
        args = [_value(v, framework, arrays, edge) for v in spec["args"]]
        kwargs = {k: _value(v, framework, arrays, edge) for k, v in spec["kwargs"]}
        if spec["method"]:
            fn = getattr(receiver, spec["api"].rsplit(".", 1)[-1])
        else:
            fn = _resolve(spec["api"])
        result = fn(*args, **kwargs)
        encoded = _encode(result)
    except ExampleTimeout:
        return {"error": f"timed out after {timeout:g} s"}
    except BaseException as exc:  # noqa: BLE001 - the outcome, reported to the parent
        return {"error": f"{type(exc).__name__}: {first_line(str(exc))}"[:ERROR_CAP]}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return {"value": encoded}


def first_line(message: str) -> str:
    """The first line that says something (MindSpore opens some messages with a rule of dashes)."""
    lines = [ln.strip() for ln in message.strip().splitlines()]
    return next((ln for ln in lines if any(c.isalnum() for c in ln)), "")


def _alarm(signum, frame):
    raise ExampleTimeout()


def _resolve(dotted: str):
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for i, name in enumerate(parts[1:], 1):
        try:
            obj = getattr(obj, name)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[: i + 1]))
    return obj


def _encode(result) -> dict:
    import numpy as np

    if result is None:
        return {"kind": "none"}
    if isinstance(result, (bool, int, float, complex, np.generic)):
        return encode_value(np.asarray(result))
    return encode_value(result)


def _value(spec, framework, arrays: list, edge: str | None):
    """A wire value as this framework's argument: inputs become its tensors, tuples stay tuples."""
    if isinstance(spec, dict):
        if "ref" in spec:
            return _tensor(arrays[spec["ref"]], framework, edge)
        if "dtype" in spec:
            name = spec["dtype"]
            if framework.__name__ == "mindspore" and name == "bool":
                name = "bool_"
            return getattr(framework, name)
        if "tuple" in spec:
            items = [_value(v, framework, arrays, edge) for v in spec["tuple"]]
            return items if edge == "list_for_tuple" else tuple(items)
    if isinstance(spec, list):
        return [_value(v, framework, arrays, edge) for v in spec]
    return spec


def _tensor(array, framework, edge):
    import numpy as np

    if edge == "noncontiguous" and array.ndim >= 1:
        doubled = np.repeat(array, 2, axis=-1)
        return _to_framework(doubled, framework)[..., ::2]
    return _to_framework(array, framework)


def _to_framework(array, framework):
    if framework.__name__ == "torch":
        return framework.tensor(array)
    return framework.Tensor(array)


def _generate(spec: dict, rng):
    import numpy as np

    name, args, dtype = spec["gen"], [_plain(a) for a in spec["args"]], spec.get("dtype")
    shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else tuple(args)
    if name == "randn":
        out = rng.standard_normal(shape).astype(np.float32)
    elif name == "rand":
        out = rng.random(shape).astype(np.float32)
    elif name == "randint":
        out = rng.integers(args[0], args[1], tuple(args[2])).astype(np.int64)
    elif name == "zeros":
        out = np.zeros(shape, np.float32)
    elif name == "ones":
        out = np.ones(shape, np.float32)
    elif name == "full":
        out = np.full(tuple(args[0]), args[1], np.float32)
    elif name == "arange":
        out = np.arange(*args)
        out = out.astype(np.int64 if out.dtype.kind in "iu" else np.float32)
    elif name == "eye":
        out = np.eye(args[0], dtype=np.float32)
    else:  # tensor
        out = np.asarray(args[0])
        if out.dtype.kind == "f":
            out = out.astype(np.float32)
        elif out.dtype.kind in "iu":
            out = out.astype(np.int64)
    return out.astype(dtype) if dtype else out


def _plain(value):
    if isinstance(value, dict) and "tuple" in value:
        return tuple(_plain(v) for v in value["tuple"])
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _edge(array, edge: str | None, index: int):
    """The input changed for an edge case (the same change for both frameworks)."""
    import numpy as np

    floating = array.dtype.kind in "fc"
    if edge in _FLOAT_CASTS and floating:
        return array.astype(edge)
    if edge == "nan_inf" and floating and array.size:
        array = array.copy()
        flat = array.reshape(-1)
        for i, v in enumerate((np.nan, np.inf, -np.inf)[: flat.size]):
            flat[i] = v
        return array
    if edge == "empty" and array.ndim >= 1:
        return array[:0].copy()
    if edge == "zero_dim" and array.size:
        return np.asarray(array.reshape(-1)[0])
    if edge == "broadcast" and index > 0 and array.ndim >= 2:
        return array[:1].copy()
    return array
