"""Resolving names and reading the canonical signature, on small fake modules (no frameworks needed)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from apimap.check.introspect import (
    Frameworks,
    Unresolved,
    canonical_signature,
    kind_of,
    see_through,
)

FIX = Path(__file__).resolve().parent / "fixtures" / "check"


def test_class_signature_drops_self_and_annotations(fw):
    live = fw.inspect_api("torch.optim.Adamax")
    assert live.kind == "class" and live.signature.source == "inspect"
    assert live.signature.text == (
        "torch.optim.Adamax(params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, "
        "foreach=None, *, maximize=False)"
    )


def test_sees_through_a_wrapper_without_functools_wraps(fw):
    assert fw.inspect_api("mindspore.nn.AdaMax").signature.text == (
        "mindspore.nn.AdaMax(params, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.0, loss_scale=1.0)"
    )


def test_sees_through_functools_wraps_and_nested_wrappers():
    def plain(fn):
        def inner(*args, **kwargs):
            return fn(*args, **kwargs)

        return inner

    def wrapped(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            return fn(*args, **kwargs)

        return inner

    @wrapped
    @plain
    def f(x, y=2):
        return x

    assert str(canonical_signature("torch.f", see_through(f)).text) == "torch.f(x, y=2)"
    assert canonical_signature("torch.f", f).text == "torch.f(x, y=2)"


def test_a_wrapper_with_two_candidate_functions_is_left_alone():
    def a(x):
        pass

    def b(y):
        pass

    def wrapper(*args, **kwargs):
        return a(*args) or b(*args)

    assert canonical_signature("torch.w", wrapper).text == "torch.w(*args, **kwargs)"


def test_docstring_signature_for_c_callables(fw):
    cat = fw.inspect_api("torch.cat").signature
    assert (cat.text, cat.source) == (
        "torch.cat(tensors, dim=0, *, out=None) -> Tensor",
        "docstring",
    )
    assert [p.label for p in cat.params] == ["tensors", "dim", "out"]
    assert (
        fw.inspect_api("torch.stack").signature.text
        == "torch.stack(tensors, dim=0, *, out=None) -> Tensor"
    )


def test_text_signature_comes_before_the_docstring(fw):
    roll = fw.inspect_api("torch.roll").signature
    assert (roll.text, roll.source) == ("torch.roll(input, shifts, dims=None)", "text_signature")


def test_memory_addresses_are_dropped(fw):
    assert (
        fw.inspect_api("torch.full").signature.text
        == "torch.full(size, fill_value, *, out=None, marker=<object object>)"
    )


def test_attribute_and_kinds(fw):
    live = fw.inspect_api("torch.float32")
    assert (live.kind, live.signature) == ("attribute", None)
    assert (
        kind_of(len) == "function"
        and kind_of(str.upper, str) == "method"
        and kind_of(int) == "class"
    )


def test_no_readable_signature_gives_none():
    class Opaque:
        __doc__ = "Does things."
        __signature__ = property(lambda self: (_ for _ in ()).throw(ValueError("no")))

        def __call__(self):
            pass

    assert canonical_signature("torch.opaque", Opaque()) is None


@pytest.mark.parametrize(
    "api, message",
    [
        (
            "torch.optim.AdaMax",
            "torch.optim.AdaMax: no such attribute; did you mean torch.optim.Adamax?",
        ),
        (
            "torch.optimm.Adamax",
            "torch.optimm.Adamax: torch has no attribute 'optimm'; did you mean torch.optim?",
        ),
        ("mindspore.nn.Nothing", "mindspore.nn.Nothing: no such attribute"),
    ],
)
def test_unresolved_names_with_close_matches(fw, api, message):
    with pytest.raises(Unresolved) as exc:
        fw.resolve(api)
    assert str(exc.value) == message


def test_versions_drop_the_local_part(fw):
    assert fw.version("torch") == "2.13.0" and fw.label("mindspore") == "MindSpore 2.10.0"


def test_real_submodules_are_imported_on_demand():
    import json

    # json.decoder is a submodule; json.tool is not imported by `import json`
    fw = Frameworks({"torch": json})
    assert fw.resolve("torch.tool.main")[0].__name__ == "main"


def test_docstring_forms_become_overloads(fw):
    sig = fw.inspect_api("torch.sum").signature
    assert [v.text for v in sig.variants] == [
        "torch.sum(input, *, dtype=None) -> Tensor",
        "torch.sum(input, dim, keepdim=False, *, dtype=None) -> Tensor",
    ]
    assert [p.name for p in sig.all_params] == ["input", "dtype", "dim", "keepdim"]
    assert (
        sig.fullest.text == sig.overloads[0].text
        and sig.optional_by_form("dim")
        and not sig.optional_by_form("input")
    )


def test_typing_overloads_when_inspect_sees_only_varargs(fw):
    sig = fw.inspect_api("torch.nn.LSTM").signature
    assert (sig.text, sig.source, sig.overloads, sig.opaque) == (
        "torch.nn.LSTM(input_size, hidden_size, bias=True)",
        "overload",
        (),
        False,
    )


def test_varargs_dispatcher_falls_back_to_its_docstring(fw):
    sig = fw.inspect_api("mindspore.mint.clamp").signature
    assert (sig.text, sig.source) == (
        "mindspore.mint.clamp(input, min=None, max=None) -> Tensor",
        "docstring",
    )


def test_only_varargs_anywhere_is_opaque(fw):
    sig = fw.inspect_api("mindspore.nn.LSTM").signature
    assert (sig.text, sig.opaque) == ("mindspore.nn.LSTM(*args, **kwargs)", True)


def test_mindspore_method_overloads_in_the_docstring_are_forms():
    from apimap.check.introspect import _docstring_signatures

    class Tensor:
        def add(self, *args, **kwargs):
            """add(other) -> Tensor

            Adds other.

            .. math::

                out = self + other

            .. method:: Tensor.add(other, *, alpha=1) -> Tensor

            Adds alpha times other.
            """

    assert _docstring_signatures("mindspore.Tensor.add", Tensor.add) == [
        "(other) -> Tensor",
        "(other, *, alpha=1) -> Tensor",
    ]


def test_a_rest_escaped_star_in_a_docstring_signature_is_the_keyword_marker():
    from apimap.check.introspect import _docstring_signatures

    def full_like(*args, **kwargs):
        r"""full_like(input, fill_value, \*, dtype=None,
            device=None) -> Tensor

        Fills.
        """

    assert _docstring_signatures("torch.full_like", full_like) == [
        "(input, fill_value, *, dtype=None, device=None) -> Tensor"
    ]


def test_a_default_one_form_leaves_out_is_read_from_the_form_that_gives_it():
    from apimap.check.introspect import canonical_signature

    def prod(*args, **kwargs):
        """prod(input: Tensor, *, dtype: Optional[_dtype]) -> Tensor

        Multiplies.

        .. function:: prod(input, dim, keepdim=False, *, dtype=None) -> Tensor
           :noindex:
        """

    sig = canonical_signature("torch.prod", prod)
    assert sig.default_by_form("dtype") and not sig.default_by_form("input")
