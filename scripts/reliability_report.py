#!/usr/bin/env python3
"""Reliability and safety figures (issue 8), from running the checks that prove them.

    python scripts/reliability_report.py          # needs the test extras; the limits part needs torch + mindspore

Prints: malformed inputs tried and rejected cleanly (exact one-line errors, exit 1, no traceback, time, memory),
hypothesis examples run against the loader, hostile pages checked in chromium, execution limits proven.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BAD = REPO / "tests" / "bad_inputs"


def pytest(*args: str) -> tuple[dict, str]:
    """Run pytest; return {passed, failed, skipped, errors} and its output."""
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "junit.xml"
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--junitxml={xml}",
                *args,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        suite = ET.parse(xml).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        total, failures, errors, skipped = (
            int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")
        )
    return {
        "passed": total - failures - errors - skipped,
        "failed": failures,
        "errors": errors,
        "skipped": skipped,
    }, run.stdout + run.stderr


def bad_inputs() -> str:
    files = sorted(BAD.rglob("*.yaml"))
    expected = (BAD / "expected.txt").read_text(encoding="utf-8").splitlines()
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "apimap", "validate", "cases", "mappings"],
        cwd=BAD,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = [line for line in run.stderr.splitlines() if not line.startswith("apimap validate:")]
    named = {line.split(":", 1)[0] for line in lines}
    clean = run.returncode == 1 and "Traceback" not in run.stderr and lines == expected
    # Widget.yaml is the valid twin of the duplicate-pair case: every other file must be named by an error
    rejected = sum(1 for f in files if f.relative_to(BAD).as_posix() in named)
    return (
        f"malformed inputs: {rejected} of {len(files) - 1} files rejected, {len(lines)} one-line errors, "
        f"{'exactly as expected' if clean else 'NOT as expected'}, exit {run.returncode}, no traceback: "
        f"{'Traceback' not in run.stderr}; {took:.2f} s for all, peak RSS {peak:.0f} MiB"
    )


def main() -> int:
    ok = True
    print("apimap reliability report\n")
    line = bad_inputs()
    ok &= "exactly as expected" in line
    print("-", line)

    counts, _ = pytest("tests/test_bad_inputs.py")
    ok &= counts["failed"] == counts["errors"] == 0
    print(
        f"- per-file checks (< 1 s, < 50 MiB, exact error; plus a 20 MB file): "
        f"{counts['passed']} passed, {counts['failed']} failed"
    )

    counts, out = pytest("tests/test_property.py", "--hypothesis-show-statistics")
    examples = sum(int(n) for n in re.findall(r"(\d+) passing(?: examples)?,", out))
    ok &= counts["failed"] == counts["errors"] == 0
    print(
        f"- hypothesis: {examples} generated documents, mutations and byte strings loaded; "
        f"{counts['passed']} properties held, {counts['failed']} failed"
    )

    counts, _ = pytest("tests/browser/test_hostile_content.py")
    ok &= counts["failed"] == counts["errors"] == 0 and counts["skipped"] == 0
    print(
        f"- hostile pages: {counts['passed']} checks in chromium and in the HTML ({counts['skipped']} skipped), "
        f"{counts['failed']} failed: no script ran, no event handler or iframe reached the page"
    )

    counts, _ = pytest("tests/test_build_atomic.py")
    ok &= counts["failed"] == counts["errors"] == 0
    print(
        f"- atomic builds (failed build, SIGTERM mid-build): {counts['passed']} passed, {counts['failed']} failed"
    )

    counts, _ = pytest("tests/test_execute_plugin.py")
    ok &= counts["failed"] == counts["errors"] == 0
    print(
        f"- execution limits (wrong output, soft and hard timeout, segfault, missing package, memory cap, clean env, "
        f"fresh namespace, no stray process): {counts['passed']} tests passed, {counts['failed']} failed"
    )
    print("\nall proven" if ok else "\nSOMETHING FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
