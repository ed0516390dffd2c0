"""The controlled vocabulary (categories, relations, general parameters, framework facts), read from conf/."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .yamlsource import load_trusted

LANGS = ("en", "zh")


@dataclass(frozen=True)
class Category:
    id: str
    priority: int
    label: dict[str, str]
    definition: dict[str, str]


@dataclass(frozen=True)
class Relation:
    id: str
    label: dict[str, str]
    torch: str  # one | many | none
    mindspore: str
    implies: str  # a category id
    note: str  # required | optional


@dataclass(frozen=True)
class Framework:
    key: str
    name: str
    version: str
    doc_url: str
    doc_lang: dict[str, str]
    module_paths: dict[str, str]

    @property
    def short_version(self) -> str:
        return ".".join(self.version.split(".")[:2])

    def doc_url_for(self, api: str, lang: str, version: str | None = None) -> str:
        version = version or self.version
        module = api.rsplit(".", 1)[0]
        return self.doc_url.format(
            api=api, version=version, short=".".join(version.split(".")[:2]),
            lang=self.doc_lang.get(lang, lang), module_path=self._module_path(module),
        )

    def _module_path(self, module: str) -> str:
        if module in self.module_paths:
            return self.module_paths[module]
        best = ""
        for key in self.module_paths:
            prefix = key[:-2] if key.endswith(".*") else None
            if prefix and (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best = prefix
        if best:
            return self.module_paths[best + ".*"]
        return "/".join(module.split(".")[1:]) or module


class Vocab:
    """Everything in conf/ that the loader and renderer need, loaded once."""

    def __init__(self, conf_dir: Path):
        self.conf_dir = Path(conf_dir)

    def _read(self, name: str) -> dict:
        with open(self.conf_dir / name, encoding="utf-8") as fh:
            return load_trusted(fh)

    @cached_property
    def categories(self) -> dict[str, Category]:
        rows = self._read("categories.yaml")["categories"]
        return {r["id"]: Category(r["id"], i, r["label"], r["definition"]) for i, r in enumerate(rows)}

    @cached_property
    def relations(self) -> dict[str, Relation]:
        rows = self._read("relations.yaml")["relations"]
        return {r["id"]: Relation(r["id"], r["label"], r["torch"], r["mindspore"], r["implies"], r["note"]) for r in rows}

    @cached_property
    def general_params(self) -> frozenset[str]:
        return frozenset(self._read("general_params.yaml")["general_params"]["torch"])

    @cached_property
    def frameworks(self) -> dict[str, Framework]:
        data = self._read("frameworks.yaml")["frameworks"]
        return {
            key: Framework(key, f["name"], str(f["version"]), f["doc_url"], f.get("doc_lang", {}), f.get("module_paths", {}))
            for key, f in data.items()
        }

    @cached_property
    def derivable_categories(self) -> frozenset[str]:
        """Categories that some relation implies: asserting one needs a row that shows it."""
        return frozenset(r.implies for r in self.relations.values()) - {"consistent"}

    def check(self) -> None:
        """Fail fast if conf/ is inconsistent (a relation implying an unknown category, missing labels)."""
        for rel in self.relations.values():
            assert rel.implies in self.categories, f"relations.yaml: {rel.id}: unknown category {rel.implies}"
            assert rel.torch in ("one", "many", "none") and rel.mindspore in ("one", "many", "none"), rel.id
            assert rel.note in ("required", "optional"), rel.id
        for item in [*self.categories.values(), *self.relations.values()]:
            for lang in LANGS:
                assert item.label.get(lang), f"{item.id}: missing {lang} label"
