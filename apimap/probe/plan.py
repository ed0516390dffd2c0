"""The calls a mapping's probe makes, as plain data: the call patterns, one call per row, and the edge suite.

The torch call takes ``probe.args`` by torch parameter name; the MindSpore call is derived from ``params``:
``TRANSLATED`` relations keep the value (under the row's MindSpore name), ``DROPPED`` ones leave it out, and
every other relation needs an explicit value in ``probe.mindspore`` (validation says which row lacks one). An
explicit value overrides the derived one for any row.

Patterns (each its own result):

- ``keywords``    every argument by name;
- ``positional``  the arguments torch's signature allows positionally, in torch's order, on both sides (a page
                  whose MindSpore order differs shows it here);
- ``defaults``    only the required arguments: the defaults decide the rest, so it differs exactly where a row
                  says a default differs;
- ``row-<name>``  the required arguments plus that one (a non-default value proves that row).

``defaults`` and ``row-<name>`` calls may not be valid PyTorch (``keepdim`` without ``dim``): when torch
raises on one, it claims nothing (the outcome is still recorded).

The edge suite varies the ``keywords`` call's inputs (``apimap.model.EDGE_CASES``), chosen from the inputs' kinds unless
``probe.edges`` names the cases.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field, replace

from ..check.sigparse import (
    KEYWORD_ONLY,
    POSITIONAL,
    POSITIONAL_ONLY,
    VAR_POSITIONAL,
    parse_signature,
)
from ..model import FLOAT_EDGES, SHAPE_EDGES
from .grammar import DType, Gen, ProbeSyntaxError, flat, parse

# relations whose value goes over unchanged (``type_differs``: the probe passes a type both sides take; which
# types each side takes is what the edge suite measures)
TRANSLATED = (
    "same",
    "general",
    "renamed",
    "default_differs",
    "renamed_default_differs",
    "type_differs",
)
DROPPED = ("torch_only",)
RECEIVER = "self"  # a Tensor method's tensor
# relations whose row is proven by its own call: the same value on both sides must give the same result
PROVEN_BY_ROW = ("same", "general", "renamed", "default_differs", "renamed_default_differs")
DEFAULT_DIFFERS = ("default_differs", "renamed_default_differs")


class ProbePlanError(ValueError):
    """A probe section that cannot be turned into calls; ``path`` is its key path in the YAML."""

    def __init__(self, path: tuple, message: str):
        super().__init__(message)
        self.path, self.message = path, message


@dataclass(frozen=True)
class Side:
    """One framework's call: ``api`` (dotted; for a method, the method's name on ``receiver``). ``lead``: the
    first argument the harness makes (``params``, ``optimizer``), if this side takes it; ``forward``: an nn
    layer's forward inputs."""

    api: str
    method: bool
    receiver: object = None
    args: tuple = ()
    kwargs: tuple = ()  # ((name, value), ...) in order
    lead: str | None = None
    forward: tuple | None = None
    # an in-place method: what is compared after the call: "both" (the returned value, then the receiver),
    # "self" (the receiver only: the other side has no in-place form and returns the result), "" (the result)
    mutated: str = ""
    attribute: bool = False  # read, not called

    def source(self) -> str:
        parts = [_source(v) for v in self.args] + [f"{k}={_source(v)}" for k, v in self.kwargs]
        parts = [self.lead, *parts] if self.lead else parts
        if self.attribute:
            return f"{_source(self.receiver)}.{self.api.rsplit('.', 1)[-1]}"
        if self.method:
            called = f"{_source(self.receiver)}.{self.api.rsplit('.', 1)[-1]}({', '.join(parts)})"
            return {"both": f"({called}, self)", "self": f"{called}; self"}.get(
                self.mutated, called
            )
        called = f"{self.api}({', '.join(parts)})"
        if self.forward is not None:
            called += f"({', '.join(_source(v) for v in self.forward)})"
        return called


