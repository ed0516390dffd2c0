"""Parameter kinds: one spelling for the export (a stable format, ``mappings.json``) and the check stage."""

POSITIONAL_ONLY = "positional_only"
POSITIONAL = "positional_or_keyword"
VAR_POSITIONAL = "var_positional"
KEYWORD_ONLY = "keyword_only"
VAR_KEYWORD = "var_keyword"
KINDS = (POSITIONAL_ONLY, POSITIONAL, VAR_POSITIONAL, KEYWORD_ONLY, VAR_KEYWORD)


def describe(kind: str) -> str:
    """How a message names a kind: 'keyword-only'."""
    return kind.replace("_", "-")
