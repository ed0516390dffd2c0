"""``apimap new``: a first draft of a mapping file, written from the two live APIs.

The parameter table comes from aligning the two canonical signatures:

1. the same name on both sides -> ``same`` (``default_differs`` when the defaults differ);
2. a PyTorch general-difference parameter (conf/general_params.yaml) -> ``general``;
3. a PyTorch tuple default whose items are the defaults of consecutive MindSpore parameters
   (``betas=(0.9, 0.999)`` -> ``beta1=0.9, beta2=0.999``) -> ``split``;
4. similar names (``eps``/``epsilon``, ``lr``/``learning_rate`` by initials), then the same position and kind
   right after a pair (``lr``/``learning_rate`` then ``alpha``/``decay``) -> ``renamed`` /
   ``renamed_default_differs``, marked ``needs_review`` because they are guesses;
5. what is left -> ``torch_only`` / ``mindspore_only``.

The category proposed is the strongest one the rows imply (priorities in conf/categories.yaml). Everything a
person must write (summary, notes, example code) holds a ``TODO:`` placeholder, which ``apimap validate``
rejects, so a draft cannot ship by accident.
"""

from __future__ import annotations

import ast
import difflib
import json
from dataclasses import dataclass
from pathlib import Path

from ..model import Mapping
from ..validate import PLACEHOLDER
from ..vocab import Vocab
from ..yamlsource import parse_yaml
from .introspect import Frameworks, LiveApi
from .sigparse import KEYWORD_ONLY, Param, same_default


@dataclass
class Row:
    relation: str
    torch: list[str]
    mindspore: list[str]
    note: tuple[str, str] | None = None  # (en, zh) placeholder text when the relation needs a note
    review: str | None = None


class ScaffoldError(Exception):
    """A user error (unknown API, file exists); the message is one line."""


def mapping_path(out: Path, torch_api: str, tag: str | None = None) -> Path:
    """mappings/torch/optim/RMSprop.yaml, or RMSprop@<tag>.yaml for a further MindSpore counterpart."""
    *dirs, name = torch_api.split(".")
    return Path(out).joinpath(*dirs, f"{name}@{tag}.yaml" if tag else f"{name}.yaml")


def align(
    torch_params: tuple[Param, ...],
    ms_params: tuple[Param, ...],
    general: frozenset[str],
    loose: frozenset[str] = frozenset(),
) -> list[Row]:
    """Rows pairing the two parameter lists (see the module docstring for the order of the rules).

    ``loose``: torch parameters whose stated default says little (optional because another documented form
    leaves them out, like ``dim`` of ``torch.sum``); their defaults are not compared.
    """

    def agree(t: Param, m: Param) -> bool:
        return t.name in loose or same_default(t.default, m.default, across=True)

    t_left = {p.name: p for p in torch_params}
    m_left = {p.name: p for p in ms_params}
    rows: dict[str, Row] = {}  # by torch name; MindSpore-only rows are added at the end

    def take(t: Param, ms: list[Param], relation: str, note=None, review=None):
        rows[t.name] = Row(relation, [t.label], [p.label for p in ms], note, review)
        del t_left[t.name]
        for p in ms:
            del m_left[p.name]

    for t in list(t_left.values()):
        ms = m_left.get(t.name)
        if ms is None:
            continue
        if t.is_var != ms.is_var:
            take(
                t,
                [ms],
                "usage_differs",
                _note("one side takes them as *args", "一边以可变参数 *args 形式接收"),
            )
        elif agree(t, ms):
            take(t, [ms], "same")
        else:
            take(t, [ms], "default_differs", _default_note(t, ms))
    for t in list(t_left.values()):
        if t.name in general:
            take(t, [], "general")
    for t in list(t_left.values()):
        parts = _split_targets(t, list(m_left.values()))
        if parts:
            take(t, parts, "split")
    for t in list(t_left.values()):
        candidates = [
            m for m in m_left.values() if _similar(t.name, m.name) and not m.is_var and not t.is_var
        ]
        if len(candidates) == 1:
            _renamed(take, t, candidates[0], "the names are alike", agree)
    ms_index = {p.name: i for i, p in enumerate(ms_params)}
    for i, t in enumerate(torch_params):
        if t.name not in t_left or t.is_var:
            continue
        m = next((p for p in m_left.values() if ms_index[p.name] == i), None)
        if m is None or m.is_var or (m.kind == KEYWORD_ONLY) != (t.kind == KEYWORD_ONLY):
            continue
        before = rows.get(torch_params[i - 1].name) if i else None
        if i and (before is None or before.mindspore[-1:] != [ms_params[i - 1].label]):
            continue  # only right after two parameters that are paired with each other
        _renamed(take, t, m, "they are at the same position", agree)
    for t in list(t_left.values()):
        take(
            t,
            [],
            "torch_only",
            _note(
                f"what `{t.name}` does and how to get it in MindSpore",
                f"说明 `{t.name}` 的作用，以及在 MindSpore 中如何实现",
            ),
        )
    order = [p.name for p in torch_params]
    out = sorted(rows.values(), key=lambda r: order.index(r.torch[0].lstrip("*")))
    for m in ms_params:
        if m.name in m_left:
            out.append(
                Row(
                    "mindspore_only",
                    [],
                    [m.label],
                    _note(
                        f"what `{m.name}` does (use mindspore_default_ok if its default reproduces PyTorch)",
                        f"说明 `{m.name}` 的作用（若默认值即可复现 PyTorch 行为，改用 mindspore_default_ok）",
                    ),
                )
            )
    return out


