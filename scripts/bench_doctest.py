#!/usr/bin/env python
"""Benchmark the doctest runner on the project's own mappings (a measurement, not a test).

    python scripts/bench_doctest.py                 # ours with 1 and 2 workers, naive (sampled), floor
    python scripts/bench_doctest.py --naive-all     # run the naive way on every part (slow: minutes)
    python scripts/bench_doctest.py --overhead      # per-example runner overhead over 500 trivial examples
    python scripts/bench_doctest.py --probes        # probe calls per second and per-call overhead

(a) ours: ``pytest --apimap mappings`` (what ``apimap doctest`` runs), wall clock, 1 and 2 workers.
(b) naive: each example part in a fresh ``python -c`` subprocess that imports what the example imports.
    By default a spread sample of parts is run and the total extrapolated (printed as such).
Floor: one framework import per worker + the examples' own run times (from the results file) / workers.
Nothing is written outside /tmp.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
NAIVE = """
import json, sys
from apimap.execute.runpart import LocalSession
from apimap.execute.verdict import drive
r = drive(json.loads(sys.argv[1]), LocalSession())
sys.exit(0 if r["status"] == "passed" else 1)
"""


def ours(paths: list[str], workers: int, results: Path, extra: list[str] = ()) -> float:
    argv = [
        PY,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--apimap",
        "--apimap-results",
        str(results),
        "--rootdir",
        str(ROOT),
        "--continue-on-collection-errors",
        *extra,
        *paths,
    ]
    if workers > 1:
        argv[3:3] = ["-n", str(workers), "--dist", "loadfile"]
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    took = time.perf_counter() - start
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-300:]
    print(f"    pytest exit {proc.returncode}: {last}")
    return took


def import_seconds(repeat: int = 2) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [PY, "-c", "import numpy, torch, mindspore"], capture_output=True, check=True
        )
        times.append(time.perf_counter() - start)
    return min(times)


def parts(mappings: Path) -> list[dict]:
    """Every example part of the project's valid mappings, as verdict.drive requests."""
    sys.path.insert(0, str(ROOT))
    from apimap.config import load_config
    from apimap.problems import ProblemsError
    from apimap.validate import load_file

    vocab = load_config(ROOT / "conf").vocab
    out = []
    for path in sorted(mappings.rglob("*.yaml")):
        try:
            loaded = load_file(path, mappings, vocab)
        except ProblemsError:
            continue
        for i, ex in enumerate(loaded.mapping.examples):
            for part in ("torch", "mindspore"):
                if getattr(ex, part):
                    out.append(
                        {
                            "display": loaded.rel,
                            "first_line": loaded.lines.text_line(("examples", i, part)),
                            "label": f"{ex.id}[{part}]",
                            "code": getattr(ex, part),
                            "options": list(ex.options),
                            "timeout": ex.timeout,
                            "names": [],
                        }
                    )
    return out


def naive(requests: list[dict]) -> float:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "GLOG_v": "3",
        "HOME": tempfile.gettempdir(),
    }
    start = time.perf_counter()
    for req in requests:
        subprocess.run(
            [PY, "-c", NAIVE, json.dumps(req)],
            capture_output=True,
            env=env,
            cwd=tempfile.gettempdir(),
        )
    return time.perf_counter() - start


