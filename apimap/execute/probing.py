"""The file executor's side of a probe call: make the inputs, call both frameworks, report raw results.

Runs in the forked file executor, like ``runpart``. It decides nothing: each side's result is encoded as data
(``runpart.encode_value``) or its exception's first line; the parent (``apimap.probe.judge``) compares them.
Inputs are made in numpy from a fixed seed, once per call, and the same arrays are handed to both
frameworks; an edge case (``apimap.model.EDGE_CASES``) changes them before they are handed over. Each side of a
function, method or layer call runs twice, seeded the same way each time: a result that differs between the two
is marked ``unstable`` (floats beyond a few units in the last place: uninitialised memory, not the last-bit jitter
some MindSpore CPU kernels show from one launch to the next).
"""

from __future__ import annotations

import importlib
import signal
import time

from ..probe.grammar import flat
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
    harness = HARNESSES[call.get("harness", "call")]
    setup = call.get("setup", {})
    # what the torch side hands the MindSpore side (a layer's weights); a parameter MindSpore's layer lacks is a
    # mistake in probe.state only where both layers are built alike (not where defaults or one row decide)
    shared: dict = {"strict": not (call["id"] == "defaults" or call["id"].startswith("row-"))}
    out = {}
    for side in ("torch", "mindspore"):
        first = _run_side(harness, side, call[side], setup, shared, arrays, edge, timeout)
        # twice, from the same seed: a result that changes between two runs (uninitialised memory) is told.
        # Optimizers and schedulers run once: their steps are ops already run on their own, and MindSpore
        # compiles each new optimizer (about a second a call)
        if harness in REPEATED:
            again = _run_side(harness, side, call[side], setup, shared, arrays, edge, timeout)
            if not same_result(first, again):
                first["unstable"] = True
        out[side] = first
    out["seconds"] = time.perf_counter() - start
    return out


ULPS = 32  # how far apart two runs' floats may be and still count as the same result


def same_result(first: dict, again: dict) -> bool:
    """Whether two runs of one side gave the same result: equal, or floats within ``ULPS`` units in the last
    place of their dtype (NaN equal to NaN)."""
    if first == again:
        return True
    if set(first) != set(again):
        return False
    return all(
        first[k] == again[k]
        or isinstance(first[k], dict)
        and isinstance(again[k], dict)
        and _same_value(first[k], again[k])
        for k in first
    )


def _same_value(a: dict, b: dict) -> bool:
    import numpy as np

    from .compare import CompareError, decode_value

    if a.get("kind") != b.get("kind"):
        return False
    if a.get("kind") == "seq":
        items_a, items_b = a["items"], b["items"]
        return len(items_a) == len(items_b) and all(map(_same_value, items_a, items_b))
    if a.get("kind") != "array":
        return a == b
    try:
        x, y = decode_value(a), decode_value(b)
    except CompareError:
        return False
    if x.shape != y.shape or x.dtype != y.dtype or x.dtype.kind not in "fc":
        return False
    eps = np.finfo(x.dtype).eps
    return bool(
        np.allclose(x, y, rtol=ULPS * eps, atol=ULPS * np.finfo(x.dtype).tiny, equal_nan=True)
    )


class HarnessError(Exception):
    """The probe cannot be set up as written (a layer's state that maps nowhere): reported, not an outcome."""


def _run_side(harness, side, spec, setup, shared, arrays, edge, timeout) -> dict:
    framework = importlib.import_module(side)
    old = signal.signal(signal.SIGALRM, _alarm)
    try:
        if side == "torch":
            framework.manual_seed(SEED)
        else:
            framework.set_seed(SEED)
        signal.setitimer(signal.ITIMER_REAL, timeout)

        def value(v):
            return _value(v, framework, arrays, edge)

        receiver = value(spec.get("receiver")) if spec["method"] else None
        args = [value(v) for v in spec["args"]]
        kwargs = {k: value(v) for k, v in spec["kwargs"]}
        if spec["method"]:
            fn = getattr(receiver, spec["api"].rsplit(".", 1)[-1])
        else:
            fn = _resolve(spec["api"])
        before = _snapshot(receiver) if spec["method"] and not spec.get("mutated") else None
        result = harness(framework, fn, args, kwargs, spec, setup, shared, value)
        # an in-place method: what it returns and its tensor after, or the tensor alone
        if spec.get("mutated") == "both":
            result = (result, receiver)
        elif spec.get("mutated") == "self":
            result = receiver
        encoded = _encode(result)
        # an out-of-place method must leave its tensor as it was (MindSpore's index_add writes into it)
        changed = before is not None and not _same_array(before, _snapshot(receiver))
    except HarnessError as exc:
        return {"harness_error": str(exc)}
    except ExampleTimeout:
        return {"error": f"timed out after {timeout:g} s"}
    except BaseException as exc:  # noqa: BLE001 - the outcome, reported to the parent
        return {"error": f"{type(exc).__name__}: {first_line(str(exc))}"[:ERROR_CAP]}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return {"value": encoded, **({"changed_self": True} if changed else {})}


