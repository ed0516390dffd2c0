"""`apimap import` pieces: reading one page, code -> doctest and back, relation inference."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from apimap.importer.build import Builder, flatten_signature, infer_relation, parse_names
from apimap.importer.doctestify import NotPython, from_doctest, to_doctest
from apimap.importer.page import PageError, parse_page, read_page

GOOD = Path(__file__).resolve().parent / "fixtures" / "import" / "good"
BAD = Path(__file__).resolve().parent / "fixtures" / "import" / "bad"


def test_page_parts_and_lines():
    page = read_page(GOOD / "en" / "ReLU6.md", "en")
    assert [a.api for a in page.apis] == ["torch.nn.ReLU6", "mindspore.nn.ReLU6"]
    assert page.apis[0].url.endswith("torch.nn.ReLU6.html")
    assert page.apis[0].signature.startswith("class torch.nn.ReLU6(inplace=False)")
    assert [(r.group, r.torch, r.mindspore) for r in page.rows] == [
        ("parameters", "inplace", "-"),
        ("inputs", "input", "x"),
    ]
    assert page.rows[0].line == 33  # line numbers come from markdown-it's token map
    assert (
        "### Note on gradients" in page.prose_text()
        and r"$\min(\max(0, x), 6)$" in page.prose_text()
    )
    assert [e.title for e in page.examples] == ["Code Example 1", "Code Example 2"]
    assert page.examples[0].intro == "Clipping the same values gives the same result."
    assert not page.unplaced


def test_unknown_blocks_are_kept_not_dropped():
    text = (GOOD / "en" / "ReLU6.md").read_text(encoding="utf-8")
    text = text.replace("## Differences", "Some stray remark here.\n\n## Differences")
    page = parse_page(text, "x.md", "en")
    assert [u.text for u in page.unplaced] == ["Some stray remark here."]
    assert page.unplaced[0].line == 21


@pytest.mark.parametrize(
    "name, lang, line, words",
    [
        ("Other.md", "en", 1, "not a pytorch_diff page"),
        ("Truncated.md", "en", 23, "no delimiter row"),
        ("Ragged.md", "en", 26, "has 4 cells, expected 5"),
        ("Unclosed.md", "zh", 30, "never closed"),
    ],
)
def test_broken_pages_name_page_and_line(name, lang, line, words):
    with pytest.raises(PageError) as info:
        read_page(BAD / lang / name, lang, f"{lang}/{name}")
    assert str(info.value).startswith(f"{lang}/{name}:{line}: ")
    assert words in str(info.value)


def test_table_with_header_only_is_truncated():
    text = (BAD / "en" / "Fine.md").read_text(encoding="utf-8")
    head, _, rest = text.partition("| Parameters |")
    cut = head + "\n" + rest[rest.index("## Code Example") :]
    with pytest.raises(PageError, match="no rows"):
        parse_page(cut, "p.md", "en")


def test_mismatched_pair_is_an_error(vocab):
    en = read_page(BAD / "en" / "Mismatch.md", "en")
    zh = read_page(BAD / "zh" / "Mismatch.md", "zh")
    with pytest.raises(PageError, match="different APIs: en torch.abs -> mindspore.ops.abs"):
        Builder(en, zh, vocab).build()


CODE = """import numpy as np

x = np.ones(2)
# a plain comment
for v in x:
    print(v)

    w = v
