"""The rules that compare one mapping with the live APIs; each finding is one ``Problem`` on a YAML line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..paramkinds import describe
from ..problems import Problem, did_you_mean, format_path
from ..validate import Loaded
from ..vocab import Vocab
from .introspect import Frameworks, LiveApi, LiveSignature, Unresolved
from .sigparse import (
    VAR_KEYWORD,
    VAR_POSITIONAL,
    SignatureSyntaxError,
    normalise_text,
    parse_signature,
    same_default,
)

SIDES = ("torch", "mindspore")
# relation -> the one to use when the live defaults disagree with it, and back
DEFAULT_VARIANT = {"same": "default_differs", "renamed": "renamed_default_differs"}
PLAIN_VARIANT = {v: k for k, v in DEFAULT_VARIANT.items()}


@dataclass(frozen=True)
class Finding:
    problem: Problem
    drift: bool = False  # stored signature/version text is stale: `apimap check --update` fixes it


@dataclass
class FileCheck:
    item: Loaded
    live: dict[str, LiveApi] = field(default_factory=dict)  # sides that resolved
    # per side: the live form the stored text is
    chosen: dict[str, LiveSignature] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> str:
        if any(f.problem.severity == "error" for f in self.findings):
            return "error"
        return "drift" if any(f.drift for f in self.findings) else "ok"


def check_mapping(item: Loaded, fw: Frameworks, vocab: Vocab) -> FileCheck:
    m = item.mapping
    result = FileCheck(item)

    def add(
        loc: tuple, message: str, severity: str = "error", drift: bool = False, text: bool = False
    ):
        line = item.lines.text_line(loc) if text else item.lines.line(loc)
        result.findings.append(
            Finding(Problem(item.display, line, format_path(loc), message, severity), drift)
        )

    for side in SIDES:
        declared = getattr(m, side)
        if declared is None:
            continue
        result.versions[side] = fw.version(side)
        try:
            live = fw.inspect_api(declared.api)
        except Unresolved as exc:
            add((side, "api"), str(exc))
            continue
        # a framework object that breaks introspection: report, never crash
        except Exception as exc:  # noqa: BLE001
            add((side, "api"), f"{declared.api}: cannot inspect ({type(exc).__name__}: {exc})")
            continue
        result.live[side] = live
        _side_rules(side, declared, live, fw, add, result.chosen)
    if m.mindspore is not None:
        _param_rules(item, result.live, fw, vocab, add, result.chosen)
    return result


def _side_rules(side, declared, live: LiveApi, fw: Frameworks, add, chosen: dict) -> None:
    label = fw.label(side)
    if not _kind_agrees(declared.kind, live.kind):
        add((side, "kind"), f"{declared.api} is a {live.kind} in {label}, not a {declared.kind}")
        return
    if declared.version != fw.version(side):
        add(
            (side, "version"),
            f"written against {declared.version}, but {label} is installed; "
            "`apimap check --update` records the new version",
            "warning",
            drift=True,
        )
    if live.kind == "attribute":
        return
    loc = (side, "signature")
    if live.signature is None:
        add(
            loc,
            f"{declared.api}: {label} gives no signature (inspect, __text_signature__ and docstring all fail); "
            "parameters not checked",
            "warning",
        )
        return
    if live.signature.opaque:
        add(
            loc,
            f"{declared.api}: {label} only reports {live.signature.text.removeprefix(declared.api)}; "
            "the stored signature and its parameters were not checked",
            "warning",
        )
        return
    try:
        stored = parse_signature(declared.signature)
    except SignatureSyntaxError as exc:
        add(loc, f"cannot read the signature text: {exc}", text=True)
        return
    form = chosen[side] = live.signature.closest(stored)
    wrong = False
    for param in stored:
        now = next((p for p in form.params if p.name == param.name), None)
        if param.default is None or now is None:
            continue
        if now.default is None:
            add(
                loc,
                f"default of {param.name} is {param.default} here, but {param.name} has no default in {label}",
                text=True,
            )
            wrong = True
        elif not same_default(param.default, now.default):
            add(
                loc,
                f"default of {param.name} is {param.default} here, but {now.default} in {label}",
                text=True,
            )
            wrong = True
    live_text = form.text
    for (
        documented,
        accepted,
    ) in declared.docstring_names.items():  # the docstring's names, as accepted
        live_text = re.sub(rf"(?<![\w.]){re.escape(documented)}(?=\s*[,=)])", accepted, live_text)
    if not wrong and normalise_text(declared.signature) != normalise_text(live_text):
        add(
            loc,
            f"stale signature: {label} {_drift_summary(stored, form)}; live text: {form.text}; "
            "`apimap check --update` rewrites it",
            "warning",
            drift=True,
            text=True,
        )


def _kind_agrees(declared: str, live: str) -> bool:
    if declared in ("function", "method"):
        return live in ("function", "method")
    return declared == live


def _drift_summary(stored, live: LiveSignature) -> str:
    """'adds foreach, capturable; drops x' -- how the live parameters differ from the stored ones."""
    stored_names = [p.label for p in stored]
    live_names = [p.label for p in live.params]
    added = [n for n in live_names if n not in stored_names]
    gone = [n for n in stored_names if n not in live_names]
    parts = [
        f"{verb} {', '.join(names)}" for verb, names in (("adds", added), ("drops", gone)) if names
    ]
    if not parts:
        kinds = {p.name: p.kind for p in live.params}
        defaults = {p.name: p.default for p in live.params}
        moved = [p.name for p in stored if kinds.get(p.name) not in (None, p.kind)]
        unstated = [
            p.name for p in stored if p.default is None and defaults.get(p.name) is not None
        ]
        if moved:
            parts.append(f"changes the kind of {', '.join(moved)}")
        if unstated:
            parts.append(f"has defaults for {', '.join(unstated)}")
    return "; ".join(parts) or "gives the same parameters in other words"


RECEIVER = "self"  # a Tensor method's tensor (apimap.probe.plan.RECEIVER)


def _param_rules(
    item: Loaded, live: dict[str, LiveApi], fw: Frameworks, vocab: Vocab, add, chosen: dict
) -> None:
    """A row may name a parameter of any documented form; every parameter of the form the stored signature
    is (``chosen``) needs a row, not those of other overloads (MindSpore's older ``gather(input_indices,
    axis)``)."""
    m = item.mapping
    sigs = {
        side: live[side].signature
        for side in SIDES
        if side in live and live[side].signature is not None and not live[side].signature.opaque
    }
    # a class's inputs go to forward()
    checks_inputs = {side: live[side].kind != "class" for side in sigs}
    accounted: dict[str, set[str]] = {side: set() for side in SIDES}
    for i, row in enumerate(m.params):
        for side in SIDES:
            names = row.torch_names if side == "torch" else row.mindspore_names
            for name in names:
                bare = name.lstrip("*")
                accounted[side].add(bare)
                sig = sigs.get(side)
                if (
                    sig is None
                    or name == "*"
                    or row.group == "outputs"
                    or row.group == "inputs"
                    and not checks_inputs[side]
                ):
                    continue
                declared = getattr(m, side)
                if bare == RECEIVER and declared is not None and declared.kind == "method":
                    continue  # the tensor a method is called on: no parameter of the signature
                documented = {v: k for k, v in declared.docstring_names.items()} if declared else {}
                param = sig.get(documented.get(bare, bare))
                if param is not None and bare in documented:
                    continue  # the docstring's other name for it, declared in docstring_names
                if param is None and declared is not None and bare in declared.docstring_omits:
                    continue  # accepted, but left out of the docstring: declared in docstring_omits
                where = f"{live[side].api} ({fw.label(side)})"
                if param is None:
                    hint = did_you_mean(bare, [p.name for p in sig.all_params])
                    add(
                        ("params", i, side),
                        f"{side} parameter '{name}' does not exist in {where}{hint}",
                    )
                elif param.label != name:
                    shown = {VAR_POSITIONAL: "*args", VAR_KEYWORD: "**kwargs"}.get(
                        param.kind, f"a {describe(param.kind)} parameter"
                    )
                    add(
                        ("params", i, side),
                        f"'{bare}' is {shown} in {where}; write it as '{param.label}'",
                    )
        _default_rule(i, row, sigs, fw, add)
    where = ("params",) if m.params else ("category",)
    for side, sig in sigs.items():
        general = vocab.general_params if side == "torch" else frozenset()
        declared = getattr(m, side)
        renamed = declared.docstring_names if declared is not None else {}
        form = chosen.get(side)
        for param in form.params if form is not None else sig.all_params:
            name = renamed.get(param.name, param.name)
            if name not in accounted[side] and param.name not in general:
                add(
                    where,
                    f"{side} parameter '{param.label}' of {live[side].api} ({fw.label(side)}) has no row in params",
                )


def _default_rule(i, row, sigs, fw: Frameworks, add) -> None:
    if (
        len(row.torch_names) != 1
        or len(row.mindspore_names) != 1
        or not {"torch", "mindspore"} <= sigs.keys()
    ):
        return
    t = sigs["torch"].get(row.torch_names[0].lstrip("*"))
    ms = sigs["mindspore"].get(row.mindspore_names[0].lstrip("*"))
    if t is None or ms is None or t.is_var or ms.is_var:
        return
    if sigs["torch"].optional_by_form(t.name) or sigs["mindspore"].optional_by_form(ms.name):
        return  # torch.sum(input) and torch.sum(input, dim): dim is optional, though no form gives it a default
    if sigs["torch"].default_by_form(t.name) and t.default is None:
        return  # one form writes no default, another does (torch.prod's dtype): the first form's says nothing
    same = same_default(t.default, ms.default, across=True)
    shown = f"torch {_with_default(t)}, mindspore {_with_default(ms)}"
    if row.relation in DEFAULT_VARIANT and not same:
        add(
            ("params", i, "relation"),
            f"relation '{row.relation}' but the defaults differ ({shown}); "
            f"use '{DEFAULT_VARIANT[row.relation]}'",
        )
    elif row.relation in PLAIN_VARIANT and same:
        add(
            ("params", i, "relation"),
            f"relation '{row.relation}' but the defaults agree ({shown}); "
            f"use '{PLAIN_VARIANT[row.relation]}'",
            "warning",
        )


def _with_default(param) -> str:
    return (
        f"{param.name}={param.default}" if param.default is not None else f"{param.name} (required)"
    )