def _snapshot(tensor):
    from .runpart import to_numpy

    try:
        return to_numpy(tensor).copy()
    except Exception:  # noqa: BLE001 - not a tensor (a harness's receiver always is): nothing to watch
        return None


def _same_array(a, b) -> bool:
    import numpy as np

    if a is None or b is None:
        return True
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


# --- harnesses: each makes what its API kind needs around the call, and returns what is compared ---------


def _call(framework, fn, args, kwargs, spec, setup, shared, value):
    """A function or Tensor method: its result."""
    return fn(*args, **kwargs)


def _attribute(framework, read, args, kwargs, spec, setup, shared, value):
    """A Tensor attribute (``T``, ``shape``, ``dtype``): the value read, dtypes by their name; a counterpart
    that is a method (MindSpore's ``x.imag()`` for PyTorch's ``x.imag``) is called."""
    return _neutral(read if spec.get("attribute", True) else read())


def _neutral(value):
    """A value both frameworks can be compared on: a dtype as its lower-case name (``float32``, ``bool``),
    a device as its type (``cpu``), other values as they are."""
    kind = type(value).__name__
    if kind == "dtype" or type(value).__module__.startswith("mindspore._c_expression"):
        name = str(value).removeprefix("torch.").lower()
        return {"bool_": "bool"}.get(name, name)
    if kind == "device":
        return value.type
    return value


def _layer(framework, cls, args, kwargs, spec, setup, shared, value):
    """An nn layer: built, given torch's weights (``setup.state`` and same-named entries), run on the forward
    inputs in eval mode unless ``setup.train``; its output, then in training mode its mapped state after."""
    layer = cls(*args, **kwargs)
    inputs = [value(v) for v in spec["forward"]]
    explicit = {name: (to, perm, reshape) for name, to, perm, reshape in setup.get("state", [])}
    if framework.__name__ == "torch":
        layer.train(setup.get("train", False))
        entries = {name: t.detach().numpy().copy() for name, t in layer.state_dict().items()}
        shared["state"], shared["params"] = entries, {n for n, _ in layer.named_parameters()}
        output = layer(*inputs)
        after = dict(layer.state_dict())
    else:
        import numpy as np

        layer.set_train(setup.get("train", False))
        targets = dict(layer.parameters_and_names())
        moved = {}
        for name, array in shared.get("state", {}).items():
            to, perm, reshape = explicit.get(name, (name if name in targets else "", None, False))
            if to is None:
                continue  # declared: no counterpart
            if to not in targets:
                if name in explicit or (name in shared["params"] and shared["strict"]):
                    raise HarnessError(
                        f"probe.state: torch's '{name}' has no MindSpore parameter "
                        f"{'named ' + repr(to) if to else 'of that name'} (MindSpore has "
                        f"{', '.join(sorted(targets)) or 'none'}); map it, or say '{name}: null'"
                    )
                continue  # a buffer MindSpore does not keep (num_batches_tracked), or a default left it out
            data = np.transpose(array, perm) if perm else array
            if reshape:
                data = data.reshape(targets[to].shape)
            dtype = framework.dtype_to_nptype(targets[to].dtype)
            targets[to].set_data(framework.Tensor(data.astype(dtype)))
            moved[name] = to
        output = layer(*inputs)
        after = {name: targets[to].value() for name, to in moved.items()}
    if not setup.get("train"):
        return output
    # in training mode the declared state, as the forward pass left it, is part of the result (running statistics)
    declared = [name for name, to, *_ in setup.get("state", []) if to is not None]
    return [*flat(output), *(after[n] for n in declared if n in after)]