# Out:
# 1.0
#
# 1.0
print(x.shape)
# (2,)
"""


def test_code_to_doctest_runs_and_reverses():
    text = to_doctest(CODE)
    assert ">>> # a plain comment" in text
    assert "...     w = v  # Out:\n1.0\n<BLANKLINE>\n1.0\n" in text
    assert ">>> print(x.shape)\n(2,)\n" in text
    test = doctest.DocTestParser().get_doctest(text, {}, "t", "t", 0)
    result = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE).run(
        test, out=lambda s: None
    )
    assert result.failed == 0 and result.attempted >= 4
    back = from_doctest(text)
    assert "".join(back.split()) == "".join(CODE.split())


def test_code_that_is_not_python_is_refused():
    with pytest.raises(NotPython, match="line 1"):
        to_doctest("print 'old style'\n")


def test_names_signatures_relations(vocab):
    assert parse_names("beta1, beta2") == ["beta1", "beta2"]
    assert parse_names("-") == [] and parse_names("`*args`") == ["*args"]
    assert parse_names("size (int)") is None
    sig, kind = flatten_signature("class torch.optim.Adamax(\n    params,\n    lr=0.002\n)\n")
    assert (sig, kind) == ("torch.optim.Adamax(params, lr=0.002)", "class")
    # overloads stay apart
    assert flatten_signature("torch.f(a)\ntorch.f(a, b)")[0] == "torch.f(a)\ntorch.f(a, b)"
    assert (
        infer_relation(
            "parameters",
            ["lr"],
            ["learning_rate"],
            "Same function, different parameter names and default values",
            "功能一致，参数名及默认值不同",
            vocab,
        )[0]
        == "renamed_default_differs"
    )
    assert (
        infer_relation("parameters", ["betas"], ["beta1", "beta2"], "x", "x", vocab)[0] == "split"
    )
    assert infer_relation("parameters", ["out"], [], "-", "-", vocab) == ("general", None)
    assert infer_relation("parameters", [], ["seed"], "-", "-", vocab) == ("mindspore_only", None)
    rel, review = infer_relation(
        "parameters", ["mode"], ["mode"], "Works otherwise, see above", "见上文", vocab
    )
    assert rel == "usage_differs" and review
    assert infer_relation("parameters", ["a", "b"], ["c", "d"], "-", "-", vocab)[0] is None


def test_page_without_examples_gets_a_flagged_existence_check(vocab):
    en_text = (BAD / "en" / "Fine.md").read_text(encoding="utf-8")
    zh_text = (BAD / "zh" / "Fine.md").read_text(encoding="utf-8")
    en = parse_page(en_text[: en_text.index("## Code Example")], "en.md", "en")
    zh = parse_page(zh_text[: zh_text.index("## 代码示例")], "zh.md", "zh")
    result = Builder(en, zh, vocab).build()
    (example,) = result.data["examples"]
    assert example["id"] == "api-exists"
    assert example["torch"] == ">>> import torch\n>>> hasattr(torch, 'abs')\nTrue\n"
    assert "only checks that the APIs exist" in result.data["needs_review"]
    assert any("no code example" in str(w) for w in result.warnings)


def test_bare_expressions_and_inline_output_labels():
    text = to_doctest(
        "import torch\nm = torch.nn.ReLU()\nm.train()\nprint(1)\n# Out: 1\nm\n# ReLU()\n"
    )
    assert text == (
        ">>> import torch\n>>> m = torch.nn.ReLU()\n>>> m.train()  # doctest: +SKIP_OUTPUT\n"
        ">>> print(1)  # Out:\n1\n>>> m\nReLU()\n"
    )  # a shown echo is expected output; a hidden one is not checked
    assert "m.train()\n" in from_doctest(text) and "SKIP_OUTPUT" not in from_doctest(text)


def test_imports_borrowed_across_parts_are_flagged():
    from apimap.importer.build import borrowed_imports

    parts = {
        "torch": ("import numpy as np\nimport torch\nx = torch.tensor(np.ones(2))", 1),
        "mindspore": ("import mindspore as ms\nx = ms.Tensor(np.ones(2))", 5),
    }
    assert "the mindspore part uses np imported only in the other part" in borrowed_imports(parts)
    parts["mindspore"] = (
        "import numpy as np\nimport mindspore as ms\nx = ms.Tensor(np.ones(2))",
        5,
    )
    assert borrowed_imports(parts) is None
