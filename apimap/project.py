"""Where things are: a project is a folder with conf/, mappings/, templates/ and site/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """The nearest folder at or above ``start`` holding conf/ and mappings/; else the package's own repo."""
        here = Path(start or Path.cwd()).resolve()
        for cand in (here, *here.parents):
            if (cand / "conf" / "categories.yaml").is_file() and (cand / "mappings").is_dir():
                return cls(cand)
        return cls(Path(__file__).resolve().parent.parent)

    @property
    def conf(self) -> Path:
        return self.root / "conf"

    @property
    def mappings(self) -> Path:
        return self.root / "mappings"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def build(self) -> Path:
        return self.root / "site" / "_build"

    @property
    def src(self) -> Path:
        return self.build / "src"

    @property
    def html(self) -> Path:
        return self.build / "html"
