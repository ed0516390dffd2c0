"""``apimap export``: every mapping as data for converters: mappings.json (+ its JSON Schema) and mappings.csv.

The JSON format is a stable, versioned interface (``format_version``): fields are only added within a version;
renaming or removing one bumps it. The document is built from pydantic models, so the published schema
(``mappings.schema.json``) is the same code that produces the data. Never imports torch or mindspore.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .catalog import Catalog, module_of
from .paramkinds import (
    KEYWORD_ONLY,
    KINDS,
    POSITIONAL,
    POSITIONAL_ONLY,
    VAR_KEYWORD,
    VAR_POSITIONAL,
)
from .results import Status

FORMAT_VERSION = 1
JSON_NAME, SCHEMA_NAME, CSV_NAME = "mappings.json", "mappings.schema.json", "mappings.csv"
SCHEMA_ID = f"https://apimap.dev/schema/mappings-export-{FORMAT_VERSION}.json"

ParamKind = Literal[KINDS]  # type: ignore[valid-type]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Bilingual(Out):
    en: str
    zh: str


class SignatureParam(Out):
    name: str = Field(description="Parameter name without stars")
    kind: ParamKind
    default: str | None = Field(
        description="The default as Python source text ('0.002', 'None', '(0.9, 0.999)'); null: no default"
    )
    annotation: str | None = Field(
        None, description="The type annotation as written in the signature, if any"
    )


class Api(Out):
    api: str = Field(description="Full dotted name, e.g. torch.optim.Adamax")
    kind: Literal["class", "function", "method", "attribute"]
    version: str = Field(description="Framework version the entry was written and checked against")
    signature: str
    parameters: list[SignatureParam] | None = Field(
        description="Parsed from `signature`; null when it could not be parsed"
    )
    doc_url: str


class NameRef(Out):
    name: str
    default: str | None = Field(
        description="Default from this side's parsed signature (Python source text); null: none or unknown"
    )


class ParamRelation(Out):
    group: Literal["parameters", "inputs", "outputs"]
    torch: list[NameRef] = Field(description="Empty when PyTorch has no such parameter")
    mindspore: list[NameRef] = Field(description="Empty when MindSpore has no such parameter")
    relation: str = Field(description="Relation id (see `relations` at the top level)")
    note: Bilingual | None = None


class ExampleStatus(Out):
    id: str
    status: Status


class ProbeCall(Out):
    id: str = Field(description="keywords | positional | defaults | row-<name> | edge-<case>")
    edge: str | None = Field(
        description="The edge case the inputs were changed for; null for a call pattern"
    )
    torch: str = Field(
        description="The PyTorch call, with inputs written as generators (randn(2, 3))"
    )
    mindspore: str = Field(description="The MindSpore call derived from the parameter rows")
    expect: Literal["close", "differ", "any"]
    outcome: str = Field(
        description="agree | differ | unstable | torch_raises | mindspore_raises | no_kernel | both_raise | "
        "lost | not_run"
    )
    detail: str = Field(description="What was measured: the largest difference, or the exceptions")
    torch_result: str = Field(
        description="PyTorch's result in a few words (dtype and shape, or the exception)"
    )
    mindspore_result: str


class MappingOut(Out):
    id: str = Field(
        description="Stable id: the torch API, plus '@tag' for a second counterpart (e.g. torch.optim.Adam@mint)"
    )
    file: str = Field(description="Source YAML, relative to mappings/")
    module: str = Field(description="The torch API's module, e.g. torch.optim")
    torch: Api
    mindspore: Api | None = Field(description="null when the category is 'missing'")
    category: str = Field(description="Category id (see `categories` at the top level)")
    summary: Bilingual = Field(description="MyST Markdown")
    params: list[ParamRelation]
    status: Status = Field(
        description="Worst status of the mapping's examples; 'not_run' without doctest results"
    )
    examples: list[ExampleStatus]
    probe: list[ProbeCall] = Field(
        default_factory=list,
        description="The parameter table, executed: each call and what it gave (empty without a probe)",
    )
    releases: dict[str, Status] = Field(
        default_factory=dict,
        description="MindSpore version -> the mapping's status on that release, oldest first (the version "
        "matrix; empty when no run was recorded)",
    )
    requires_kernel: str | None = Field(
        None,
        description="The MindSpore kernel this API needs and the device the suite ran on lacks (the page "
        "says it is not verifiable there); null when everything could run",
    )
    requires_cluster: str | None = Field(
        None,
        description="The cluster this MindSpore API needs (a key of conf/frameworks.yaml `clusters`: "
        "`msrun`, `hccl`), which the suite's one CPU process is not; null when none",
    )
    pages: dict[str, str] = Field(
        description="Site language code -> page path relative to the site root"
    )


class Term(Out):
    id: str
    label: Bilingual
    definition: Bilingual | None = None


class Verification(Out):
    present: bool = Field(description="false: the examples were not run for this export")
    created: str = ""
    versions: dict[str, str] = Field(default_factory=dict)


class Export(Out):
    """apimap mappings export (PyTorch -> MindSpore)."""

    schema_url: str = Field(SCHEMA_NAME, alias="$schema")
    format: Literal["apimap-mappings"] = "apimap-mappings"
    format_version: Literal[FORMAT_VERSION] = FORMAT_VERSION  # type: ignore[valid-type]
    frameworks: dict[str, str] = Field(
        description="Framework key -> version the vocabulary targets"
    )
    verification: Verification
    categories: list[Term]
    relations: list[Term]
    mappings: list[MappingOut]

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def export_schema() -> dict:
    schema = Export.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "apimap mappings export"
    return schema


# --- signatures ------------------------------------------------------------------------------------

_SIG = re.compile(r"^\s*[\w.]+\s*(\(.*\))\s*(->.*)?$", re.S)


def parse_signature(text: str) -> list[SignatureParam] | None:
    """Parameters of ``name(a, b=1, *, c=None) -> T`` with defaults as source text; None if it is not Python syntax."""
    m = _SIG.match(" ".join(text.split()))
    if not m:
        return None
    src = f"def _{m.group(1)}: pass"
    try:
        args = ast.parse(src).body[0].args
    except SyntaxError:
        return None
    # one line; ast offsets count UTF-8 bytes (ast.get_source_segment re-splits lines per call)
    raw = src.encode()

    def seg(node):
        return raw[node.col_offset : node.end_col_offset].decode() if node is not None else None

    def param(arg, kind: str, default=None) -> SignatureParam:
        return SignatureParam(
            name=arg.arg, kind=kind, default=seg(default), annotation=seg(arg.annotation)
        )

    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    out = [
        param(a, POSITIONAL_ONLY if i < len(args.posonlyargs) else POSITIONAL, d)
        for i, (a, d) in enumerate(zip(positional, defaults, strict=True))
    ]
    if args.vararg:
        out.append(param(args.vararg, VAR_POSITIONAL))
    out += [
        param(a, KEYWORD_ONLY, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
    ]
    if args.kwarg:
        out.append(param(args.kwarg, VAR_KEYWORD))
    return out


# --- building the document -------------------------------------------------------------------------


def build_export(catalog: Catalog) -> Export:
    vocab = catalog.vocab
    mappings = []
    for item in catalog.mappings:
        m = item.mapping
        sides = {}
        for key in ("torch", "mindspore"):
            side = getattr(m, key)
            if side is None:
                sides[key] = None
                continue
            sides[key] = Api(
                api=side.api,
                kind=side.kind,
                version=side.version,
                signature=side.signature.strip(),
                parameters=parse_signature(side.signature),
                doc_url=side.url or vocab.frameworks[key].doc_url_for(side.api, "en", side.version),
            )
        defaults = {
            key: {p.name: p.default for p in (api.parameters or [])} if api else {}
            for key, api in sides.items()
        }
        params = [
            ParamRelation(
                group=row.group,
                relation=row.relation,
                torch=[
                    NameRef(name=n, default=defaults["torch"].get(n.lstrip("*")))
                    for n in row.torch_names
                ],
                mindspore=[
                    NameRef(name=n, default=defaults["mindspore"].get(n.lstrip("*")))
                    for n in row.mindspore_names
                ],
                note=Bilingual(en=row.note.en, zh=row.note.zh) if row.note else None,
            )
            for row in m.params
        ]
        examples = [
            ExampleStatus(id=ex.id, status=catalog.example_status(item, ex.id)) for ex in m.examples
        ]
        ran = catalog.doctest.probes_for(item.rel)
        probe = [
            ProbeCall(
                id=c.id,
                edge=c.edge,
                torch=c.torch.source(),
                mindspore=c.mindspore.source(),
                expect=c.expect,
                outcome=ran[c.id].outcome if c.id in ran else "not_run",
                detail=ran[c.id].detail if c.id in ran else "",
                torch_result=ran[c.id].torch_result if c.id in ran else "",
                mindspore_result=ran[c.id].mindspore_result if c.id in ran else "",
            )
            for c in catalog.probe_calls(item)
        ]
        mappings.append(
            MappingOut(
                id=item.slug,
                file=item.rel,
                module=module_of(m.torch.api),
                torch=sides["torch"],
                mindspore=sides["mindspore"],
                category=m.category,
                summary=Bilingual(en=m.summary.en.strip(), zh=m.summary.zh.strip()),
                params=params,
                status=catalog.status(item),
                examples=examples,
                probe=probe,
                releases={r.version: r.status for r in catalog.release_statuses(item)},
                requires_kernel=m.requires.kernel if m.requires else None,
                requires_cluster=m.requires.cluster if m.requires else None,
                pages={lang: catalog.page_path(item, lang) for lang in catalog.languages},
            )
        )
    return Export(
        frameworks={key: fw.version for key, fw in vocab.frameworks.items()},
        verification=Verification(
            present=catalog.doctest.present,
            created=catalog.doctest.created,
            versions=dict(catalog.doctest.versions),
        ),
        categories=[
            Term(id=c.id, label=Bilingual(**c.label), definition=Bilingual(**c.definition))
            for c in vocab.categories.values()
        ],
        relations=[Term(id=r.id, label=Bilingual(**r.label)) for r in vocab.relations.values()],
        mappings=mappings,
    )


CSV_COLUMNS = (
    "id",
    "module",
    "torch_api",
    "torch_kind",
    "torch_version",
    "mindspore_api",
    "mindspore_kind",
    "mindspore_version",
    "category",
    "category_en",
    "category_zh",
    "status",
    "params",
    "file",
    "page_en",
    "page_zh_CN",
)


def to_csv(doc: Export) -> str:
    """One row per mapping; ``params`` is ``torch->mindspore:relation`` rows joined by '; '
    (names joined by '+', '-' for none)."""
    labels = {c.id: c.label for c in doc.categories}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for m in doc.mappings:
        ms = m.mindspore
        params = "; ".join(
            f"{'+'.join(n.name for n in p.torch) or '-'}->{'+'.join(n.name for n in p.mindspore) or '-'}:{p.relation}"
            for p in m.params
        )
        writer.writerow(
            [
                m.id,
                m.module,
                m.torch.api,
                m.torch.kind,
                m.torch.version,
                ms.api if ms else "",
                ms.kind if ms else "",
                ms.version if ms else "",
                m.category,
                labels[m.category].en,
                labels[m.category].zh,
                m.status,
                params,
                m.file,
                m.pages.get("en", ""),
                m.pages.get("zh_CN", ""),
            ]
        )
    return buf.getvalue()


def export_files(catalog: Catalog) -> dict[str, str]:
    """{file name: text} of mappings.json, mappings.schema.json and mappings.csv."""
    doc = build_export(catalog)
    return {
        JSON_NAME: json.dumps(
            doc.model_dump(mode="json", by_alias=True), ensure_ascii=False, separators=(",", ":")
        )
        + "\n",
        SCHEMA_NAME: json.dumps(export_schema(), ensure_ascii=False, indent=2) + "\n",
        CSV_NAME: "\ufeff"
        + to_csv(doc),  # BOM: spreadsheet programs then read the Chinese labels as UTF-8
    }


def write_exports(catalog: Catalog, out_dir: Path) -> list[Path]:
    """Write mappings.json, mappings.schema.json and mappings.csv into ``out_dir`` (each atomically)."""
    files = export_files(catalog)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = out_dir / name
        tmp = path.with_name(name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written
