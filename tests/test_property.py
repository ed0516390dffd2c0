"""Property: whatever the input, the loader either returns a Mapping or raises ProblemsError with one-line problems."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apimap.problems import ProblemsError
from apimap.validate import load_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mappings"
REAL = sorted(FIXTURES.rglob("*.yaml"))
SETTINGS = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

KEYS = [
    "torch",
    "mindspore",
    "category",
    "summary",
    "params",
    "examples",
    "api",
    "kind",
    "signature",
    "version",
    "url",
    "en",
    "zh",
    "relation",
    "note",
    "group",
    "id",
    "title",
    "compare",
    "names",
    "xfail",
    "reason",
    "timeout",
    "options",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(
        ["same", "renamed", "consistent", "missing", "class", "2.13.0", ">>> 1\n1\n", "torch.x.Y"]
    ),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=6),
    ),
    max_leaves=40,
)


def outcome(tmp_path: Path, data: bytes, vocab, name: str = "x.yaml") -> None:
    path = tmp_path / name
    path.write_bytes(data)
    try:
        load_file(path, None, vocab, display=name)
    except ProblemsError as exc:
        assert exc.problems
        for problem in exc.problems:
            text = str(problem)
            assert (
                "\n" not in text
                and text.startswith(f"{name}:{problem.line}:")
                and problem.line >= 1
            )


@SETTINGS
@given(doc=documents)
def test_random_documents(tmp_path, vocab, doc):
    outcome(tmp_path, yaml.safe_dump(doc, allow_unicode=True).encode("utf-8"), vocab)


@SETTINGS
@given(source=st.sampled_from(REAL), data=st.data())
def test_random_mutations_of_real_mappings(tmp_path, vocab, source, data):
    text = source.read_text(encoding="utf-8")
    lines = text.split("\n")
    for _ in range(data.draw(st.integers(1, 3))):
        op = data.draw(
            st.sampled_from(
                ["delete", "duplicate", "indent", "dedent", "replace", "truncate", "insert"]
            )
        )
        i = data.draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "delete" and lines:
            del lines[i]
        elif op == "duplicate" and lines:
            lines.insert(i, lines[i])
        elif op == "indent" and lines:
            lines[i] = "  " + lines[i]
        elif op == "dedent" and lines:
            lines[i] = lines[i][1:]
        elif op == "replace" and lines:
            j = data.draw(st.integers(0, len(lines[i])))
            lines[i] = (
                lines[i][:j]
                + data.draw(
                    st.sampled_from(
                        [
                            ":",
                            "- ",
                            "{",
                            "]",
                            "'",
                            '"',
                            "&a ",
                            "*a",
                            "!!python/object ",
                            "\t",
                            "|",
                            "#",
                            "\x00",
                            "é",
                            "?",
                        ]
                    )
                )
                + lines[i][j:]
            )
        elif op == "truncate":
            lines = lines[: i + 1]
        elif op == "insert":
            lines.insert(i, data.draw(st.text(max_size=20)))
    outcome(tmp_path, "\n".join(lines).encode("utf-8", "surrogatepass"), vocab)


@SETTINGS
@given(blob=st.binary(max_size=300))
def test_random_bytes(tmp_path, vocab, blob):
    outcome(tmp_path, blob, vocab)
