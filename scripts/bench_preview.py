#!/usr/bin/env python3
"""Preview benchmark: how long an edited note takes to reach its HTML in `apimap serve --watch` (apimap.live).

    python scripts/bench_preview.py                    # N = 162 and 1000 synthetic mappings, 8 edits each
    python scripts/bench_preview.py --sizes 1000 --edits 12

Each size: a synthetic tree (scripts/bench_build.py's mappings: 10 parameter rows, 2 examples, both languages),
one whole `apimap build`, the resident site started and warm, then edits to one mapping's note, alternately in
English and in Chinese, a few seconds apart as a person types. A figure is the time from the change reaching the
preview (what watchfiles reports, about 50 ms after the save) to the edited pages being built, when the open
pages reload. For comparison, the same edit through a fresh `apimap build` (what the preview did before).
Prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from bench_build import make_project, synthetic  # noqa: E402

from apimap.cli import build  # noqa: E402
from apimap.live import LiveSite  # noqa: E402


def bench(n: int, edits: int, tmp: Path) -> dict:
    project = make_project(tmp, n)
    args = argparse.Namespace(project=project, jobs="1")
    live = LiveSite(project, lambda: build.run(args))
    if live.start() != 0:
        raise SystemExit(f"N={n}: the first build failed")
    live.wait_ready()
    target = project.mappings / synthetic(n // 2)[0]
    shown = {"en": [], "zh": []}
    try:
        for k in range(edits):
            lang = "en" if k % 2 == 0 else "zh"
            text = target.read_text(encoding="utf-8")
            old, new = (
                ("Parameter 2 differs", f"Parameter 2 differs ({k})")
                if lang == "en"
                else ("参数 2 的行为不同", f"参数 2 的行为不同（{k}）")
            )
            target.write_text(text.replace(old, new, 1), encoding="utf-8")
            if live.rebuild([target], lambda: None) != 0:
                raise SystemExit(f"N={n}: rebuild {k} failed")
            shown[lang].append(live.last_shown)
            time.sleep(3)  # a person's pause; the residents finish their deferred work meanwhile
    finally:
        live.close()
    # the same edit through a fresh `apimap build`
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("Parameter 2 differs", "Parameter 2 differs!", 1), "utf-8")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "apimap", "--project", str(tmp), "build"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    fresh = time.perf_counter() - start
    return {
        "n": n,
        "en": statistics.median(shown["en"][1:] or shown["en"]),  # the first edit warms the caches
        "zh": statistics.median(shown["zh"][1:] or shown["zh"]),
        "worst": max(shown["en"][1:] + shown["zh"][1:]),
        "fresh": fresh,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[162, 1000])
    ap.add_argument("--edits", type=int, default=8)
    args = ap.parse_args()
    rows = []
    for n in args.sizes:
        print(f"... N={n}", file=sys.stderr, flush=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"apimap-preview-{n}-"))
        try:
            rows.append(bench(n, args.edits, tmp))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(
        "\n| N | note edited in English: pages ready | in Chinese | worst | the same edit by `apimap build` |"
    )
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['n']:,} | {r['en']:.2f} s | {r['zh']:.2f} s | {r['worst']:.2f} s | {r['fresh']:.1f} s |"
        )


if __name__ == "__main__":
    main()