@dataclass(frozen=True)
class Setup:
    """What a class harness makes around the call (the same for every call of a probe): see ``HARNESSES``."""

    harness: str
    params: tuple = ()  # optimizer: the parameters' initial values
    grads: tuple = ()  # optimizer: per step, one gradient per parameter
    state: tuple = ()  # layer: ((torch name, MindSpore path or None, permutation or None, reshape), ...)
    train: bool = False
    steps: int = 3
    lr: float = 0.1
    jit: bool = False


@dataclass(frozen=True)
class Call:
    id: str  # keywords | positional | defaults | row-<name> | edge-<case>
    torch: Side
    mindspore: Side
    expect: str  # close | differ | any
    edge: str | None = None
    why: str = ""  # what a result other than ``expect`` would contradict
    # ``defaults`` and ``row-<name>`` calls need not be valid PyTorch: torch raising on one claims nothing
    torch_may_raise: bool = False
    setup: Setup = Setup("call")


@dataclass(frozen=True)
class Plan:
    calls: tuple[Call, ...]
    rtol: float
    atol: float
    notes: tuple[str, ...] = field(default_factory=tuple)


def _source(value) -> str:
    if isinstance(value, (Gen, DType)):
        return value.source()
    return repr(value)


def harness_of(api: str, kind: str) -> str:
    """Which harness runs a probe of torch API ``api`` of ``kind``: call, layer, optimizer or scheduler."""
    if kind in ("function", "method"):
        return "call"
    if kind == "attribute" and api.startswith("torch.Tensor."):
        return "attribute"
    if kind == "class" and api.startswith("torch.optim.lr_scheduler."):
        return "scheduler"
    if kind == "class" and api.startswith("torch.optim."):
        return "optimizer"
    if (
        kind == "class"
        and api.startswith("torch.nn.")
        and not api.startswith("torch.nn.functional.")
    ):
        return "layer"
    raise ProbePlanError(
        ("probe",),
        f"no harness for {api} ({kind}): probes run functions, Tensor methods, nn layers, optimizers and "
        "LR schedulers",
    )


# the keys of a probe section each harness reads, beyond args, mindspore, expect, edges and tolerances
_HARNESS_KEYS = {
    "call": (),
    "attribute": (),
    "layer": ("inputs", "state", "train"),
    "optimizer": ("steps", "jit"),
    "scheduler": ("steps", "lr"),
}
_KEY_DEFAULTS = {"inputs": {}, "state": {}, "train": False, "steps": None, "lr": 0.1, "jit": False}
# steps when the probe does not say: two optimizer steps already carry state from one to the next (momentum,
# running averages), and MindSpore's optimizers take a few hundred ms a step on CPU
DEFAULT_STEPS = {"optimizer": 2, "scheduler": 3}
# an optimizer's parameters (their initial values and gradients are random, the same on both sides)
OPTIMIZER_SHAPES = ((4,), (2, 3))
OPTIMIZER_EDGES = ("float64", "float16", "nan_inf", "empty", "zero_dim")


