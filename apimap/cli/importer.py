"""`apimap import`: hand-written pytorch_diff pages (en + zh) -> mapping YAML; `--roundtrip` checks the way back."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "import",
        help="import MindSpore pytorch_diff pages (en + zh) into mapping YAML",
        description="Import one page pair (EN_PAGE ZH_PAGE) or two folders paired by file name (--en DIR --zh DIR).",
    )
    p.add_argument("pages", nargs="*", type=Path, metavar="PAGE", help="EN_PAGE ZH_PAGE")
    p.add_argument("--en", type=Path, help="folder of English pages")
    p.add_argument("--zh", type=Path, help="folder of Chinese pages (same file names)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where to write the YAML tree (default: the project's mappings/)",
    )
    p.add_argument(
        "--report",
        type=Path,
        help="write a JSON report (per page: status, output, errors, warnings)",
    )
    p.add_argument(
        "--roundtrip",
        action="store_true",
        help="write nothing; import each pair, render it back to the page format and compare with the original",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print errors only, not warnings")
    p.set_defaults(func=run)


def _pairs(args) -> tuple[list[tuple[str, Path, Path]], list[str]] | None:
    from ..importer.run import pair_dirs

    if args.pages:
        if args.en or args.zh or len(args.pages) != 2:
            print("apimap import: give EN_PAGE ZH_PAGE, or --en DIR --zh DIR", file=sys.stderr)
            return None
        en, zh = args.pages
        missing = [f"{p}:1: no such file" for p in (en, zh) if not p.is_file()]
        return ([] if missing else [(en.name, en, zh)]), missing
    if not (args.en and args.zh):
        print("apimap import: give EN_PAGE ZH_PAGE, or --en DIR --zh DIR", file=sys.stderr)
        return None
    missing = [f"{d}:1: no such folder" for d in (args.en, args.zh) if not d.is_dir()]
    if missing:
        return [], missing
    return pair_dirs(args.en, args.zh)


def run(args) -> int:
    from ..config import load_config
    from ..importer.run import Outcome, import_pair

    found = _pairs(args)
    if found is None:
        return 2
    pairs, lonely = found
    for line in lonely:
        print(line, file=sys.stderr)
    if not pairs and any(line.endswith(("no such file", "no such folder")) for line in lonely):
        return 1
    vocab = load_config(args.project.conf).vocab
    if args.roundtrip:
        return _roundtrip(args, pairs, vocab, lonely)
    out_dir = args.out or args.project.mappings
    taken: set[str] = set()
    outcomes: list[Outcome] = []
    for name, en, zh in pairs:
        try:
            outcome = import_pair(en, zh, out_dir, vocab, taken, name)
        # a bug in the importer: report it for this page and go on with the others
        except Exception as exc:  # noqa: BLE001
            outcome = Outcome(name, str(en), str(zh))
            outcome.errors.append(f"{en}:1: importer crashed: {type(exc).__name__}: {exc}")
            outcome.crash = traceback.format_exc()
        outcomes.append(outcome)
        for line in outcome.errors:
            print(line, file=sys.stderr)
        if not args.quiet:
            for line in outcome.warnings:
                print(line, file=sys.stderr)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("imported", "warnings", "failed")}
    no_unplaced = sum(o.status != "failed" and o.unplaced == 0 for o in outcomes)
    summary = (
        f"apimap import: {len(outcomes)} page pair(s): {counts['imported']} imported, "
        f"{counts['warnings']} imported with warnings, {counts['failed']} failed; "
        f"{no_unplaced} with nothing unplaced; {len(lonely)} page(s) without a partner -> {out_dir}"
    )
    print(summary, file=sys.stderr)
    if args.report:
        _write_json(
            args.report,
            {
                "summary": summary,
                "counts": counts,
                "no_unplaced": no_unplaced,
                "lonely": lonely,
                "pages": [o.as_json() for o in outcomes],
            },
        )
    return 1 if counts["failed"] or lonely else 0


def _roundtrip(args, pairs, vocab, lonely) -> int:
    from ..importer.roundtrip import roundtrip_pair

    results = []
    for name, en, zh in pairs:
        try:
            res = roundtrip_pair(en, zh, vocab, args.project.templates, name)
        except Exception as exc:  # noqa: BLE001 - as for import: one crashed page does not stop the rest
            res = {
                "page": name,
                "status": "failed",
                "errors": [f"{en}:1: crashed: {type(exc).__name__}: {exc}"],
                "diffs": [],
            }
        results.append(res)
        for line in res["errors"] + res["diffs"]:
            print(line, file=sys.stderr)
    same = sum(r["status"] == "same" for r in results)
    share = same / len(results) if results else 0.0
    failed = sum(r["status"] == "failed" for r in results)
    summary = (
        f"apimap import --roundtrip: {same} of {len(results)} page pair(s) round-trip ({share:.1%}); "
        f"{len(results) - same - failed} differ, {failed} failed to import"
    )
    print(summary, file=sys.stderr)
    if args.report:
        _write_json(
            args.report, {"summary": summary, "same": same, "share": share, "pages": results}
        )
    return 0 if same == len(results) and not lonely else 1


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
