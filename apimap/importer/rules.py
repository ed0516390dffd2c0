"""The words of the pytorch_diff page format (rules.yaml), compiled once."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

RULES_FILE = Path(__file__).with_name("rules.yaml")


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


class Rules:
    def __init__(self, data: dict):
        self.data = data
        self.langs = data["langs"]

    def lang(self, lang: str) -> dict:
        return self.langs[lang]

    def match_any(self, patterns, text: str) -> bool:
        return any(_rx(p).search(text) for p in patterns)

    def is_title(self, lang: str, text: str) -> bool:
        return self.match_any(self.langs[lang]["title"], text)

    def is_differences(self, lang: str, text: str) -> bool:
        """The differences heading, allowing a typo ('Differnnces')."""
        import difflib

        text = text.strip()
        if self.match_any(self.langs[lang]["differences"], text):
            return True
        want = self.langs[lang]["differences_write"]
        return difflib.SequenceMatcher(None, text.lower(), want.lower()).ratio() >= 0.8

    def example_heading(self, lang: str, text: str):
        return _rx(self.langs[lang]["example"]).match(text.strip())

    def link_line(self, lang: str, text: str):
        return _rx(self.langs[lang]["link_line"]).match(" ".join(text.split()))

    def group_of(self, cell: str) -> str | None:
        for group, patterns in self.data["groups"].items():
            if self.match_any(patterns, cell.strip()):
                return group
        return None

    def marker(self, line: str) -> str | None:
        for part, pattern in self.data["code_markers"].items():
            if _rx(pattern).match(line.strip()):
                return part
        return None

    def is_output_label(self, line: str) -> bool:
        return bool(_rx(self.data["output_label"]).match(line.strip()))

    def note_has(self, kind: str, note: str) -> bool:
        return self.match_any(self.data["notes"][kind], note)

    def note_is_plain(self, note: str) -> bool:
        return self.match_any(self.data["notes"]["plain"], note.strip())

    def says_behaviour_differs(self, text: str) -> str | None:
        for p in self.data["behaviour_words"]:
            m = _rx(p).search(text)
            if m:
                return m.group(0)
        return None

    def is_alias_header(self, cells: list[str]) -> bool:
        return len(cells) == 2 and bool(
            _rx(self.data["alias_table_header"]).match(cells[0].strip())
        )

    def is_param_header(self, cells: list[str]) -> bool:
        cols = self.data["table_columns"]
        return (
            len(cells) == 5
            and bool(_rx(cols["torch"]).match(cells[2].strip()))
            and bool(_rx(cols["mindspore"]).match(cells[3].strip()))
        )


@lru_cache(maxsize=1)
def rules() -> Rules:
    return Rules(yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")))
