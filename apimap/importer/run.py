"""Import page pairs: parse, build, write YAML, validate it with the project's own loader.

A file is written only after it validates (it is built in a temporary folder and moved into place), so
a failed page leaves nothing behind. Each pair ends as one ``Outcome``: imported, warnings or failed.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..problems import ProblemsError
from ..validate import load_file
from ..vocab import Vocab
from .build import Builder
from .page import PageError, read_page
from .yamlwrite import dump


@dataclass
class Outcome:
    name: str  # the page file name shared by the pair
    en: str
    zh: str
    status: str = "failed"  # imported | warnings | failed
    output: str | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unplaced: int = 0
    mapping: dict | None = None
    crash: str | None = None  # traceback when the importer itself failed (a bug, reported per page)

    def as_json(self) -> dict:
        return {
            "page": self.name,
            "en": self.en,
            "zh": self.zh,
            "status": self.status,
            "output": self.output,
            "unplaced": self.unplaced,
            "errors": self.errors,
            "warnings": self.warnings,
            "crash": self.crash,
        }


def build_pair(
    en_path: Path, zh_path: Path, vocab: Vocab, name: str | None = None
) -> tuple[Outcome, dict | None]:
    """Parse and combine one pair; no files written."""
    out = Outcome(name or Path(en_path).name, str(en_path), str(zh_path))
    try:
        en = read_page(Path(en_path), "en", str(en_path))
        zh = read_page(Path(zh_path), "zh", str(zh_path))
        result = Builder(en, zh, vocab).build()
    except PageError as exc:
        out.errors.append(str(exc))
        return out, None
    out.warnings = [str(w) for w in result.warnings]
    out.unplaced = len(result.data.get("imported_unplaced", []))
    out.mapping = result.data
    return out, result.data


def target_rel(data: dict, taken: set[str]) -> str:
    """mappings/<torch api as folders>.yaml; a second MindSpore counterpart of the same torch API gets @<tag>."""
    base = data["torch"]["api"].replace(".", "/")
    rel = base + ".yaml"
    if rel not in taken:
        return rel
    ms = data.get("mindspore", {}).get("api", "other")
    parts = ms.split(".")
    tag = (parts[1] if len(parts) > 2 else parts[-1]).lower()
    n, cand = 1, f"{base}@{tag}.yaml"
    while cand in taken:
        n += 1
        cand = f"{base}@{tag}{n}.yaml"
    return cand


def import_pair(
    en_path: Path,
    zh_path: Path,
    out_dir: Path,
    vocab: Vocab,
    taken: set[str],
    name: str | None = None,
) -> Outcome:
    out, data = build_pair(en_path, zh_path, vocab, name)
    if data is None:
        return out
    rel = target_rel(data, taken)
    text = dump(data, f"{Path(en_path).name} (en) and {Path(zh_path).name} (zh)")
    with tempfile.TemporaryDirectory(prefix="apimap-import-") as tmp:
        path = Path(tmp) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        try:
            load_file(path, Path(tmp), vocab, display=str(Path(out_dir) / rel))
        except ProblemsError as exc:
            out.errors.extend(f"{p} (importer produced invalid YAML)" for p in exc.problems)
            return out
        final = Path(out_dir) / rel
        final.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), final)
    taken.add(rel)
    out.output = str(Path(out_dir) / rel)
    out.status = "warnings" if out.warnings else "imported"
    return out


def pair_dirs(en_dir: Path, zh_dir: Path) -> tuple[list[tuple[str, Path, Path]], list[str]]:
    """Pair *.md files by name; a page with no partner is an error line."""
    en = {p.name: p for p in sorted(Path(en_dir).glob("*.md"))}
    zh = {p.name: p for p in sorted(Path(zh_dir).glob("*.md"))}
    pairs = [(n, en[n], zh[n]) for n in sorted(en) if n in zh]
    lonely = [f"{en[n]}:1: no page of the same name in {zh_dir}" for n in sorted(en) if n not in zh]
    lonely += [
        f"{zh[n]}:1: no page of the same name in {en_dir}" for n in sorted(zh) if n not in en
    ]
    return pairs, lonely
