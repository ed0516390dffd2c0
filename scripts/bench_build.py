#!/usr/bin/env python3
"""Build benchmark: N synthetic (valid, realistic) mappings -> validate, render, Sphinx, incremental rebuild.

    python scripts/bench_build.py                      # N = 100, 1000, 5000 (5000: one Sphinx run)
    python scripts/bench_build.py --sizes 100 1000 --repeat 3

Each mapping has 10 parameter rows, 2 examples and text in both languages. "cold" is a fresh tree (no validation
cache, no rendered pages). Every figure is a median of --repeat runs, except full Sphinx builds at N >= 5000,
which run once (each takes minutes on 2 cores). Prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from apimap.project import Project  # noqa: E402

RELS = [
    ("same", None),
    ("renamed", None),
    ("default_differs", "note"),
    ("same", None),
    ("general", None),
    ("torch_only", "note"),
    ("same", None),
    ("renamed_default_differs", "note"),
    ("mindspore_only", "note"),
    ("same", None),
]


def synthetic(i: int) -> tuple[str, str]:
    """One valid mapping (path, YAML) for torch.bench.m{i//100}.Api{i}."""
    module = f"m{i // 100:03d}"
    api = f"torch.bench.{module}.Api{i}"
    rows = []
    for j, (rel, note) in enumerate(RELS):
        t = None if rel == "mindspore_only" else f"p{j}"
        m = (
            None
            if rel in ("torch_only", "general")
            else (f"p{j}" if rel in ("same", "default_differs") else f"q{j}")
        )
        row = f"  - {{torch: {t or 'null'}, mindspore: {m or 'null'}, relation: {rel}"
        if note:
            row += (
                f", note: {{en: 'Parameter {j} differs: set it explicitly when porting.', "
                f"zh: '参数 {j} 的行为不同，迁移时请显式设置。'}}"
            )
        rows.append(row + "}")
    sig_t = ", ".join(f"p{j}={j}" for j, (rel, _) in enumerate(RELS) if rel != "mindspore_only")
    sig_m = ", ".join(
        (f"p{j}" if rel in ("same", "default_differs") else f"q{j}") + f"={j}"
        for j, (rel, _) in enumerate(RELS)
        if rel not in ("torch_only", "general")
    )
    examples = "\n".join(
        f"""  - id: ex{k}
    title: {{en: "Example {k}: same inputs, same outputs", zh: "示例 {k}：输入相同，输出一致"}}
    torch: |
      >>> x = [1, 2, 3]
      >>> print(sum(x) * {k + 1})
      {6 * (k + 1)}
    mindspore: |
      >>> x = [1, 2, 3]
      >>> print(sum(x) * {k + 1})
      {6 * (k + 1)}
    compare: {{names: [x]}}"""
        for k in range(2)
    )
    text = f"""torch:
  api: {api}
  kind: class
  version: "2.13.0"
  signature: "{api}({sig_t})"
mindspore:
  api: mindspore.bench.{module}.Api{i}
  kind: class
  version: "2.10.0"
  signature: "mindspore.bench.{module}.Api{i}({sig_m})"
category: torch_more_params
summary:
  en: |
    Api{i} computes the same thing in both frameworks. Three parameters are named or defaulted differently,
    one exists only in PyTorch and one only in MindSpore; set them explicitly when porting. Formula: $y = a x + b$.
  zh: |
    Api{i} 在两个框架中的计算结果一致。有三个参数的名称或默认值不同，一个参数只有 PyTorch 有，
    另一个只有 MindSpore 有；迁移时请显式设置这些参数。公式：$y = a x + b$。
params:
{chr(10).join(rows)}
examples:
{examples}
"""
    return f"torch/bench/{module}/Api{i}.yaml", text


def make_project(root: Path, n: int) -> Project:
    for name in ("conf", "templates"):
        (root / name).symlink_to(REPO / name)
    for i in range(n):
        rel, text = synthetic(i)
        path = root / "mappings" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Project(root)


def timed(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one child process (the largest of it and the workers it waited for)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        # this child's own rusage (RUSAGE_CHILDREN would mix in earlier runs)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(
                f"{' '.join(cmd)} failed:\n{err.read().decode(errors='replace')[-3000:]}"
            )
    return took, usage.ru_maxrss


def apimap(proj: Project, *args: str) -> list[str]:
    return [sys.executable, "-m", "apimap", "--project", str(proj.root), *args]


def bench(n: int, repeat: int, jobs: str, sphinx: bool, tmp: Path) -> dict:
    proj = make_project(tmp, n)
    cache = proj.build / "cache"
    colds, rss = [], 0
    for k in range(repeat):  # cold: no validation cache, no rendered pages (a fresh clone, CI)
        if proj.build.exists():  # set aside, deleted at the end with the rest (see main)
            proj.build.rename(tmp / f"old-build-{k}")
        os.sync()
        took, peak = timed(apimap(proj, "render"), REPO)
        colds.append(took)
        rss = max(rss, peak)
    cold = statistics.median(colds)
    validate = [timed(apimap(proj, "validate"), REPO)[0] for _ in range(repeat)]  # warm cache
    renders = []
    for _ in range(repeat):  # warm validation cache, every page rendered
        shutil.rmtree(proj.src, ignore_errors=True)
        renders.append(timed(apimap(proj, "render"), REPO)[0])
    shutil.rmtree(cache, ignore_errors=True)
    row = {
        "n": n,
        "cold": cold,
        "rss": rss / 1024,
        "validate": statistics.median(validate),
        "render": statistics.median(renders),
    }
    if not sphinx:
        return row
    full = []
    for _ in range(1 if n >= 5000 else repeat):
        shutil.rmtree(proj.build, ignore_errors=True)
        full.append(timed(apimap(proj, "build", "-j", jobs), REPO)[0])
    target = proj.mappings / synthetic(n // 2)[0]
    one, both = [], []
    # one note edited: in English only (Sphinx runs for en), then in both languages
    for k in range(repeat):
        text = target.read_text(encoding="utf-8")
        target.write_text(
            text.replace("Parameter 2 differs", f"Parameter 2 differs (edit {k})", 1),
            encoding="utf-8",
        )
        one.append(timed(apimap(proj, "build", "-j", jobs), REPO)[0])
        text = target.read_text(encoding="utf-8")
        target.write_text(
            text.replace("Parameter 2 differs", "Parameter 2 differs!", 1).replace(
                "参数 2 的行为不同", f"参数 2 的行为不同（{k}）", 1
            ),
            encoding="utf-8",
        )
        both.append(timed(apimap(proj, "build", "-j", jobs), REPO)[0])
    return {
        **row,
        "full": statistics.median(full),
        "one": statistics.median(one),
        "both": statistics.median(both),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--no-sphinx",
        action="store_true",
        help="only validate and render (seconds instead of minutes)",
    )
    ap.add_argument(
        "-j",
        "--jobs",
        default=os.environ.get("APIMAP_SPHINX_JOBS", "1"),
        help="Sphinx -j per language",
    )
    args = ap.parse_args()
    rows = []
    trees = []
    try:
        for n in args.sizes:
            print(f"... N={n}", file=sys.stderr, flush=True)
            trees.append(Path(tempfile.mkdtemp(prefix=f"apimap-bench-{n}-")))
            rows.append(bench(n, args.repeat, args.jobs, not args.no_sphinx, trees[-1]))
    finally:
        # Deleted at the end, not between sizes: deleting a built tree (hundreds of MB) makes the disk slow for
        # a while (this one is ext4 mounted with discard), and the next size's cold figure would measure that.
        for tree in trees:
            shutil.rmtree(tree, ignore_errors=True)
    print(
        f"\nMedian of {args.repeat} runs (full build at N>=5000: 1 run); {os.cpu_count()} cores; "
        f"Sphinx -j {args.jobs} per language, languages in parallel.\n"
    )
    print(
        "| N | validate + render, cold | peak RSS | validate (cached) | render (cached) | full build (2 langs) "
        "| incremental: a note's English edited | incremental: a note edited in both languages |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        tail = (
            f"{r['full']:.1f} s | {r['one']:.1f} s ({100 * r['one'] / r['full']:.1f}%) "
            f"| {r['both']:.1f} s ({100 * r['both'] / r['full']:.1f}%)"
            if "full" in r
            else "— | — | —"
        )
        print(
            f"| {r['n']:,} | {r['cold']:.2f} s | {r['rss']:.0f} MiB | {r['validate']:.2f} s "
            f"| {r['render']:.2f} s | {tail} |"
        )
    built = [r for r in rows if "full" in r]
    if len(built) >= 2:
        a, b = built[0], built[-1]
        exponent = math.log(b["full"] / a["full"]) / math.log(b["n"] / a["n"])
        print(
            f"\nFull build grows as N^{exponent:.2f} between N={a['n']:,} and N={b['n']:,} (1.00 = linear)."
        )


if __name__ == "__main__":
    main()