def _optimizer(framework, cls, args, kwargs, spec, setup, shared, value):
    """An optimizer: ``steps`` updates of the same parameters with the same gradients; the parameters."""
    if framework.__name__ == "torch":
        params = [framework.nn.Parameter(value(p).clone()) for p in setup["params"]]
        opt = cls(params, *args, **kwargs)
        for grads in setup["grads"]:
            for p, g in zip(params, grads, strict=True):
                p.grad = value(g).clone()
            opt.step()
        return [p.detach() for p in params]
    params = [framework.Parameter(value(p), name=f"p{i}") for i, p in enumerate(setup["params"])]
    opt = cls(params, *args, **kwargs) if spec["lead"] else cls(*args, **kwargs)
    step = framework.jit(opt) if setup.get("jit") else opt
    for grads in setup["grads"]:
        step(tuple(value(g) for g in grads))
    return [p.value() for p in params]


def _scheduler(framework, cls, args, kwargs, spec, setup, shared, value):
    """An LR scheduler: the learning rate at each of ``steps`` steps, from base rate ``setup.lr``. MindSpore's
    counterpart may be a torch-like scheduler on an optimizer, a schedule Cell called with the step, or a
    function that returns the whole list."""
    import numpy as np

    steps, lr = setup.get("steps", 3), setup.get("lr", 0.1)
    if framework.__name__ == "torch":
        opt = framework.optim.SGD([framework.nn.Parameter(framework.zeros(1))], lr=lr)
        sched = cls(opt, *args, **kwargs)
        rates = []
        for _ in range(steps):
            rates.append(float(opt.param_groups[0]["lr"]))
            opt.step()
            sched.step()
        return np.array(rates, np.float64)
    if spec["lead"]:
        from mindspore.experimental import optim

        opt = optim.SGD([framework.Parameter(framework.Tensor(np.zeros(1, np.float32)))], lr=lr)
        sched = cls(opt, *args, **kwargs)
        rates = []
        for _ in range(steps):
            rates.append(float(opt.param_groups[0]["lr"]))
            sched.step()
        return np.array(rates, np.float64)
    made = cls(*args, **kwargs)
    if isinstance(made, (list, tuple)):
        return np.array(made[:steps], np.float64)
    return np.array(
        [float(made(framework.Tensor(i, framework.int32)).asnumpy()) for i in range(steps)],
        np.float64,
    )


HARNESSES = {
    "call": _call,
    "attribute": _attribute,
    "layer": _layer,
    "optimizer": _optimizer,
    "scheduler": _scheduler,
}
REPEATED = (_call, _layer)  # the harnesses whose calls run twice to tell unstable results


def first_line(message: str) -> str:
    """The first line that says something: MindSpore opens some messages with a rule of dashes or a heading
    (``- Framework Unexpected Exception Raised:``, ``- Kernel select failed:``), whose next line is the cause;
    the heading is kept in front of it."""
    lines = [ln.strip() for ln in message.strip().splitlines()]
    said = [ln for ln in lines if any(c.isalnum() for c in ln)]
    if not said:
        return ""
    if not _heading(said[0]):
        return said[0]
    cause = next(
        (ln for ln in said[1:] if not _heading(ln) and not ln.startswith(_BOILERPLATE)), ""
    )
    return f"{said[0][2:]} {cause}".strip()


_BOILERPLATE = "This exception is caused by framework's unexpected error"


def _heading(line: str) -> bool:
    """``- Kernel build failed: (For framework developers)`` and the like."""
    return line.startswith("- ") and (line.endswith(":") or line.endswith("developers)"))


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
    if isinstance(result, str):
        return {"kind": "text", "text": result}
    if isinstance(result, (bool, int, float, complex, np.generic)):
        return encode_value(np.asarray(result))
    if isinstance(result, (list, tuple)) and any(isinstance(r, (list, tuple)) for r in result):
        result = list(flat(result))  # (output, (h, c)): compared item by item
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
    return framework.Tensor(array.copy())  # never the input arrays themselves


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
