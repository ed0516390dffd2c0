"""The mapping schema: one YAML file describes one PyTorch API and its MindSpore counterpart.

This module is the product's contract. It is pure data (pydantic); rules that need the vocabulary in
conf/ live in ``validate.py``. ``apimap schema`` publishes it as JSON Schema for editors.
"""

from __future__ import annotations

import doctest
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

NonEmpty = Annotated[str, StringConstraints(strict=True, min_length=1, pattern=r"\S")]
Dotted = Annotated[
    str,
    StringConstraints(strict=True, pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$"),
]
Ident = Annotated[
    str, StringConstraints(strict=True, pattern=r"^(\*{0,2}[A-Za-z_][A-Za-z0-9_]*|\*)$")
]
Slug = Annotated[
    str, StringConstraints(strict=True, pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)
]
Url = Annotated[str, StringConstraints(strict=True, pattern=r"^https?://[^\s<>\"']+$")]
Version = Annotated[str, StringConstraints(strict=True, pattern=r"^\d+(\.\d+){1,3}([a-z0-9.+-]*)$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Text(Strict):
    """Prose in both languages. MyST Markdown (inline code, maths, lists) is allowed; raw HTML is shown as text."""

    en: NonEmpty
    zh: NonEmpty


class Side(Strict):
    """One framework's API."""

    api: Dotted = Field(description="Full dotted name, e.g. torch.optim.Adamax")
    kind: Literal["class", "function", "method", "attribute"]
    signature: NonEmpty = Field(
        description="The signature as the installed version reports it, "
        "e.g. 'torch.optim.Adamax(params, lr=0.002, ...)'"
    )
    version: Version = Field(
        description="The framework version this entry was written and checked against"
    )
    url: Url | None = Field(
        None, description="Doc page; by default built from the pattern in conf/frameworks.yaml"
    )
    docstring_names: dict[Ident, Ident] = Field(
        default_factory=dict,
        description="Where the framework's docstring (the only signature a builtin method has) names a "
        "parameter otherwise than the call accepts: docstring name -> accepted name (torch.Tensor.div: "
        "value -> other). apimap check applies it; the probe's keyword call proves the accepted name",
    )
    docstring_omits: list[Ident] = Field(
        default_factory=list,
        description="Parameters the call accepts that the framework's docstring leaves out "
        "(torch.Tensor.bitwise_and documents no argument): apimap check does not call them nonexistent",
    )


class ParamRow(Strict):
    """One row of the parameter table. A side is absent (None) when the other framework has no such parameter."""

    group: Literal["parameters", "inputs", "outputs"] = "parameters"
    torch: Ident | list[Ident] | None = None
    mindspore: Ident | list[Ident] | None = None
    relation: NonEmpty = Field(description="A relation id from conf/relations.yaml")
    note: Text | None = None
    since: Version | None = Field(
        None,
        description="The MindSpore release from which this row holds; its probe call row-<name> must "
        "contradict it on older releases of the version matrix (an expected failure)",
    )
    needs_review: NonEmpty | None = Field(
        None, description="Set by `apimap import` when it guessed; a person removes it"
    )

    @property
    def torch_names(self) -> list[str]:
        return _names(self.torch)

    @property
    def mindspore_names(self) -> list[str]:
        return _names(self.mindspore)


def _names(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


DOCTEST_OPTIONS = (
    "ELLIPSIS",
    "NORMALIZE_WHITESPACE",
    "NUMBER",
    "IGNORE_EXCEPTION_DETAIL",
    "SKIP_OUTPUT",
)
# NUMBER and SKIP_OUTPUT are ours (apimap.execute.checker); this makes them usable
# inline too (`# doctest: +NUMBER`); a no-op for doctest's own names
for _name in DOCTEST_OPTIONS:
    doctest.register_optionflag(_name)


class Compare(Strict):
    """Variables to compare between the torch part and the MindSpore part after both ran."""

    names: list[Ident] = Field(min_length=1)
    rtol: float = Field(1e-5, ge=0)
    atol: float = Field(1e-8, ge=0)
    expect: Literal["close", "differ"] = Field(
        "close", description="'differ': the page claims different results; prove they are not close"
    )

    @field_validator("rtol", "atol", mode="before")
    @classmethod
    def _int_ok(cls, v):  # `atol: 0` is a natural thing to write
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class Xfail(Strict):
    reason: NonEmpty
    url: Url | None = None


class Example(Strict):
    """Runnable code in doctest form (>>> / ... prompts, expected output below), one part per framework."""

    id: Slug
    title: Text
    note: Text | None = None
    torch: NonEmpty | None = None
    mindspore: NonEmpty | None = None
    compare: Compare | None = None
    options: list[Literal[DOCTEST_OPTIONS]] = Field(default_factory=list)
    timeout: float = Field(60.0, gt=0, le=600)
    xfail: Xfail | None = None
    since: Version | None = Field(
        None,
        description="The MindSpore release this example's behaviour starts with: on older releases of the "
        "version matrix it must fail (and is recorded as an expected failure), on this one and newer pass",
    )

    @field_validator("timeout", mode="before")
    @classmethod
    def _int_timeout(cls, v):
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @model_validator(mode="after")
    def _parts(self):
        if self.torch is None and self.mindspore is None:
            raise ValueError("an example needs a torch part, a mindspore part, or both")
        if self.compare and (self.torch is None or self.mindspore is None):
            raise ValueError("compare needs both a torch and a mindspore part")
        return self


PROBE_EXPECTS = ("close", "differ", "any")
# the edge suite (apimap.probe.plan picks the cases an input's kind allows)
FLOAT_EDGES = ("float64", "float16", "int64", "bool", "nan_inf")  # for float tensors
SHAPE_EDGES = ("empty", "zero_dim", "noncontiguous")  # for tensors with a dimension
EDGE_CASES = (*FLOAT_EDGES, *SHAPE_EDGES, "broadcast", "list_for_tuple")
# a probe call's outcome (apimap/probe/judge.py); ``no_kernel``: MindSpore has no kernel for it on this device
PROBE_OUTCOMES = (
    "agree",
    "differ",
    "unstable",
    "torch_raises",
    "mindspore_raises",
    "no_kernel",
    "both_raise",
    "lost",
)


class StateTarget(Strict):
    """Where one torch state entry goes in the MindSpore layer, with a permutation where layouts differ."""

    to: NonEmpty = Field(
        description="The MindSpore parameter's attribute path (``moving_mean``, ``w_ih_list.0``)"
    )
    permute: list[int] | None = Field(
        None, description="Axes of the torch array, in MindSpore's order"
    )
    reshape: bool = Field(
        False,
        description="Reshape the torch array to the MindSpore parameter's shape (same size; e.g. a Conv1d "
        "weight (out, in, k) stored as (out, in, 1, k)), after any permutation",
    )


class Probe(Strict):
    """The parameter table, executed: the torch call's arguments; the MindSpore call follows from ``params``.

    Values are literals or generator calls (``randn(2, 5)``, ``randint(0, 5, (2, 3))``, ``tensor([[1, 2]])``;
    see apimap/probe/grammar.py). A Tensor method's tensor is ``self``. For an ``nn`` layer, ``args`` are the
    constructor's and ``inputs`` the forward call's; for an optimizer or an LR scheduler, ``args`` follow the
    parameters or the optimizer, which the harness makes (apimap/probe/plan.py)."""

    args: dict[Ident, Any] = Field(
        default_factory=dict, description="The torch call's arguments by torch parameter name"
    )
    inputs: dict[Ident, Any] = Field(
        default_factory=dict,
        description="An nn layer's forward inputs, in order (names as in the params rows of group inputs)",
    )
    state: dict[NonEmpty, StateTarget | NonEmpty | None] = Field(
        default_factory=dict,
        description="An nn layer's torch state name -> MindSpore parameter (entries of the same name map by "
        "themselves; null: no counterpart, MindSpore keeps its own initial value)",
    )
    train: bool = Field(
        False, description="Run an nn layer in training mode (train() / set_train(True))"
    )
    steps: int | None = Field(
        None,
        ge=1,
        le=1000,
        description="Optimizer steps (default 2), or scheduler steps (default 3)",
    )
    lr: float = Field(
        0.1, gt=0, description="An LR scheduler's base learning rate (its optimizer's lr)"
    )
    jit: bool = Field(False, description="Compile the MindSpore optimizer call with mindspore.jit")
    since: dict[NonEmpty, Version] = Field(
        default_factory=dict,
        description="Per call id: the MindSpore release from which what the page claims for it holds; on "
        "older releases of the version matrix the call must contradict it (an expected failure)",
    )
    mindspore: dict[Ident, Any] = Field(
        default_factory=dict,
        description="MindSpore arguments by MindSpore name, for rows that cannot be translated mechanically",
    )
    expect: dict[NonEmpty, Literal[PROBE_EXPECTS]] = Field(
        default_factory=dict,
        description="Per call (keywords, positional, defaults, row-<name>, edge-<case>): what its result must be",
    )
    edges: list[Literal[EDGE_CASES]] | None = Field(
        None, description="The edge cases to run; by default every case the inputs' kinds allow"
    )
    rtol: float = Field(1e-5, ge=0)
    atol: float = Field(1e-8, ge=0)
    timeout: float = Field(30.0, gt=0, le=600)

    @field_validator("rtol", "atol", "timeout", "lr", mode="before")
    @classmethod
    def _int_ok(cls, v):
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v


class Requires(Strict):
    """What running this mapping needs that the machine running the suite lacks: a kernel, or a cluster. The
    runner keeps it honest: a probe call or example that runs anyway fails, naming what to remove."""

    kernel: NonEmpty | None = Field(
        None,
        description="The MindSpore kernel (operator) with no kernel on the device the suite runs on, as "
        "MindSpore's error names it (`AdamW` for 'Unsupported op [AdamW] on CPU')",
    )
    cluster: NonEmpty | None = Field(
        None,
        description="The cluster MindSpore's API needs, a key of conf/frameworks.yaml's `clusters` (`msrun`: "
        "a job its launcher started; `hccl`: Ascend devices). The suite runs one plain process on CPU, so "
        "the MindSpore code that reaches it stops at that cluster's error, as expected",
    )

    @model_validator(mode="after")
    def _one(self):
        if (self.kernel is None) == (self.cluster is None):
            raise ValueError("give exactly one of kernel or cluster")
        return self


class Mapping(Strict):
    """One PyTorch API and its MindSpore counterpart (none when the category is `missing`)."""

    torch: Side
    mindspore: Side | None = None
    category: NonEmpty = Field(description="A category id from conf/categories.yaml")
    summary: Text
    params: list[ParamRow] = Field(default_factory=list)
    examples: list[Example] = Field(
        default_factory=list,
        description="Hand-written examples; optional when a probe shows the mapping",
    )
    probe: Probe | None = None
    recommended: bool = Field(
        False,
        description="Among several MindSpore counterparts of one torch API, the one to reach for first (at "
        "most one per torch API); every counterpart page lists them all",
    )
    requires: Requires | None = Field(
        None,
        description="Declared when MindSpore cannot run the API here (no kernel on this device, or no cluster): "
        "the page says it is not verifiable, and the probe's and examples' errors saying so are expected",
    )
    needs_review: NonEmpty | None = None
    imported_unplaced: list[NonEmpty] = Field(
        default_factory=list, description="Text `apimap import` could not place; kept verbatim"
    )


def json_schema() -> dict:
    schema = Mapping.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://apimap.dev/schema/mapping-1.json"
    schema["title"] = "apimap mapping"
    return schema