def bench(args) -> None:
    mappings = ROOT / "mappings"
    reqs = parts(mappings)
    n_parts = len(reqs)
    print(
        f"{n_parts} example parts (torch + mindspore) in {mappings}; machine: {os.cpu_count()} cores"
    )
    imp = import_seconds()
    print(f"framework import (numpy+torch+mindspore) in a fresh process: {imp:.2f} s")
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            res = Path(tmp) / f"r{workers}.json"
            took = ours([str(mappings)], workers, res)
            items = json.loads(res.read_text())["items"]
            own = sum(i["duration"] for i in items)
            floor = imp + own / workers
            rates[workers] = n_parts / took
            print(
                f"(a) ours, {workers} worker(s): {took:.1f} s, {rates[workers]:.2f} parts/s; "
                f"floor {floor:.1f} s (import {imp:.1f} + own run time {own:.1f} / {workers}); "
                f"ratio to floor {took / floor:.2f}x"
            )
    sample = (
        reqs
        if args.naive_all
        else reqs[:: max(1, n_parts // args.naive_sample)][: args.naive_sample]
    )
    took = naive(sample)
    per = took / len(sample)
    total = per * n_parts
    label = "" if args.naive_all else f" (sample of {len(sample)}, extrapolated)"
    print(
        f"(b) naive, fresh python per part: {per:.2f} s per part -> {total:.0f} s for {n_parts} "
        f"parts{label}, {1 / per:.3f} parts/s"
    )
    for workers, rate in rates.items():
        print(f"    speed-up of ours with {workers} worker(s) over naive: {rate * per:.1f}x")


def overhead(args) -> None:
    """Runner overhead per example: 500 trivial examples vs 1, through pytest + plugin + executor."""
    n = args.examples
    head = (
        (ROOT / "tests/fixtures/execute/plain/mappings/torch/abs.yaml")
        .read_text()
        .split("examples:")[0]
    )
    with tempfile.TemporaryDirectory() as tmp:
        times = {}
        for count in (1, n):
            folder = Path(tmp) / f"n{count}" / "mappings" / "torch"
            folder.mkdir(parents=True)
            body = "".join(
                f"  - id: e{i}\n    title: {{en: T, zh: T}}\n    torch: |\n      >>> 1 + 1\n      2\n"
                for i in range(count)
            )
            (folder / "abs.yaml").write_text(head + "examples:\n" + body)
            runs = [
                ours([str(folder.parent)], 1, Path(tmp) / f"o{count}.json", ["--apimap-preload="])
                for _ in range(args.repeat)
            ]
            times[count] = statistics.median(runs)
        per = (times[n] - times[1]) / (n - 1)
        print(
            f"pytest + plugin + executor: {n} trivial examples {times[n]:.2f} s, 1 example {times[1]:.2f} s "
            f"-> {per * 1000:.1f} ms overhead per example (target < 20 ms)"
        )

    sys.path.insert(0, str(ROOT))
    from apimap.execute.executor import Executor

    req = {
        "display": "x.yaml",
        "first_line": 1,
        "label": "e[torch]",
        "code": ">>> 1 + 1\n2\n",
        "options": [],
        "timeout": 10,
        "names": [],
    }
    with Executor(preload=()) as ex:
        ex.run(req)
        start = time.perf_counter()
        for _ in range(n):
            ex.run(req)
        took = time.perf_counter() - start
    print(f"executor round trip alone: {took / n * 1000:.2f} ms per example")


def probes(args) -> None:
    """Probe calls per second, and the overhead per call beyond the calls themselves (both sides, twice)."""
    files = [
        str(p) for p in sorted((ROOT / "mappings").rglob("*.yaml")) if "\nprobe:" in p.read_text()
    ]
    imp = import_seconds()
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2):
            res = Path(tmp) / f"p{workers}.json"
            took = ours(files, workers, res, ["-k", "probe or edge"])
            items = [i for i in json.loads(res.read_text())["items"] if i["part"] == "probe"]
            own = sum(i["duration"] for i in items)
            start = imp + 0.1 * len(files) / workers  # one import per worker, one fork per file
            per = (took - start - own / workers) / max(1, len(items) / workers)
            print(
                f"{len(items)} probe calls in {len(files)} mappings, {workers} worker(s): {took:.1f} s, "
                f"{len(items) / took:.1f} calls/s; the calls themselves {own:.2f} s; overhead beyond them and "
                f"the start-up ({start:.1f} s) {per * 1000:.1f} ms per call (target < 2 ms)"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--overhead", action="store_true", help="measure per-example overhead instead"
    )
    parser.add_argument(
        "--examples", type=int, default=500, help="synthetic examples for --overhead"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per measurement for --overhead (median)"
    )
    parser.add_argument(
        "--naive-sample", type=int, default=12, help="parts to run the naive way (extrapolated)"
    )
    parser.add_argument("--naive-all", action="store_true", help="run every part the naive way")
    parser.add_argument(
        "--probes", action="store_true", help="probe calls per second and their overhead"
    )
    args = parser.parse_args()
    probes(args) if args.probes else overhead(args) if args.overhead else bench(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
