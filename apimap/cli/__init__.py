"""The ``apimap`` command: validate, render, build, serve, schema (more stages register themselves here)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .problems import Problem
from .project import Project


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="apimap", description="PyTorch -> MindSpore API mappings: YAML in, verified bilingual site out.")
    parser.add_argument("--project", type=Path, default=None, help="project folder (default: found from the current folder)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check mapping YAML files; one line per problem")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: mappings/)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("render", help="YAML -> MyST Markdown under site/_build/src/<lang>/")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("build", help="validate + render + Sphinx HTML for every language")
    p.add_argument("-j", "--jobs", default="1", help="Sphinx processes per language (default 1; 'auto' for all cores)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="build, then serve site/_build/html on localhost")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-build", action="store_true", help="serve what is already built")
    p.add_argument("--watch", action="store_true", help="rebuild on changes to mappings/, templates/, conf/, site/ and reload open pages")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("schema", help="print the mapping JSON Schema (for editors)")
    p.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    p.set_defaults(func=cmd_schema)

    for register in _plugins():
        register(sub)

    args = parser.parse_args(argv)
    args.project = Project(args.project.resolve()) if args.project else Project.find()
    import signal

    def _terminate(signum, frame):  # SIGTERM behaves like Ctrl-C: clean up, keep the last good site
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("apimap: interrupted; the last good site/_build/html is unchanged and no page was half-written", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _plugins():
    """Commands from other stages (doctest, check, new, import, export) register if their modules exist."""
    import importlib

    for name in ("apimap.execute.cli", "apimap.check_cli", "apimap.importer.cli", "apimap.export"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        yield module.register


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def report(problems: list[Problem]) -> None:
    for prob in sorted(problems):
        print(prob, file=sys.stderr)


def load(project: Project, paths: list[Path] | None = None):
    from .validate import load_tree
    from .vocab import Vocab

    from .cache import ValidationCache

    vocab = Vocab(project.conf)
    vocab.check()
    cache = ValidationCache(project.build / "cache" / "validated.pickle", project.conf)
    loaded, problems = load_tree(paths or [project.mappings], None if paths else project.mappings, vocab, cache)
    cache.save(keep=None if paths else {str(item.path) for item in loaded})
    return vocab, loaded, problems


def report_missing(paths: list[Path]) -> bool:
    """Report paths that do not exist, one line each; True if there were any."""
    missing = [p for p in paths if not p.exists()]
    for p in missing:
        print(f"{p}:1: no such file or folder", file=sys.stderr)
    return bool(missing)


def cmd_validate(args) -> int:
    start = time.perf_counter()
    if report_missing(args.paths):
        return 1
    _, loaded, problems = load(args.project, args.paths)
    report(problems)
    errors = [p for p in problems if p.severity == "error"]
    files = len({p.file for p in errors})
    took = time.perf_counter() - start
    if errors:
        print(f"apimap validate: {len(errors)} problem(s) in {files} file(s); {len(loaded)} file(s) valid ({took:.2f} s)", file=sys.stderr)
        return 1
    print(f"apimap validate: {len(loaded)} mapping(s) valid ({took:.2f} s)", file=sys.stderr)
    return 0


def render_step(args):
    """Validate everything, then render; return (site, loaded) or None when invalid (nothing written)."""
    from .render import Site, load_results, render_all

    project = args.project
    vocab, loaded, problems = load(project)
    report(problems)
    if any(p.severity == "error" for p in problems):
        print(f"apimap: {sum(p.severity == 'error' for p in problems)} problem(s); nothing rendered", file=sys.stderr)
        return None
    site = Site(project.conf, project.templates, vocab)
    load_results(site, project.build)
    stats = render_all(site, loaded, project.src)
    print(f"apimap render: {len(loaded)} mapping(s) -> {len(stats.written)} page(s) written, "
          f"{stats.unchanged} unchanged, {len(stats.removed)} removed", file=sys.stderr)
    return site


def cmd_render(args) -> int:
    return 0 if render_step(args) else 1


def cmd_build(args) -> int:
    from .export import export_files
    from .render import read_ui
    from .sitebuild import EarlySphinx, build_html

    start = time.perf_counter()
    langs = {code: info["name"] for code, info in read_ui(args.project.conf)["languages"].items()}
    with EarlySphinx(args.project, langs, args.jobs) as early:  # Sphinx imports itself while we validate and render
        site = render_step(args)
        if site is None:
            return 1
        with _console().status(f"Sphinx: building {', '.join(langs)} ..."):  # mappings.json & co. are made meanwhile
            runs = build_html(args.project, langs, jobs=args.jobs, extra_files=lambda: export_files(site, site.rendered),
                              early=early)
    failed = [r for r in runs if r.returncode != 0]
    for run in runs:
        if run.output.strip():
            print(run.output.rstrip(), file=sys.stderr)
    if failed:
        print(f"apimap build: Sphinx failed for {', '.join(r.lang for r in failed)}", file=sys.stderr)
        return 1
    index = args.project.html / "index.html"
    skipped = [r.lang for r in runs if r.skipped]
    if skipped:
        print(f"apimap build: {', '.join(skipped)}: no source or configuration changed; Sphinx not run", file=sys.stderr)
    print(f"apimap build: site ready in {time.perf_counter() - start:.1f} s: {index}", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    from .preview import serve

    args.jobs = getattr(args, "jobs", "1")  # cmd_build's option; serve builds with one Sphinx process per language
    if not args.no_build and cmd_build(args) != 0 and not args.watch:
        return 1
    return serve(args.project, args.port, rebuild=(lambda: cmd_build(args)) if args.watch else None)


def cmd_schema(args) -> int:
    from .model import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
