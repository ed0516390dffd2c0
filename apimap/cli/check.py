"""``apimap check``: mappings against the installed frameworks, one line per finding."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..results import CHECK_RESULTS, read_check_results, write_record
from .common import load, report, report_missing


def register(sub) -> None:
    p = sub.add_parser(
        "check",
        help="compare mappings with the installed torch and mindspore; one line per finding",
    )
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: mappings/)")
    p.add_argument(
        "--json", action="store_true", help=f"also write site/_build/{CHECK_RESULTS} for the site"
    )
    p.add_argument(
        "--update",
        action="store_true",
        help="rewrite stale signature text and version fields from the installed frameworks (never prose)",
    )
    p.add_argument("--strict", action="store_true", help="fail on warnings (signature drift) too")
    p.add_argument(
        "--release",
        action="store_true",
        help="record the installed MindSpore release's view of every mapped MindSpore API (exists? which "
        "signature?) as site/_build/matrix/apis-mindspore-VERSION.json, for the pages' API history",
    )
    p.set_defaults(func=run)


def frameworks():
    """Import torch and mindspore once; (Frameworks, seconds) or a one-line error."""
    from ..check import Frameworks

    start = time.perf_counter()
    fw = Frameworks()
    for key in ("torch", "mindspore"):
        try:
            fw.root(key)
        except ImportError as exc:
            raise SystemExit(
                f"apimap: cannot import {key} ({exc}); install the frameworks: pip install -e '.[frameworks]'"
            ) from None
    return fw, time.perf_counter() - start


def run(args) -> int:
    from ..check import check_mapping
    from ..check.report import check_results

    start = time.perf_counter()
    if report_missing(args.paths):
        return 1
    project = args.project
    config, loaded, invalid = load(project, args.paths)
    vocab = config.vocab
    fw, import_time = frameworks()
    checks = [check_mapping(item, fw, vocab) for item in loaded]
    if args.update:
        checks = [_update(check, fw, vocab, project) for check in checks]
    findings = [f.problem for c in checks for f in c.findings]
    report(invalid + findings)
    if args.json:
        out = project.build / CHECK_RESULTS
        previous = read_check_results(out) if args.paths else None
        write_record(
            out,
            check_results(
                checks,
                invalid,
                {k: fw.version(k) for k in ("torch", "mindspore")},
                previous,
                rel_of=lambda display: _rel(display, project.mappings),
            ),
        )
    if args.release:
        _survey(checks, fw, project)
    errors = sum(p.severity == "error" for p in invalid + findings)
    warnings = sum(p.severity != "error" for p in invalid + findings)
    drift = sum(any(f.drift for f in c.findings) for c in checks)
    took = time.perf_counter() - start
    print(
        f"apimap check: {len(checks)} mapping(s) against {fw.label('torch')} / {fw.label('mindspore')}: "
        f"{errors} error(s), {warnings} warning(s), drift in {drift} file(s) "
        f"({took:.2f} s, of which {import_time:.2f} s importing the frameworks)",
        file=sys.stderr,
    )
    return 1 if errors or (args.strict and warnings) else 0


def _survey(checks, fw, project) -> None:
    """Each mapped MindSpore API on the installed release: its signature text, "" (none readable), or None
    (the release does not have it)."""
    from ..results import ApiSurvey, survey_file

    apis: dict[str, str | None] = {}
    for check in checks:
        declared = check.item.mapping.mindspore
        if declared is None:
            continue
        live = check.live.get("mindspore")
        if live is None:
            apis[declared.api] = None
        elif "mindspore" in check.chosen:
            apis[declared.api] = check.chosen["mindspore"].text
        else:
            apis[declared.api] = live.signature.text if live.signature else ""
    versions = {k: fw.version(k) for k in ("torch", "mindspore")}
    write_record(
        project.build / survey_file(versions["mindspore"]), ApiSurvey(versions=versions, apis=apis)
    )


def _update(check, fw, vocab, project):
    """Rewrite the stale fields of one file, then check it again."""
    from ..check import Finding, check_mapping
    from ..check.update import update_file
    from ..problems import Problem, ProblemsError
    from ..validate import load_file, mappings_root

    item = check.item
    values = {}
    for side, live in check.live.items():
        declared = getattr(item.mapping, side)
        if live.kind != declared.kind and {live.kind, declared.kind} != {"function", "method"}:
            continue  # a wrong kind needs a person
        values[(side, "version")] = fw.version(side)
        # the live form closest to the stored text (opaque signatures are never written)
        if side in check.chosen:
            values[(side, "signature")] = check.chosen[side].text
    try:
        changed = update_file(item.path, values)
    except RuntimeError as exc:
        check.findings.append(Finding(Problem(item.display, 1, "", f"not updated: {exc}")))
        return check
    if not changed:
        return check
    print(f"apimap check: updated {item.display}", file=sys.stderr)
    try:
        fresh = load_file(item.path, mappings_root(item.path), vocab, display=item.display)
    # cannot happen unless the file was edited meanwhile; report, do not crash
    except ProblemsError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        return check
    return check_mapping(fresh, fw, vocab)


def _rel(display: str, root: Path) -> str | None:
    try:
        return Path(display).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
