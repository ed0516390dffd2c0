"""Reading signature text (stored in mappings, or a docstring's first line) without any framework."""

from __future__ import annotations

import pytest

from apimap.check.sigparse import (
    KEYWORD_ONLY,
    POSITIONAL,
    POSITIONAL_ONLY,
    VAR_KEYWORD,
    VAR_POSITIONAL,
    Param,
    SignatureSyntaxError,
    normalise_text,
    parse_signature,
    same_default,
    split_call,
)


def test_kinds_and_defaults():
    params = parse_signature(
        "torch.optim.Adamax(params, lr=0.002, betas=(0.9, 0.999), foreach=None, *, maximize=False)"
    )
    assert params == (
        Param("params", POSITIONAL),
        Param("lr", POSITIONAL, "0.002"),
        Param("betas", POSITIONAL, "(0.9, 0.999)"),
        Param("foreach", POSITIONAL, "None"),
        Param("maximize", KEYWORD_ONLY, "False"),
    )


def test_docstring_forms_with_annotations_varargs_and_positional_only():
    params = parse_signature(
        "abs(input: Tensor, /, *sizes, out: Optional[Tensor] = None, **kwargs) -> Tensor"
    )
    assert [(p.name, p.kind, p.default) for p in params] == [
        ("input", POSITIONAL_ONLY, None),
        ("sizes", VAR_POSITIONAL, None),
        ("out", KEYWORD_ONLY, "None"),
        ("kwargs", VAR_KEYWORD, None),
    ]
    assert [p.label for p in params] == ["input", "*sizes", "out", "**kwargs"]


def test_tolerates_what_python_would_not_parse():
    # torch.arange's docstring puts a default before a required parameter; reprs may hold '<...>' and '='
    params = parse_signature(
        "arange(start=0, end, step=1, *, fill=<object object>, key='a=b, c', cmp=x==y)"
    )
    assert [(p.name, p.default) for p in params] == [
        ("start", "0"),
        ("end", None),
        ("step", "1"),
        ("fill", "<object object>"),
        ("key", "'a=b, c'"),
        ("cmp", "x==y"),
    ]


def test_split_call_keeps_the_return_part():
    assert split_call("torch.cat(tensors, dim=0, *, out=None) -> Tensor") == (
        "torch.cat",
        "tensors, dim=0, *, out=None",
        " -> Tensor",
    )


@pytest.mark.parametrize("text", ["torch.cat", "torch.cat(tensors", "f(1x)", "f(***a)"])
def test_unreadable_text_raises(text):
    with pytest.raises(SignatureSyntaxError):
        parse_signature(text)


@pytest.mark.parametrize(
    "a, b, across, same",
    [
        ("0", "0.0", False, True),
        ("1e-8", "1e-08", False, True),
        ("True", "1", False, False),
        ("(0.9, 0.999)", "[0.9, 0.999]", False, False),
        ("(0.9, 0.999)", "[0.9, 0.999]", True, True),
        ("torch.float32", "mindspore.float32", False, False),
        ("torch.float32", "mindspore.float32", True, True),
        ("torch.long", "mindspore.int64", True, True),  # torch's alias, by the shared name
        ("torch.double", "mindspore.float64", True, True),
        ("torch.long", "mindspore.int32", True, False),
        ("mindspore.long", "torch.int64", True, False),  # only torch has the aliases
        ("None", "mindspore.float32", True, False),
        ("None", None, False, False),
        (None, None, False, True),
        ("'mean'", '"mean"', False, True),
        ("'mean'", "'sum'", True, False),
    ],
)
def test_same_default(a, b, across, same):
    assert same_default(a, b, across=across) is same


def test_normalise_text_ignores_spacing_only():
    assert normalise_text("f( a,b = 1 ,*, c=2)") == normalise_text("f(a, b=1, *, c=2)")
    assert normalise_text("f(a, b=1)") != normalise_text("f(a, b=2)")