def plan(mapping) -> Plan:
    """All calls of ``mapping.probe`` (raises ``ProbePlanError`` naming the key path of the first problem)."""
    probe = mapping.probe
    if mapping.mindspore is None:
        raise ProbePlanError(("probe",), "a mapping without a MindSpore API has nothing to probe")
    harness = harness_of(mapping.torch.api, mapping.torch.kind)
    for key, default in _KEY_DEFAULTS.items():
        if key not in _HARNESS_KEYS[harness] and getattr(probe, key) != default:
            raise ProbePlanError(
                ("probe", key),
                f"'{key}' means nothing to the {harness} harness ({mapping.torch.api})",
            )
    values = _parsed(probe.args, "args")
    ms_extra = _parsed(probe.mindspore, "mindspore")
    forward = _parsed(probe.inputs, "inputs")
    torch_method = mapping.torch.kind == "method"
    ms_method = mapping.mindspore.kind == "method"
    if (torch_method or ms_method or harness == "attribute") and RECEIVER not in values:
        raise ProbePlanError(
            ("probe", "args"), "a Tensor method's or attribute's probe gives the tensor as self:"
        )
    if harness == "attribute" and set(values) != {RECEIVER}:
        extra = sorted(set(values) - {RECEIVER})
        raise ProbePlanError(
            ("probe", "args", extra[0]),
            "an attribute is read, not called: its probe gives only self",
        )
    if harness == "call" and not values:
        raise ProbePlanError(("probe", "args"), "give the call's arguments")
    if harness == "layer" and not forward:
        raise ProbePlanError(("probe", "inputs"), "give the layer's forward inputs")
    rows = _rows_by_torch_name(mapping)
    signature = _signature(mapping.torch.signature)
    lead = LEADS.get(harness)
    if lead and lead in values:
        raise ProbePlanError(("probe", "args", lead), f"the harness makes '{lead}': leave it out")
    translate = _translator(mapping, rows, ms_extra)
    for name in values:
        if name != RECEIVER:
            translate(name)  # every argument has a row that says what becomes of it
    setup = _setup(harness, probe)
    ms_row = {n: row for row in mapping.params for n in row.mindspore_names}
    # the harness's own first argument goes to MindSpore when a row carries it over
    leads = (lead, lead if lead and _carries(rows.get(lead)) else None)

    def make(
        call_id: str, names: list[str], positional: bool, expect: str, why: str = "", edge=None
    ):
        chosen = {n: values[n] for n in names}
        if RECEIVER in values:
            chosen[RECEIVER] = values[RECEIVER]
        # the equivalent MindSpore call passes torch's default where the defaults differ (not in `defaults`,
        # which shows what omitting them does)
        explicit = {}
        if call_id != "defaults":
            for name, row in rows.items():
                if row.relation in DEFAULT_DIFFERS and name not in chosen and name in signature:
                    target = row.mindspore_names[0] if row.mindspore_names else name
                    known, value = default_value(signature[name].default)
                    if known and value is not None:  # None: "the framework's own default", no value
                        explicit[target] = value
        # an explicit MindSpore value stands for its row's torch arguments: only in calls that pass them
        extra = {
            k: v
            for k, v in ms_extra.items()
            if k not in ms_row
            or not ms_row[k].torch_names
            or set(ms_row[k].torch_names) & {*chosen, lead}
        }
        torch_side, ms_side = _sides(
            mapping,
            chosen,
            signature,
            translate,
            {**explicit, **extra},
            positional,
            torch_method,
            ms_method,
        )
        torch_side = replace(torch_side, lead=leads[0], forward=_forward(harness, forward))
        ms_side = replace(ms_side, lead=leads[1], forward=_forward(harness, forward))
        may_raise = call_id == "defaults" or call_id.startswith("row-")
        return Call(call_id, torch_side, ms_side, expect, edge, why, may_raise, setup)

    given = [n for n in values if n != RECEIVER]
    required = [n for n in given if n in signature and signature[n].default is None]
    positional_ok = any(
        signature.get(n) and signature[n].kind in (POSITIONAL, POSITIONAL_ONLY) for n in given
    )
    consistent = mapping.category == "consistent"
    expect = probe.expect
    calls = [
        make(
            pattern,
            given,
            pattern == "positional",
            expect.get(pattern, "close" if consistent else "any"),
            "the category says the two APIs agree" if consistent else "",
        )
        for pattern in ("keywords", "positional")
        if pattern == "keywords" or positional_ok
    ]
    omitted = [n for n in given if n not in required]
    if omitted:
        differs = [n for n in omitted if rows[n].relation in DEFAULT_DIFFERS]
        default_expect = "differ" if differs else ("close" if consistent else "any")
        why = (
            f"the row for {', '.join(differs)} says the default differs"
            if differs
            else ("the category says the defaults agree" if consistent else "")
        )
        calls.append(make("defaults", required, False, expect.get("defaults", default_expect), why))
        for name in omitted:
            relation = rows[name].relation
            row_expect = "close" if relation in PROVEN_BY_ROW else "any"
            calls.append(
                make(
                    f"row-{name}",
                    [*required, name],
                    False,
                    expect.get(f"row-{name}", row_expect),
                    f"the row for {name} says '{relation}'" if row_expect == "close" else "",
                )
            )
    if probe.edges is not None:
        edges = probe.edges
    elif harness == "optimizer":
        edges = list(OPTIMIZER_EDGES)
    elif harness == "layer":  # the forward inputs' kinds, and a list for a constructor's tuple
        edges = applicable_edges(forward) + (
            ["list_for_tuple"] if any(isinstance(v, tuple) for v in values.values()) else []
        )
    else:
        edges = applicable_edges(values)
    for case in edges:
        calls.append(
            make(f"edge-{case}", given, False, expect.get(f"edge-{case}", "any"), edge=case)
        )
    unknown = [k for k in expect if k not in {c.id for c in calls}]
    unknown_since = [k for k in probe.since if k not in {c.id for c in calls}]
    if unknown_since:
        close = difflib.get_close_matches(unknown_since[0], [c.id for c in calls], n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ProbePlanError(
            ("probe", "since", unknown_since[0]), f"no call '{unknown_since[0]}'{hint}"
        )
    if unknown:
        close = difflib.get_close_matches(unknown[0], [c.id for c in calls], n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ProbePlanError(("probe", "expect", unknown[0]), f"no call '{unknown[0]}'{hint}")
    return Plan(tuple(calls), probe.rtol, probe.atol)


def call_since(mapping, call_id: str) -> tuple[str | None, tuple]:
    """The MindSpore release from which call ``call_id``'s claim holds, and the key path that says so:
    ``probe.since`` for the call, else a row's ``since`` for its ``row-<name>`` call."""
    probe = mapping.probe
    if call_id in probe.since:
        return probe.since[call_id], ("probe", "since", call_id)
    for i, row in enumerate(mapping.params):
        if row.since and call_id in {f"row-{n}" for n in row.torch_names}:
            return row.since, ("params", i, "since")
    return None, ()


LEADS = {"optimizer": "params", "scheduler": "optimizer"}  # the first argument a harness makes


def _carries(row) -> bool:
    return row is not None and row.relation in TRANSLATED


def _forward(harness: str, forward: dict) -> tuple | None:
    return tuple(forward.values()) if harness == "layer" else None


def _setup(harness: str, probe) -> Setup:
    steps = probe.steps or DEFAULT_STEPS.get(harness, 3)
    if harness == "optimizer":
        params = tuple(Gen("randn", shape) for shape in OPTIMIZER_SHAPES)
        grads = tuple(
            tuple(Gen("randn", shape) for shape in OPTIMIZER_SHAPES) for _ in range(steps)
        )
        return Setup(harness, params=params, grads=grads, steps=steps, jit=probe.jit)
    if harness == "layer":
        state = []
        for name, target in probe.state.items():
            if isinstance(target, str) or target is None:
                state.append((name, target, None, False))
            else:
                permute = tuple(target.permute) if target.permute else None
                state.append((name, target.to, permute, target.reshape))
        return Setup(harness, state=tuple(state), train=probe.train)
    if harness == "scheduler":
        return Setup(harness, steps=steps, lr=probe.lr)
    return Setup(harness)


def _parsed(section: dict, key: str) -> dict:
    """``probe.<key>``'s values parsed (``grammar.parse``); the first bad one raises with its key path."""
    values = {}
    for name, raw in section.items():
        try:
            values[name] = parse(raw)
        except ProbeSyntaxError as exc:
            raise ProbePlanError(("probe", key, name), str(exc)) from None
    return values


def applicable_edges(values: dict) -> list[str]:
    """The edge cases the inputs' kinds allow: dtype and NaN cases for float tensors, shape cases for tensors
    with a dimension, broadcasting for two tensors or more, a list where a tuple is given."""
    tensors = [v for v in flat(list(values.values())) if isinstance(v, Gen)]
    floats = [g for g in tensors if (g.dtype or _default_dtype(g)).startswith(("float", "complex"))]
    cases = list(FLOAT_EDGES) if floats else []
    if any(_ndim(g) != 0 for g in tensors):
        cases += list(SHAPE_EDGES)
    if len(tensors) >= 2:
        cases.append("broadcast")
    if any(isinstance(v, tuple) for v in values.values()):
        cases.append("list_for_tuple")
    return cases


def _default_dtype(g: Gen) -> str:
    if g.name in ("randint",):
        return "int64"
    if g.name == "tensor":
        data = list(flat(g.args[0]))
        if data and all(isinstance(v, bool) for v in data):
            return "bool"
        if data and all(isinstance(v, int) for v in data):
            return "int64"
    if g.name == "arange" and all(isinstance(a, int) for a in g.args):
        return "int64"
    return "float32"


def _ndim(g: Gen) -> int | None:
    from .grammar import shape_of

    if g.name in ("randn", "rand", "zeros", "ones"):
        return len(shape_of(g.args) or ())
    if g.name == "randint":
        return len(g.args[2])
    if g.name == "full":
        return len(g.args[0])
    if g.name == "tensor":
        depth, value = 0, g.args[0]
        while isinstance(value, (list, tuple)):
            depth, value = depth + 1, value[0] if value else None
        return depth
    return 1 if g.name == "arange" else 2


def _rows_by_torch_name(mapping) -> dict:
    rows = {}
    for row in mapping.params:
        if row.group == "outputs":  # a row about what is returned, not an argument
            continue
        for name in row.torch_names:
            rows.setdefault(name.lstrip("*"), row)  # a '*size' row is the probe's 'size'
    return rows


def _signature(text: str) -> dict:
    try:
        return {p.name: p for p in parse_signature(text)}
    except ValueError:
        return {}


def _translator(mapping, rows: dict, ms_extra: dict):
    index = {n.lstrip("*"): i for i, row in enumerate(mapping.params) for n in row.torch_names}

    def translate(name: str) -> str | None:
        """The MindSpore name ``name``'s value goes to, or None when it is left out."""
        row = rows.get(name)
        if row is None:
            close = difflib.get_close_matches(name, list(rows), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ProbePlanError(("probe", "args", name), f"'{name}' has no row in params{hint}")
        if row.mindspore_names and all(n in ms_extra for n in row.mindspore_names):
            return None  # given explicitly: its MindSpore side comes from probe.mindspore
        if row.relation in TRANSLATED:
            names = row.mindspore_names
            return names[0] if len(names) == 1 else name
        if row.relation in DROPPED:
            return None
        missing = [n for n in row.mindspore_names if n not in ms_extra]
        if missing or not row.mindspore_names:
            want = missing[0] if missing else "<name>"
            raise ProbePlanError(
                ("params", index[name], "relation"),
                f"row '{name}' ({row.relation}) cannot be translated mechanically: "
                f"give the MindSpore value as probe.mindspore.{want}",
            )
        return None  # its MindSpore side comes from probe.mindspore

    return translate


def _sides(mapping, chosen, signature, translate, ms_extra, positional, torch_method, ms_method):
    torch_pos, torch_kw = [], []
    ms_pos, ms_kw = [], []
    can_position = ms_can_position = positional
    # a value goes by position only while no parameter before it is left out (the harness's lead is its own)
    slots = [n for n in signature if n not in (RECEIVER, *LEADS.values())]
    for index, (name, value) in enumerate(_torch_order(chosen, signature)):
        target = translate(name)
        kind = signature[name].kind if name in signature else KEYWORD_ONLY
        in_place = index < len(slots) and slots[index] == name
        if kind == VAR_POSITIONAL:  # view(*shape): the items go by position on both sides
            items = value if isinstance(value, tuple) else (value,)
            torch_pos.extend(items)
            if target is not None:
                ms_pos.extend(items)
            continue
        if can_position and in_place and kind in (POSITIONAL, POSITIONAL_ONLY):
            torch_pos.append(value)
            if target is None:
                ms_can_position = False  # a value MindSpore does not take: the rest would shift
            elif ms_can_position:
                ms_pos.append(value)
            else:
                ms_kw.append((target, value))
        else:
            can_position = False
            torch_kw.append((name, value))
            if target is not None:
                ms_kw.append((target, value))
    for name, value in ms_extra.items():
        if name not in {k for k, _ in ms_kw}:
            ms_kw.append((name, value))
    receiver = chosen.get(RECEIVER) if RECEIVER in chosen else None
    if receiver is not None and torch_method and not ms_method:
        ms_pos.insert(0, receiver)  # a Tensor method's counterpart function takes the tensor first
    in_place = (
        is_in_place(mapping.torch.api, torch_method),
        is_in_place(mapping.mindspore.api, ms_method),
    )

    def side(declared, method, pos, kw, mine, other) -> Side:
        attribute = declared.kind == "attribute"
        mutated = ("both" if other else "self") if mine else ""
        return Side(
            declared.api, method or attribute, receiver, tuple(pos), tuple(kw), mutated=mutated,
            attribute=attribute,
        )  # fmt: skip

    return (
        side(mapping.torch, torch_method, torch_pos, torch_kw, *in_place),
        side(mapping.mindspore, ms_method, ms_pos, ms_kw, *reversed(in_place)),
    )


def is_in_place(api: str, method: bool) -> bool:
    """``add_``, ``scatter_``: a Tensor method that changes its tensor (not ``__add__``)."""
    name = api.rsplit(".", 1)[-1]
    return method and name.endswith("_") and not name.endswith("__")


def _torch_order(chosen: dict, signature: dict):
    """``chosen`` without the receiver, in the signature's order, then the rest in the YAML's order."""
    order = [n for n in signature if n in chosen and n != RECEIVER]
    return [(n, chosen[n]) for n in order + [n for n in chosen if n not in order and n != RECEIVER]]


def default_value(text: str | None) -> tuple[bool, object]:
    """(True, value) for a default written as a literal; (False, None) otherwise."""
    if text is None:
        return False, None
    try:
        return True, ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return False, None


def wire(call: Call) -> dict:
    """``call`` as JSON-able data for the file executor (``apimap.execute.probing.run_call``): each generator
    becomes an input, made once and referenced by both sides (``{"ref": i}``)."""
    inputs: list[dict] = []
    refs: dict[int, int] = {}

    def value(v):
        if isinstance(v, Gen):
            if id(v) not in refs:
                refs[id(v)] = len(inputs)
                inputs.append({"gen": v.name, "args": [value(a) for a in v.args], "dtype": v.dtype})
            return {"ref": refs[id(v)]}
        if isinstance(v, DType):
            return {"dtype": v.name}
        if isinstance(v, tuple):
            return {"tuple": [value(x) for x in v]}
        if isinstance(v, list):
            return [value(x) for x in v]
        return v

    def side(s: Side) -> dict:
        return {
            "api": s.api,
            "method": s.method,
            "receiver": value(s.receiver) if s.method else None,
            "args": [value(a) for a in s.args],
            "kwargs": [[k, value(v)] for k, v in s.kwargs],
            "lead": s.lead is not None,
            "forward": [value(v) for v in s.forward] if s.forward is not None else None,
            "mutated": s.mutated,
            "attribute": s.attribute,
        }

    torch_side = side(call.torch)  # torch's arguments first: they number the inputs
    setup = call.setup
    return {
        "id": call.id,
        "edge": call.edge,
        "harness": setup.harness,
        "torch": torch_side,
        "mindspore": side(call.mindspore),
        "setup": {
            "params": [value(p) for p in setup.params],
            "grads": [[value(g) for g in step] for step in setup.grads],
            "state": [list(entry) for entry in setup.state],
            "train": setup.train,
            "steps": setup.steps,
            "lr": setup.lr,
            "jit": setup.jit,
        },
        "inputs": inputs,
    }
