"""conf/: the vocabulary and the site's settings, read through the same loader as mappings and validated.

Every conf/ file is plain YAML read by ``yamlsource`` (lines kept) and checked by a strict pydantic model; a
mistake anywhere is one line, ``conf/relations.yaml:14: relations[0].implies: unknown category 'consistnt';
did you mean 'consistent'?``, never a traceback. ``load_config`` returns one typed ``Config`` that the loader,
render, export, the Sphinx extension and conf/conf.py all read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .model import EDGE_CASES, PROBE_OUTCOMES
from .problems import Problem, ProblemsError, did_you_mean, format_path
from .schema_errors import pydantic_problems
from .vocab import Category, Cluster, EdgeRule, Framework, Relation, Vocab
from .worklist import WorkPair, read_worklist
from .yamlsource import LineMap, read_yaml

_ID = r"^[a-z][a-z0-9_]*$"
_PATTERNS = {"id": "id (lowercase letters, digits and _)"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Bilingual(_Strict):
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class CategoryEntry(_Strict):
    id: str = Field(pattern=_ID)
    label: Bilingual
    definition: Bilingual
    shown_by_calls: bool = False


class EdgeRuleEntry(_Strict):
    cases: list[Literal[EDGE_CASES]] = Field(min_length=1)
    outcomes: list[Literal[PROBE_OUTCOMES]] = Field(min_length=1)
    implies: str
    why: Bilingual


class ToleranceEntry(_Strict):
    rtol: float = Field(ge=0)
    atol: float = Field(ge=0)


class CategoriesFile(_Strict):
    categories: list[CategoryEntry] = Field(min_length=1)
    edge_rules: list[EdgeRuleEntry] = Field(default_factory=list)
    device_limits: list[str] = Field(default_factory=list)
    type_limits: list[str] = Field(default_factory=list)
    edge_tolerance: dict[Literal[EDGE_CASES], ToleranceEntry] = Field(default_factory=dict)
    # the category (at least) of a torch in-place method mapped to a MindSpore API that returns a new tensor
    in_place_counterpart: str | None = None


Count = Literal["one", "many", "none"]


class RelationEntry(_Strict):
    id: str = Field(pattern=_ID)
    label: Bilingual
    torch: Count
    mindspore: Count
    implies: str
    note: Literal["required", "optional"]
    # the step a porting engineer takes for such a row ({torch}, {mindspore}: the names; {default}: PyTorch's
    # default); none: nothing to do
    port: Bilingual | None = None


class RelationsFile(_Strict):
    relations: list[RelationEntry] = Field(min_length=1)


class GeneralParams(_Strict):
    torch: list[str]
    about: Bilingual  # what a general difference is: the head of the site's page on them
    why: dict[str, Bilingual]  # per parameter: why it has no MindSpore counterpart, and what to do


class GeneralParamsFile(_Strict):
    general_params: GeneralParams


class ClusterEntry(_Strict):
    errors: list[str] = Field(min_length=1)
    needs: Bilingual


class FrameworkEntry(_Strict):
    name: str = Field(min_length=1)
    version: str = Field(pattern=r"^\d+(\.\d+)*$")
    doc_url: str = Field(pattern=r"^https?://")
    doc_lang: dict[str, str] = {}
    module_paths: dict[str, str] = {}
    clusters: dict[str, ClusterEntry] = {}


class FrameworksFile(_Strict):
    frameworks: dict[Literal["torch", "mindspore"], FrameworkEntry]


class Language(_Strict):
    text: Literal["en", "zh"]
    name: str = Field(min_length=1)
    sphinx: str = Field(min_length=1)


class UiFile(_Strict):
    languages: dict[str, Language] = Field(min_length=1)
    strings: dict[str, Bilingual]


class Limits(_Strict):
    """How much a project may hold: a bound on what a pull request can make CI read and build."""

    max_mappings: int = Field(10_000, ge=1)
    max_total_mb: int = Field(100, ge=1)


class SiteFile(_Strict):
    edit_url: str = ""
    request_url: str = ""
    theme_strings: dict[str, Bilingual] = {}
    strings: dict[str, Bilingual] = {}
    limits: Limits = Limits()


class GlossaryTerm(_Strict):
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    wrong: list[str] = Field(
        default_factory=list,
        description="Known wrong zh renderings: apimap validate warns where an en text uses the term and its "
        "zh text one of these",
    )


class GlossaryFile(_Strict):
    terms: list[GlossaryTerm] = []


FILES: dict[str, type[_Strict]] = {
    "categories.yaml": CategoriesFile,
    "relations.yaml": RelationsFile,
    "general_params.yaml": GeneralParamsFile,
    "frameworks.yaml": FrameworksFile,
    "ui.yaml": UiFile,
    "site.yaml": SiteFile,
    "glossary.yaml": GlossaryFile,
}
OPTIONAL = frozenset({"site.yaml", "glossary.yaml"})


@dataclass(frozen=True)
class Config:
    """Everything conf/ says, validated: the vocabulary, the site's languages and strings, the glossary."""

    conf_dir: Path
    vocab: Vocab
    languages: dict[str, Language]
    strings: dict[str, Bilingual]  # ui.yaml's, with site.yaml's added (ui.yaml wins on a clash)
    edit_url: str
    glossary: tuple[GlossaryTerm, ...]
    limits: Limits = Limits()
    request_url: str = ""  # "ask for this mapping": a new-issue form, {api} filled in
    theme_strings: dict[str, Bilingual] = field(
        default_factory=dict
    )  # the theme's strings, translated
    worklist: tuple[WorkPair, ...] = ()  # conf/worklist.csv: the pairs MindSpore's own tables list

    def strings_for(self, lang: str) -> dict[str, str]:
        """Every UI string in one site language (``en``, ``zh_CN``)."""
        key = self.languages[lang].text
        return {name: getattr(value, key) for name, value in self.strings.items()}

    @property
    def language_names(self) -> dict[str, str]:
        return {code: lang.name for code, lang in self.languages.items()}


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _read(conf_dir: Path, name: str, problems: list[Problem]):
    """(model, lines, display) of one conf file, or None with its problems appended."""
    path = conf_dir / name
    display = _display(path)
    if not path.is_file():
        if name in OPTIONAL:
            return FILES[name](), LineMap(), display
        problems.append(
            Problem(display, 1, "", "missing: every apimap project has this file in conf/")
        )
        return None
    try:
        data, lines = read_yaml(path, display)
        if not isinstance(data, dict):
            raise ProblemsError(
                [Problem(display, 1, "", "expected a mapping of keys at the top level")]
            )
        return FILES[name].model_validate(data), lines, display
    except ProblemsError as exc:
        problems.extend(exc.problems)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, data, lines, display, FILES[name], _PATTERNS))
    return None