def _renamed(take, t: Param, m: Param, why: str, agree) -> None:
    review = f"apimap new paired {t.name} with {m.name} because {why}; check they mean the same, then delete this line"
    if agree(t, m):
        take(t, [m], "renamed", review=review)
    else:
        take(t, [m], "renamed_default_differs", _default_note(t, m), review)


def _note(en: str, zh: str) -> tuple[str, str]:
    return f"{PLACEHOLDER} {en}", f"{PLACEHOLDER} {zh}"


def _default_note(t: Param, m: Param) -> tuple[str, str]:
    td, md = t.default or "no default", m.default or "no default"
    return _note(
        f"PyTorch default {td}, MindSpore {md}; say what that changes",
        f"PyTorch 默认 {td}，MindSpore 默认 {md}；说明这会带来什么不同",
    )


def _split_targets(t: Param, candidates: list[Param]) -> list[Param]:
    """Consecutive MindSpore parameters whose defaults are the items of ``t``'s tuple default."""
    try:
        value = ast.literal_eval(t.default) if t.default else None
    except (ValueError, SyntaxError):
        return []
    if not isinstance(value, (tuple, list)) or len(value) < 2:
        return []
    n = len(value)
    for start in range(len(candidates) - n + 1):
        window = candidates[start : start + n]
        if all(
            p.default is not None and same_default(repr(v), p.default, across=True)
            for v, p in zip(value, window, strict=False)
        ):
            return window
    return []


def _similar(a: str, b: str) -> bool:
    short, long_ = sorted((a.lower(), b.lower()), key=len)
    if len(short) >= 3 and long_.startswith(short):
        return True
    initials = "".join(part[0] for part in long_.split("_") if part)
    if len(short) >= 2 and "_" in long_ and short == initials:
        return True
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() >= 0.8


def propose_category(rows: list[Row], vocab: Vocab) -> str:
    """The highest-priority category any row implies ('consistent' for none)."""
    cats = [vocab.categories[vocab.relations[r.relation].implies] for r in rows]
    return max(cats, key=lambda c: c.priority).id if cats else "consistent"


def draft(torch_api: str, ms_api: str, fw: Frameworks, vocab: Vocab) -> str:
    """The YAML text of a new mapping; raises ``ScaffoldError`` when an API does not resolve."""
    from .introspect import Unresolved

    live: dict[str, LiveApi] = {}
    for side, api in (("torch", torch_api), ("mindspore", ms_api)):
        if not api.startswith(side + "."):
            raise ScaffoldError(f"{api}: a {side} API must start with '{side}.'")
        try:
            live[side] = fw.inspect_api(api)
        except Unresolved as exc:
            raise ScaffoldError(str(exc)) from None
    # a function documented in several forms (torch.mean) is drafted from its fullest one
    # (*args, **kwargs) alone says nothing: the author copies the signature from the docs
    sigs = {
        side: live[side].signature.fullest
        if live[side].signature and not live[side].signature.opaque
        else None
        for side in live
    }
    t_sig = live["torch"].signature
    loose = (
        frozenset(p.name for p in sigs["torch"].params if t_sig.optional_by_form(p.name))
        if sigs["torch"]
        else frozenset()
    )
    rows = align(
        sigs["torch"].params if sigs["torch"] else (),
        sigs["mindspore"].params if sigs["mindspore"] else (),
        vocab.general_params,
        loose,
    )
    category = propose_category(rows, vocab)
    text = _yaml_text(live, sigs, rows, category, fw, vocab)
    data, _ = parse_yaml(text, "draft")
    # a draft must fit the schema; only its placeholders fail `apimap validate`
    Mapping.model_validate(data)
    return text


