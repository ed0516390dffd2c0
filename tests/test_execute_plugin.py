"""The pytest plugin on plain-Python fixtures (no frameworks needed): collection, failures, isolation, records."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "execute"
FAST = [
    "-p",
    "no:cacheprovider",
    "--apimap-preload=",
    "--apimap-memory-mb=512",
]  # no framework import: plain Python


@pytest.fixture
def plain(pytester) -> Path:
    shutil.copytree(FIXTURES / "plain" / "mappings", pytester.path / "ex" / "mappings")
    return pytester.path / "ex" / "mappings"


def test_yaml_is_collected_only_when_asked(pytester, plain):
    (pytester.path / "tests").mkdir()
    shutil.copy(plain / "torch" / "abs.yaml", pytester.path / "tests" / "abs.yaml")
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = pytester.runpytest_subprocess("--collect-only", "-q", *FAST, "tests", "test_one.py")
    # a YAML outside a mappings folder given on the command line
    assert "abs.yaml" not in result.stdout.str()
    result = pytester.runpytest_subprocess("--collect-only", "-q", *FAST, "ex/mappings")
    ids = [line for line in result.stdout.lines if "::" in line]
    assert "ex/mappings/torch/abs.yaml::passes[torch]" in ids
    assert "ex/mappings/torch/abs.yaml::passes[mindspore]" in ids
    # collected, not run: the segfault is harmless
    assert "ex/mappings/torch/abs.yaml::segfault[torch]" in ids
    assert len(ids) == 13
    result = pytester.runpytest_subprocess("--collect-only", "-q", *FAST, "--apimap", "tests")
    assert "tests/abs.yaml::passes[torch]" in result.stdout.str()


def test_invalid_file_is_a_one_line_collection_error(pytester):
    shutil.copytree(FIXTURES / "invalid" / "mappings", pytester.path / "mappings")
    result = pytester.runpytest_subprocess(*FAST, "mappings")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        [
            "mappings/torch/abs.yaml:18: examples[0].torhc: unknown key 'torhc'; did you mean 'torch'?"
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_each_broken_example_fails_alone_with_a_clear_message(pytester, plain):
    out = pytester.path / "results.json"
    result = pytester.runpytest_subprocess(*FAST, "--apimap-results", str(out), "ex/mappings")
    result.assert_outcomes(passed=5, failed=7, xfailed=1)
    text = result.stdout.str()
    y = "ex/mappings/torch/abs.yaml"
    for expected in [
        f"{y}:33: example 'wrong-output' [torch]: output differs",
        f"{y}:40: example 'soft-timeout' [torch]: timed out after 1 s",
        f"{y}:48: example 'hard-timeout' [torch]: timed out after 1 s (the statement did not return; the executor was killed)",
        f"{y}:53: example 'segfault' [torch]: crashed the executor with SIGSEGV (segmentation fault)",
        f"{y}:62: example 'missing-package' [torch]: missing package 'apimap_no_such_package'",
        f"{y}:68: example 'memory-hog' [torch]: ran out of memory",
        f"{y}:78: example 'not-a-bug' is marked xfail (fixture: claimed to fail) but every part passed; remove xfail",
    ]:
        assert expected in text, expected
    assert "Expected:\n    7\nGot:\n    6" in text
    status = {(i["example"], i["part"]): i["status"] for i in json.loads(out.read_text())["items"]}
    assert status == {
        ("passes", "torch"): "passed",
        ("passes", "mindspore"): "passed",
        ("wrong-output", "torch"): "failed",
        ("soft-timeout", "torch"): "failed",
        ("hard-timeout", "torch"): "failed",
        ("segfault", "torch"): "failed",
        ("after-crash", "torch"): "passed",
        ("missing-package", "torch"): "errored",
        ("memory-hog", "torch"): "failed",
        ("known-bug", "torch"): "xfailed",
        ("not-a-bug", "torch"): "xpassed",
        ("options", "torch"): "passed",
        ("options", "mindspore"): "passed",
    }
    data = json.loads(out.read_text())
    assert data["items"][0]["file"] == "torch/abs.yaml" and set(data) >= {
        "created",
        "platform",
        "versions",
        "items",
    }


def test_xdist_workers_each_own_an_executor(pytester, plain):
    out = pytester.path / "results.json"
    result = pytester.runpytest_subprocess(
        *FAST,
        "-n",
        "2",
        "--apimap-results",
        str(out),
        "-k",
        "passes or segfault or after-crash or options",
        "ex/mappings",
    )
    result.assert_outcomes(passed=5, failed=1)
    assert {i["status"] for i in json.loads(out.read_text())["items"]} == {"passed", "failed"}


def test_executor_isolation_env_and_cleanup(monkeypatch):
    from apimap.execute.executor import Executor

    monkeypatch.setenv("APIMAP_TEST_SECRET", "hunter2")
    req = dict(display="x.yaml", first_line=1, label="a[torch]", options=[], timeout=5, names=[])
    # unsandboxed: the process-group cleanup on its own (tests/test_sandbox.py covers the sandboxed executor,
    # whose PIDs are those of its own namespace)
    with Executor(memory_mb=0, preload=(), sandbox="off") as ex:
        r = ex.run(
            {
                **req,
                "code": ">>> import os\n>>> 'APIMAP_TEST_SECRET' in os.environ\nFalse\n>>> leaked = 1\n",
            }
        )
        assert r["status"] == "passed", r["message"]  # a minimal environment: no inherited secrets
        r = ex.run({**req, "code": ">>> leaked\n"})
        assert r["status"] == "failed" and "NameError" in r["message"]  # a fresh namespace per part
        r = ex.run({**req, "code": ">>> import random\n>>> random.random()\n0.8444218515250481\n"})
        assert r["status"] == "passed", r["message"]  # seeded
        r = ex.run(
            {
                **req,
                "code": ">>> import os, subprocess\n>>> print(os.getpid(), subprocess.Popen(['sleep', '60']).pid)\n",
            }
        )
        pids = [int(p) for p in r["message"].split("Got:")[1].split()]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_running(p) for p in pids):
        time.sleep(0.1)
    assert not any(_running(p) for p in pids)  # the executor and what its examples started are gone


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return not any(line.startswith("State:") and "Z" in line for line in f)
    except FileNotFoundError:
        return False


def test_a_part_whose_worker_died_is_errored_not_passed(pytester, plain):
    """Unsandboxed, an example can kill the pytest worker that runs it (a worker can also die of the
    kernel's OOM killer): xdist replaces the worker, and that part is recorded errored."""
    (plain / "torch" / "abs.yaml").write_text(
        (plain / "torch" / "abs.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "  - id: known-bug\n",
            "  - id: kills-its-worker\n"
            "    title: {en: Kills its worker, zh: 杀死其工作进程}\n"
            "    torch: |\n"
            "      >>> import os, signal\n"
            "      >>> server = os.getppid()\n"
            "      >>> worker = int(open(f'/proc/{server}/stat').read().rsplit(')', 1)[1].split()[1])\n"
            "      >>> os.kill(worker, signal.SIGKILL)\n"
            "  - id: known-bug\n",
        ),
        encoding="utf-8",
    )
    out = pytester.path / "results.json"
    result = pytester.runpytest_subprocess(
        *FAST,
        "--apimap-sandbox=off",
        "-n",
        "2",
        "--apimap-results",
        str(out),
        "-k",
        "kills or passes",
        "ex/mappings",
    )
    status = {(i["example"], i["part"]): i for i in json.loads(out.read_text())["items"]}
    killed = status[("kills-its-worker", "torch")]
    assert killed["status"] == "errored", killed
    assert "crashed" in killed["message"] or "did not finish" in killed["message"], killed
    assert status[("passes", "torch")]["status"] == "passed"
    assert result.ret == 1


_SINCE = """\
torch:
  api: torch.abs
  kind: function
  version: "2.13.0"
  signature: "torch.abs(input, *, out=None) -> Tensor"
mindspore:
  api: mindspore.ops.abs
  kind: function
  version: "2.10.0"
  signature: "mindspore.ops.abs(input)"
category: consistent
summary: {en: Absolute value., zh: 绝对值。}
params:
  - {torch: input, mindspore: input, relation: same}
  - {torch: out, relation: general}
examples:
  - id: newer-behaviour
    since: "99.0"
    title: {en: A behaviour of a future release, zh: 未来版本的行为}
    torch: |
      >>> print(1 + 1)
      3
  - id: already-here
    since: "99.0"
    title: {en: Claimed new yet already here, zh: 声称是新行为但这里已如此}
    torch: |
      >>> print(1 + 1)
      2
  - id: old-enough
    since: "2.7.0"
    title: {en: Since an old release, zh: 自旧版本起}
    torch: |
      >>> print(1 + 1)
      2
"""


def test_an_example_since_a_newer_release_must_fail_here(pytester):
    """``since``: the installed MindSpore is older, so the example must fail (xfailed); passing is an error."""
    (pytester.path / "ex" / "mappings" / "torch").mkdir(parents=True)
    (pytester.path / "ex" / "mappings" / "torch" / "abs.yaml").write_text(_SINCE, encoding="utf-8")
    result = pytester.runpytest_subprocess(*FAST, "ex/mappings")
    result.assert_outcomes(passed=1, failed=1, xfailed=1)
    assert (
        "ex/mappings/torch/abs.yaml:24: example 'already-here' applies since MindSpore 99.0 (this is "
        in result.stdout.str()
    )
    assert "but every part passed; its behaviour is older: lower since to" in result.stdout.str()