def _duplicates(entries, key: str, lines: LineMap, display: str) -> list[Problem]:
    seen: dict[str, int] = {}
    out = []
    for i, entry in enumerate(entries):
        value = entry.id
        if value in seen:
            loc = (key, i, "id")
            out.append(
                Problem(
                    display,
                    lines.line(loc),
                    format_path(loc),
                    f"duplicate id '{value}' (also {key}[{seen[value]}])",
                )
            )
        seen.setdefault(value, i)
    return out


def load_config(conf_dir: Path) -> Config:
    """Read and validate every conf/ file; raise ``ProblemsError`` with all their problems."""
    conf_dir = Path(conf_dir)
    problems: list[Problem] = []
    read = {name: _read(conf_dir, name, problems) for name in FILES}
    if problems:
        raise ProblemsError(sorted(problems))
    cats, cat_lines, cat_file = read["categories.yaml"]
    rels, rel_lines, rel_file = read["relations.yaml"]
    problems += _duplicates(cats.categories, "categories", cat_lines, cat_file)
    problems += _duplicates(rels.relations, "relations", rel_lines, rel_file)
    category_ids = [c.id for c in cats.categories]
    # every `implies` names a category: the relations' and the edge rules'
    for key, entries, lines, file in (
        ("relations", rels.relations, rel_lines, rel_file),
        ("edge_rules", cats.edge_rules, cat_lines, cat_file),
    ):
        for i, entry in enumerate(entries):
            if entry.implies not in category_ids:
                loc = (key, i, "implies")
                problems.append(
                    Problem(
                        file,
                        lines.line(loc),
                        format_path(loc),
                        f"unknown category '{entry.implies}'{did_you_mean(entry.implies, category_ids)}",
                    )
                )
    general, general_lines, general_file = read["general_params.yaml"]
    listed = general.general_params.torch
    for name in general.general_params.why:
        if name not in listed:
            loc = ("general_params", "why", name)
            problems.append(
                Problem(
                    general_file,
                    general_lines.line(loc),
                    format_path(loc),
                    f"'{name}' is not in general_params.torch{did_you_mean(name, listed)}",
                )
            )
    for i, name in enumerate(listed):
        if name not in general.general_params.why:
            loc = ("general_params", "torch", i)
            problems.append(
                Problem(
                    general_file,
                    general_lines.line(loc),
                    format_path(loc),
                    f"'{name}' has no entry in general_params.why (the site's page says what to do with it)",
                )
            )
    chosen = cats.in_place_counterpart
    if chosen is not None and chosen not in category_ids:
        loc = ("in_place_counterpart",)
        problems.append(
            Problem(
                cat_file,
                cat_lines.line(loc),
                format_path(loc),
                f"unknown category '{chosen}'{did_you_mean(chosen, category_ids)}",
            )
        )
    ui, site = read["ui.yaml"][0], read["site.yaml"][0]
    try:
        worklist = read_worklist(conf_dir)
    except ProblemsError as exc:
        problems += exc.problems
    if problems:
        raise ProblemsError(sorted(problems))
    vocab = Vocab(
        conf_dir,
        categories={
            c.id: Category(
                c.id, i, c.label.model_dump(), c.definition.model_dump(), c.shown_by_calls
            )
            for i, c in enumerate(cats.categories)
        },
        relations={
            r.id: Relation(
                r.id,
                r.label.model_dump(),
                r.torch,
                r.mindspore,
                r.implies,
                r.note,
                r.port.model_dump() if r.port else None,
            )
            for r in rels.relations
        },
        general_params=frozenset(general.general_params.torch),
        general_about=general.general_params.about.model_dump(),
        general_why={k: v.model_dump() for k, v in general.general_params.why.items()},
        frameworks={
            key: Framework(
                key,
                f.name,
                f.version,
                f.doc_url,
                dict(f.doc_lang),
                dict(f.module_paths),
                {
                    k: Cluster(k, tuple(c.errors), c.needs.model_dump())
                    for k, c in f.clusters.items()
                },
            )
            for key, f in read["frameworks.yaml"][0].frameworks.items()
        },
        edge_rules=tuple(
            EdgeRule(i, frozenset(r.cases), frozenset(r.outcomes), r.implies, r.why.model_dump())
            for i, r in enumerate(cats.edge_rules)
        ),
        device_limits=tuple(cats.device_limits),
        type_limits=tuple(cats.type_limits),
        edge_tolerance={k: (t.rtol, t.atol) for k, t in cats.edge_tolerance.items()},
        in_place_counterpart=cats.in_place_counterpart,
        terminology=tuple(
            (t.en, t.zh, tuple(t.wrong)) for t in read["glossary.yaml"][0].terms if t.wrong
        ),
    )
    return Config(
        conf_dir,
        vocab,
        dict(ui.languages),
        {**site.strings, **ui.strings},
        site.edit_url,
        tuple(read["glossary.yaml"][0].terms),
        site.limits,
        site.request_url,
        dict(site.theme_strings),
        worklist,
    )
