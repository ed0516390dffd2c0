"""The controlled vocabulary (categories, relations, general parameters, framework facts), read from conf/."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True)
class Category:
    id: str
    priority: int
    label: dict[str, str]
    definition: dict[str, str]
    shown_by_calls: bool = False  # a probe's calls show the difference: no example needed


@dataclass(frozen=True)
class Relation:
    id: str
    label: dict[str, str]
    torch: str  # one | many | none
    mindspore: str
    implies: str  # a category id
    note: str  # required | optional
    port: dict[str, str] | None = None  # {en, zh}: the porting step for such a row


@dataclass(frozen=True)
class EdgeRule:
    """An edge case's outcome that makes a category the least a mapping may claim (conf/categories.yaml)."""

    index: int  # its place in edge_rules, for messages
    cases: frozenset[str]
    outcomes: frozenset[str]
    implies: str  # a category id
    why: dict[str, str]


@dataclass(frozen=True)
class Cluster:
    """What some APIs need beyond the one CPU process the suite runs (conf/frameworks.yaml ``clusters``)."""

    key: str
    errors: tuple[str, ...]  # texts of the errors such an API raises in that one process
    needs: dict[str, str]  # {en, zh}: how the page names it

    def stopped(self, message: str) -> bool:
        """Whether an error is this cluster's: the code ran as far as it can without one."""
        return any(text in message for text in self.errors)


@dataclass(frozen=True)
class Framework:
    key: str
    name: str
    version: str
    doc_url: str
    doc_lang: dict[str, str]
    module_paths: dict[str, str]
    clusters: dict[str, Cluster] = field(default_factory=dict)

    @property
    def short_version(self) -> str:
        return ".".join(self.version.split(".")[:2])

    def doc_url_for(self, api: str, lang: str, version: str | None = None) -> str:
        version = version or self.version
        module = api.rsplit(".", 1)[0]
        return self.doc_url.format(
            api=api,
            version=version,
            short=".".join(version.split(".")[:2]),
            lang=self.doc_lang.get(lang, lang),
            module_path=self._module_path(module),
        )

    def _module_path(self, module: str) -> str:
        if module in self.module_paths:
            return self.module_paths[module]
        best = ""
        for key in self.module_paths:
            prefix = key[:-2] if key.endswith(".*") else None
            if (
                prefix
                and (module == prefix or module.startswith(prefix + "."))
                and len(prefix) > len(best)
            ):
                best = prefix
        if best:
            return self.module_paths[best + ".*"]
        return "/".join(module.split(".")[1:]) or module


@dataclass(frozen=True)
class Vocab:
    """The controlled vocabulary, validated: built by ``apimap.config.load_config(conf_dir).vocab``."""

    conf_dir: Path
    categories: dict[str, Category]  # in priority order, lowest first
    relations: dict[str, Relation]
    general_params: frozenset[str]
    frameworks: dict[str, Framework]
    edge_rules: tuple[EdgeRule, ...] = ()
    device_limits: tuple[
        str, ...
    ] = ()  # MindSpore error texts that mean "no kernel on this device"
    type_limits: tuple[
        str, ...
    ] = ()  # ... but one for another input type: a type rejection, not no_kernel
    edge_tolerance: dict[str, tuple[float, float]] = field(
        default_factory=dict
    )  # case -> (rtol, atol) floors
    in_place_counterpart: str | None = None  # see conf/categories.yaml
    general_about: dict[str, str] = field(
        default_factory=dict
    )  # {en, zh}: what a general difference is
    general_why: dict[str, dict[str, str]] = field(default_factory=dict)  # parameter -> {en, zh}
    # conf/glossary.yaml's terms with known wrong renderings: (en, zh, (wrong zh, ...))
    terminology: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def edge_rule(self, case: str | None, outcome: str) -> EdgeRule | None:
        """The rule an edge case's outcome falls under, the strictest when several do; None for no rule."""
        matching = [r for r in self.edge_rules if case in r.cases and outcome in r.outcomes]
        return max(matching, key=lambda r: self.categories[r.implies].priority, default=None)

    @cached_property
    def derivable_categories(self) -> frozenset[str]:
        """Categories that some relation implies: asserting one needs a row that shows it."""
        return frozenset(r.implies for r in self.relations.values()) - {"consistent"}