def _yaml_text(live, sigs, rows: list[Row], category: str, fw: Frameworks, vocab: Vocab) -> str:
    t_api, m_api = live["torch"].api, live["mindspore"].api
    out = [
        f"# Drafted by `apimap new` from {fw.label('torch')} and {fw.label('mindspore')}. "
        f"Replace every '{PLACEHOLDER}'",
        "# (apimap validate rejects them), check the rows marked needs_review and the category, "
        "then delete these comments.",
        f"# Docs: {vocab.frameworks['torch'].doc_url_for(t_api, 'en', fw.version('torch'))}",
        f"#       {vocab.frameworks['mindspore'].doc_url_for(m_api, 'en', fw.version('mindspore'))}",
    ]
    for side in ("torch", "mindspore"):
        sig = sigs[side]
        api = live[side].api
        if live[side].kind == "attribute":
            sig_text = api
        else:
            sig_text = (
                sig.text
                if sig
                else f"{api}({PLACEHOLDER} no readable signature; copy it from the docs)"
            )
        out += [
            f"{side}:",
            f"  api: {api}",
            f"  kind: {live[side].kind}",
            f"  version: {_q(fw.version(side))}",
            f"  signature: {_q(sig_text)}",
        ]
    out += [
        f"category: {category}",
        "summary:",
        "  en: "
        + _q(
            f"{PLACEHOLDER} in our own words: what differs between {t_api} and {m_api}, and how to port code."
        ),
        f"  zh: {_q(f'{PLACEHOLDER} 用自己的话说明 {t_api} 与 {m_api} 的差异，以及如何迁移代码。')}",
    ]
    out.append("params:" if rows else "params: []")
    for row in rows:
        keys = []
        if row.torch:
            keys.append(f"torch: {_names(row.torch)}")
        if row.mindspore:
            keys.append(f"mindspore: {_names(row.mindspore)}")
        keys.append(f"relation: {row.relation}")
        if row.note is None and row.review is None:
            out.append(f"  - {{{', '.join(keys)}}}")
            continue
        out.append(f"  - {keys[0]}")
        out += [f"    {k}" for k in keys[1:]]
        if row.note:
            out += ["    note:", f"      en: {_q(row.note[0])}", f"      zh: {_q(row.note[1])}"]
        if row.review:
            out.append(f"    needs_review: {_q(row.review)}")
    out += _probe_lines(t_api, live["torch"].kind, sigs["torch"])
    out += [
        "# The probe above runs both APIs; delete this example if the probe shows everything the page claims.",
        "examples:",
        "  - id: basic",
        "    title:",
        f"      en: {_q(f'{PLACEHOLDER} what the example shows')}",
        f"      zh: {_q(f'{PLACEHOLDER} 示例说明')}",
        "    torch: |",
        "      >>> import numpy as np",
        "      >>> import torch",
        f"      >>> result = ...  # {PLACEHOLDER} use {t_api} on the same inputs as the MindSpore part",
        "      >>> print(result)",
        "    mindspore: |",
        "      >>> import numpy as np",
        "      >>> import mindspore as ms",
        f"      >>> result = ...  # {PLACEHOLDER} use {m_api}",
        "      >>> print(result)",
        "    # compare: {names: [result]}   # when both parts compute the same values",
    ]
    return "\n".join(out) + "\n"


# a first probe: what can be guessed from a parameter's name, and a TODO for the rest
_TENSOR_NAMES = frozenset(
    {"input", "self", "other", "x", "y", "tensor", "mat1", "mat2", "mat", "vec", "target", "a", "b"}
)
_SIZE_SUFFIXES = ("_features", "_channels", "_size", "num_features", "channels", "features")


def _probe_lines(api: str, kind: str, sig) -> list[str]:
    """A ``probe:`` section for the draft (see README, Probes): required arguments with a small tensor or
    number where the name says what it is, a ``TODO:`` where it does not (validation rejects those)."""
    from ..probe.plan import LEADS, ProbePlanError, harness_of

    try:
        harness = harness_of(api, kind)
    except ProbePlanError:
        return [f"# no probe: no harness runs a {kind} ({api})"]
    params = [p for p in (sig.params if sig else ()) if not p.is_var]
    lead = LEADS.get(harness)
    required = [p for p in params if p.default is None and p.name != lead]
    out = ["probe:", "  args:"]
    if kind in ("method", "attribute"):
        out.append("    self: randn(2, 3)  # the tensor the method is called on")
    for p in required:
        out.append(f"    {p.name}: {_probe_value(p.name, harness)}")
    if harness == "optimizer" and any(p.name == "lr" for p in params):
        out.append("    lr: 0.01")
    if len(out) == 2:
        out[-1] = "  args: {}  # non-default values prove their rows: add the arguments to check"
    elif harness != "attribute":
        out.append(
            "    # add non-default values for the optional arguments whose rows you want proven"
        )
    if harness == "layer":
        out += [
            "  inputs:",
            f"    input: {_q(PLACEHOLDER + ' the forward input, e.g. randn(2, 4)')}",
        ]
    return out


def _probe_value(name: str, harness: str) -> str:
    if harness == "call" and name in _TENSOR_NAMES:
        return "randn(2, 3)"
    if name in ("dim", "axis"):
        return "1"
    if harness == "layer" and name == "kernel_size":
        return "3"
    if harness == "layer" and name.endswith(_SIZE_SUFFIXES):
        return "4"
    return _q(f"{PLACEHOLDER} a value for {name}")


def _q(text: str) -> str:
    # a JSON string is a valid double-quoted YAML scalar
    return json.dumps(text, ensure_ascii=False)


def _names(names: list[str]) -> str:
    plain = [n if n.replace("_", "a").isalnum() and not n[0].isdigit() else _q(n) for n in names]
    return plain[0] if len(plain) == 1 else f"[{', '.join(plain)}]"


def write_new(path: Path, text: str) -> None:
    """Create the file; never overwrite one."""
    path = Path(path)
    if path.exists():
        raise ScaffoldError(
            f"{path}: already exists; edit it, or use --tag for another MindSpore counterpart"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(text)
