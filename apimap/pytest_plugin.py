"""pytest plugin: every mapping example part is a test item, run as a doctest in its file's executor.

Registered as a ``pytest11`` entry point, so it loads in every pytest run; importing it is cheap (no
framework, no pydantic) and it collects YAML only when asked:

- files under a folder named ``mappings`` when that folder (or something inside it) is on the command line,
- any YAML reached from the command line with ``--apimap``,
- files under the folders listed in the ``apimap_mappings`` ini option.

Node ids: ``mappings/torch/optim/Adamax.yaml::three-steps[torch]`` / ``[mindspore]`` / ``[compare]``.
Collecting validates the file (``apimap.validate.load_file``) and runs no example code.

Running: each pytest process (each xdist worker) owns one executor server (``apimap.execute.executor``)
that imports the frameworks once and forks one file executor per mapping file; this process decides each
verdict (``apimap.execute.verdict``). A ``[compare]`` item uses the values its two parts left behind in the same
process (``apimap doctest`` distributes with ``--dist loadfile`` so they are there) and runs them itself
otherwise. ``xfail`` is about the example as a whole: a part that fails is reported as xfailed, a part that
passes as passed, and when every part passes the example's last item fails as "xpassed".
"""

from __future__ import annotations

import functools
import os
import re
import time
import warnings
from pathlib import Path

import pytest

from apimap.execute.sandbox import MODES as SANDBOX_MODES
from apimap.results import release_key

PARTS = ("torch", "mindspore")
DEFAULT_MEMORY_MB = 4096  # keep in step with apimap.execute.executor.DEFAULT_MEMORY_MB


def pytest_addoption(parser):
    group = parser.getgroup("apimap", "apimap mapping examples")
    group.addoption(
        "--apimap",
        action="store_true",
        help="collect mapping YAML files from every path given, not only from folders named mappings",
    )
    group.addoption(
        "--apimap-results",
        metavar="FILE",
        default=None,
        help="write the doctest results JSON (site/_build/doctest-results.json format) to FILE",
    )
    group.addoption(
        "--apimap-merge",
        action="store_true",
        help="with --apimap-results: keep the results of files not run now",
    )
    group.addoption(
        "--apimap-memory-mb",
        type=int,
        default=DEFAULT_MEMORY_MB,
        metavar="MB",
        help="address space each executor may use beyond the frameworks' own "
        f"(default {DEFAULT_MEMORY_MB}; 0: no limit)",
    )
    group.addoption(
        "--apimap-sandbox",
        choices=SANDBOX_MODES,
        default=os.environ.get("APIMAP_SANDBOX")
        or ("required" if os.environ.get("CI") else "auto"),
        help="run executors in bubblewrap: required (the default under CI=true), auto (when available; "
        "says so otherwise), off",
    )
    group.addoption(
        "--apimap-preload",
        default=os.environ.get("APIMAP_PRELOAD", "numpy,torch,mindspore"),
        metavar="MODULES",
        help="modules each executor imports once at start (comma-separated; default numpy,torch,mindspore)",
    )
    parser.addini(
        "apimap_mappings",
        type="paths",
        default=[],
        help="folders whose YAML files are mapping files to collect",
    )


def pytest_configure(config):
    path = config.getoption("apimap_results")
    if path and not hasattr(config, "workerinput"):  # the xdist controller (or a plain run) records
        from apimap.execute.record import Recorder

        config.pluginmanager.register(
            Recorder(Path(path), merge=config.getoption("apimap_merge")), "apimap-recorder"
        )


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix not in (".yaml", ".yml") or not _wanted(file_path, parent.config):
        return None
    return MappingFile.from_parent(parent, path=file_path)


def pytest_collection_finish(session):
    """Start the executor now, so the frameworks import while pytest gets ready."""
    if not session.config.option.collectonly and any(
        isinstance(i, ExampleItem) for i in session.items
    ):
        try:
            _state(session.config).executor().start()
        except pytest.fail.Exception:
            pass  # no sandbox where one is required: each example reports it


def pytest_unconfigure(config):
    state = config.stash.get(_STATE, None)
    if state is not None:
        state.close()


# --- which files ----------------------------------------------------------------------------------


def _wanted(path: Path, config) -> bool:
    path = path.resolve()
    if config.getoption("apimap"):
        return True
    for folder in config.getini("apimap_mappings"):
        if path.is_relative_to(Path(folder).resolve()):
            return True
    root = _mappings_folder(path)
    if root is None:
        return False
    return any(arg.is_relative_to(root) for arg in _arg_paths(config))


def _arg_paths(config) -> list[Path]:
    cached = config.stash.get(_ARGS, None)
    if cached is None:
        base = Path(config.invocation_params.dir)
        cached = [(base / a.split("::", 1)[0]).resolve() for a in config.args]
        config.stash[_ARGS] = cached
    return cached


def _mappings_folder(path: Path) -> Path | None:
    for parent in path.parents:
        if parent.name == "mappings":
            return parent
    return None


# --- collection -----------------------------------------------------------------------------------


class MappingFile(pytest.File):
    def collect(self):
        from apimap.problems import ProblemsError
        from apimap.validate import load_file

        config = self.config
        root = _mappings_folder(self.path.resolve())
        if root is None:
            # an ini folder, else no root at all (the file is then named after its torch.api, no path rule)
            root = next(
                (
                    Path(f).resolve()
                    for f in config.getini("apimap_mappings")
                    if self.path.resolve().is_relative_to(Path(f).resolve())
                ),
                self.path / "(no mappings root)",
            )
        display = _display(self.path, config)
        vocab = _vocab(self.path, config)
        try:
            loaded = load_file(self.path, root, vocab, display=display)
        except ProblemsError as exc:
            raise self.CollectError("\n".join(str(p) for p in exc.problems)) from None
        if loaded.mapping.probe is not None:
            from apimap.probe.plan import plan

            calls = plan(loaded.mapping).calls
            for call in calls:
                name = f"edge[{call.edge}]" if call.edge else f"probe[{call.id}]"
                yield ProbeItem.from_parent(
                    self, name=name, loaded=loaded, call=call, vocab=vocab, siblings=calls
                )
        for index, example in enumerate(loaded.mapping.examples):
            parts = [p for p in PARTS if getattr(example, p)] + (
                ["compare"] if example.compare else []
            )
            for part in parts:
                yield ExampleItem.from_parent(
                    self,
                    name=f"{example.id}[{part}]",
                    loaded=loaded,
                    index=index,
                    part=part,
                    last=part == parts[-1],
                )


def _display(path: Path, config) -> str:
    try:
        return path.resolve().relative_to(Path(config.rootpath).resolve()).as_posix()
    except ValueError:
        return str(path)


@functools.cache
def _installed_mindspore() -> str | None:
    """The installed MindSpore's version, from its metadata (the parent process never imports it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mindspore")
    except PackageNotFoundError:
        return None


def _vocab(path: Path, config):
    from apimap.config import load_config
    from apimap.project import Project

    conf = Project.find(path.parent).conf
    cache = config.stash.setdefault(_VOCABS, {})
    if conf not in cache:
        cache[conf] = load_config(conf).vocab
    return cache[conf]


def _names_kernel(message: str, kernel: str) -> bool:
    """Whether a MindSpore error names ``kernel`` as a whole word (``Tril`` is not ``TrilExt``)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(kernel)}(?![A-Za-z0-9_])", message) is not None


class ExampleFailure(Exception):
    """An example part did not pass; ``str()`` is the whole report."""


class _MappingItem(pytest.Item):
    """An item whose failure is its one message (file:line first), without a Python traceback."""

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ExampleFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)


class ExampleItem(_MappingItem):
    def __init__(self, *, loaded, index: int, part: str, last: bool, **kwargs):
        super().__init__(**kwargs)
        self.loaded, self.index, self.part, self.last = loaded, index, part, last
        self.example = loaded.mapping.examples[index]
        self.info = {"file": loaded.rel, "example": self.example.id, "part": part}
        self.user_properties.append(("apimap", self.info))

    @property
    def display(self) -> str:
        return _display(self.loaded.path, self.config)

    def first_line(self, part: str | None = None) -> int:
        part = part or self.part
        loc = ("examples", self.index) + ((part,) if part in PARTS else ("compare",))
        return self.loaded.lines.text_line(loc)

    def runtest(self):
        state = _state(self.config)
        ex = self.example
        expected = self.expected_failure
        if self.part in PARTS:
            result = state.result(self, self.part)
            self.info["duration"] = round(result["duration"], 4)
            failed = result["status"] != "passed"
            if failed and (why := self._expected_stop(result)):
                pytest.xfail(why)
            if not failed:
                self._cluster_honest(state)
            if failed and not expected:
                self.info["status"] = result["status"]  # errored (missing package) or failed
                raise ExampleFailure(self._report(result))
        else:
            failed = self._compare(state)
        if expected:
            reason, key, fix = expected
            if failed:
                pytest.xfail(reason)
            if self.last and not any(
                state.result(self, p)["status"] != "passed" for p in PARTS if getattr(ex, p)
            ):
                self.info["status"] = "xpassed"
                raise ExampleFailure(
                    f"{self.display}:{self.loaded.lines.line(('examples', self.index, key))}: "
                    f"example '{ex.id}' {reason} but every part passed; {fix}"
                )

    def _expected_stop(self, result: dict, part: str | None = None) -> str | None:
        """Why a failed MindSpore part is expected: the mapping ``requires`` a kernel this device lacks, or a
        cluster the suite does not have, and the error says so (any other failure stays a failure)."""
        requires = self.loaded.mapping.requires
        message = result.get("message", "")
        if not requires or (part or self.part) != "mindspore":
            return None
        if requires.cluster:
            cluster = self._cluster()
            if cluster and cluster.stopped(message):
                return f"needs {cluster.needs['en']}; the suite runs one process on CPU"
            return None
        limits = _vocab(self.loaded.path, self.config).device_limits
        if _names_kernel(message, requires.kernel) and any(text in message for text in limits):
            return f"needs the MindSpore kernel {requires.kernel}, which this device lacks"
        return None

    def _cluster(self):
        requires = self.loaded.mapping.requires
        clusters = _vocab(self.loaded.path, self.config).frameworks["mindspore"].clusters
        return clusters.get(requires.cluster) if requires and requires.cluster else None

    def _cluster_honest(self, state) -> None:
        """``requires: {cluster}`` kept honest: at the last example with a MindSpore part, at least one
        example's MindSpore part must have stopped at that cluster's error; else it runs without one now."""
        cluster = self._cluster()
        examples = self.loaded.mapping.examples
        last = max((i for i, ex in enumerate(examples) if ex.mindspore), default=None)
        if cluster is None or self.part != "mindspore" or self.index != last:
            return
        earlier = [i for i in range(last) if examples[i].mindspore]
        if any(
            cluster.stopped(state.result(self, "mindspore", i).get("message", "")) for i in earlier
        ):
            return
        self.info["status"] = "xpassed"
        raise ExampleFailure(
            f"{self.display}:{self.loaded.lines.line(('requires', 'cluster'))}: requires says MindSpore needs "
            f"{cluster.needs['en']}, but every example's MindSpore part ran here without it: remove requires "
            "and check what the page claims"
        )

    @property
    def expected_failure(self) -> tuple[str, str, str] | None:
        """(reason, YAML key, what to do if it passes) when this example is expected to fail here: marked
        ``xfail``, or ``since`` a MindSpore release newer than the installed one."""
        ex = self.example
        if ex.xfail:
            return f"is marked xfail ({ex.xfail.reason})", "xfail", "remove xfail"
        installed = _installed_mindspore()
        if ex.since and installed and release_key(installed) < release_key(ex.since):
            return (
                f"applies since MindSpore {ex.since} (this is {installed})",
                "since",
                f"its behaviour is older: lower since to {installed} or remove it",
            )
        return None

    def _compare(self, state) -> bool:
        """Run the comparison; return True when it failed (raise when there is no xfail to absorb it)."""
        from apimap.execute.compare import CompareError, compare

        ex, spec = self.example, self.example.compare
        results = {p: state.result(self, p) for p in PARTS}
        line = self.loaded.lines.line(("examples", self.index, "compare"))
        where = f"{self.display}:{line}: example '{ex.id}' [compare]"
        bad = [p for p in PARTS if results[p]["status"] != "passed"]
        if "mindspore" in bad and (why := self._expected_stop(results["mindspore"], "mindspore")):
            pytest.xfail(why)
        if bad:
            if self.expected_failure:
                return True
            self.info["status"] = "errored"
            raise ExampleFailure(
                f"{where}: cannot compare, the {' and the '.join(bad)} part did not pass"
            )
        start = time.perf_counter()
        try:
            ok, message = compare(
                spec.names,
                results["torch"]["values"],
                results["mindspore"]["values"],
                spec.rtol,
                spec.atol,
                spec.expect,
            )
        except CompareError as exc:
            if self.expected_failure:
                return True
            self.info["status"] = "errored"
            raise ExampleFailure(f"{where}: {exc}") from None
        self.info["duration"] = round(time.perf_counter() - start, 4)
        if ok:
            return False
        if self.expected_failure:
            return True
        claim = "same results" if spec.expect == "close" else "different results"
        raise ExampleFailure(
            f"{where}: the page claims {claim} for {', '.join(spec.names)} "
            f"({self.loaded.mapping.torch.api} vs {self.loaded.mapping.mindspore.api}):\n"
            + _indent(message)
        )

    def _report(self, result: dict) -> str:
        line = result.get("line") or self.first_line()
        return (
            f"{self.display}:{line}: example '{self.example.id}' [{self.part}]: {result['message']}"
        )

    def reportinfo(self):
        return self.path, self.first_line() - 1, self.name


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


class ProbeItem(_MappingItem):
    """One call of a mapping's probe (``probe[keywords]``, ``probe[row-dim]``, ``edge[empty]``)."""

    def __init__(self, *, loaded, call, vocab, siblings, **kwargs):
        super().__init__(**kwargs)
        self.loaded, self.call, self.vocab = loaded, call, vocab
        self.siblings = siblings  # every call of this probe, run in one request
        self.info = {"file": loaded.rel, "example": call.id, "part": "probe"}
        self.user_properties.append(("apimap", self.info))

    def runtest(self):
        from apimap.probe.judge import outcome
        from apimap.probe.plan import call_since

        probe, vocab = self.loaded.mapping.probe, self.vocab
        raw = _state(self.config).probe_raw(self)
        broken = [
            raw[side]["harness_error"]
            for side in ("torch", "mindspore")
            if "harness_error" in raw.get(side, {})
        ]
        if broken:  # the probe as written cannot be set up: a mistake in the YAML, not an outcome
            self.info["status"] = "errored"
            self._fail(self.loaded.lines.line(("probe", "state")), broken[0])
        floor = vocab.edge_tolerance.get(self.call.edge, (0.0, 0.0))
        rtol, atol = max(probe.rtol, floor[0]), max(probe.atol, floor[1])
        result = outcome(raw, rtol, atol, vocab.device_limits, vocab.type_limits)
        self.info["outcome"], self.info["detail"] = result.outcome, result.detail[:500]
        self.info["torch_result"] = result.torch_text[:200]
        self.info["mindspore_result"] = result.mindspore_text[:200]
        self.info["duration"] = round(raw.get("seconds", 0.0), 4)
        if result.outcome == "lost":
            self.info["status"] = "errored"
            self._judge(result)  # an executor that died is never an expected failure
            return
        self._kernel(result, raw)
        since, since_key = call_since(self.loaded.mapping, self.call.id)
        installed = _installed_mindspore()
        if not (since and installed and release_key(installed) < release_key(since)):
            self._judge(result)
            return
        # `since`: the page's claim holds from that release on; on this older one the call must contradict it
        try:
            self._judge(result)
        except ExampleFailure as exc:
            pytest.xfail(f"applies since MindSpore {since} (this is {installed}): {exc}")
        self.info["status"] = "xpassed"
        self._fail(
            self.loaded.lines.line(since_key),
            f"applies since MindSpore {since} (this is {installed}) but it holds here too; lower since to "
            f"{installed} or remove it",
        )

    def _kernel(self, result, raw):
        """``requires: {kernel}`` kept honest. A call that is not an edge case and finds no MindSpore kernel
        needs that declaration (the page then says it is not verifiable here); with it, the first call running
        on MindSpore means the kernel exists now. Edge cases may lack a kernel (float16, bool) either way."""
        requires = self.loaded.mapping.requires
        if requires and requires.kernel is None:
            requires = None  # a cluster: shown by examples, not by probe calls
        if self.call.edge is not None:
            return
        if result.outcome == "no_kernel":
            if requires is None:
                self.info["status"] = "failed"
                self._fail(
                    self.loaded.lines.line(("mindspore", "api")),
                    f"MindSpore has no kernel for this call on this device ({result.detail}); declare "
                    "`requires: {kernel: <the operator the error names>}` so the page says it is not "
                    "verifiable here",
                )
            if not _names_kernel(result.detail, requires.kernel):
                self._fail(
                    self.loaded.lines.line(("requires", "kernel")),
                    f"requires names the kernel '{requires.kernel}', but MindSpore lacks another one: "
                    f"{result.detail}",
                )
            return
        if requires and self.call is self.siblings[0] and "error" not in raw.get("mindspore", {}):
            self._fail(
                self.loaded.lines.line(("requires", "kernel")),
                f"requires says MindSpore has no '{requires.kernel}' kernel here, but this call ran on "
                "MindSpore: the kernel exists now; remove requires and check what the page claims",
            )

    def _judge(self, result):
        """Raise ``ExampleFailure`` when ``result`` contradicts what the page claims for this call."""
        vocab = self.vocab
        if not result.matches(self.call.expect, self.call.torch_may_raise):
            claim = self.call.why or f"the probe expects '{self.call.expect}'"
            line = self.loaded.lines.line(("probe", "expect", self.call.id))
            self._fail(line, f"{claim}, but {result.outcome.replace('_', ' ')}: {result.detail}")
        rule = vocab.edge_rule(self.call.edge, result.outcome) if self.call.edge else None
        category = self.loaded.mapping.category
        if rule and vocab.categories[rule.implies].priority > vocab.categories[category].priority:
            self._fail(
                self.loaded.lines.line(("category",)),
                f"{rule.why['en']} ({result.outcome.replace('_', ' ')}: {result.detail}); by "
                f"conf/categories.yaml edge_rules[{rule.index}] the category is at least "
                f"'{rule.implies}', not '{category}' (say so in the category and a params row)",
            )

    def _fail(self, line: int | None, message: str):
        line = line or self.loaded.lines.line(("probe",))
        raise ExampleFailure(
            f"{_display(self.loaded.path, self.config)}:{line}: {self.name}: {message}\n"
            f"    torch:     {self.call.torch.source()}\n"
            f"    mindspore: {self.call.mindspore.source()}"
            + (
                f"\n    (inputs changed for the edge case '{self.call.edge}')"
                if self.call.edge
                else ""
            )
        )

    def reportinfo(self):
        return self.path, self.loaded.lines.line(("probe",)) - 1, self.name


# --- per-process state: one executor, and the results of parts already run -----------------------


class _State:
    def __init__(self, config):
        self.config = config
        self._executor = None
        self.results: dict[tuple[str, int, str], dict] = {}
        self.probe_results: dict[
            tuple[str, str], dict
        ] = {}  # (file, call id) -> raw results, until used

    def executor(self):
        if self._executor is None:
            from apimap.execute.executor import Executor
            from apimap.execute.sandbox import SandboxUnavailable, bwrap_problem

            preload = [
                m.strip() for m in self.config.getoption("apimap_preload").split(",") if m.strip()
            ]
            mode = self.config.getoption("apimap_sandbox")
            try:
                self._executor = Executor(
                    memory_mb=self.config.getoption("apimap_memory_mb"),
                    preload=preload,
                    sandbox=mode,
                )
            except SandboxUnavailable as exc:  # every example fails with this one line
                pytest.fail(f"apimap: {exc}; or run with --apimap-sandbox=auto", pytrace=False)
            if mode == "auto" and not self._executor.sandboxed:
                warnings.warn(
                    f"apimap: no sandbox ({bwrap_problem()}); examples run unconfined", stacklevel=1
                )
        return self._executor

    def result(self, item: ExampleItem, part: str, index: int | None = None) -> dict:
        """The result of one part of ``item``'s example (or of its file's example ``index``), run now unless
        this process already ran it (compare needs both parts)."""
        index = item.index if index is None else index
        key = (str(item.loaded.path), index, part)
        if key not in self.results:
            ex = item.loaded.mapping.examples[index]
            request = {
                "file": str(item.loaded.path),
                "display": item.display,
                "first_line": item.loaded.lines.text_line(("examples", index, part)),
                "label": f"{ex.id}[{part}]",
                "code": getattr(ex, part),
                "options": list(ex.options),
                "timeout": ex.timeout,
                "names": list(ex.compare.names) if ex.compare else [],
            }
            self.results[key] = self.executor().run(request)
            item.info.setdefault("versions", self.executor().versions)
        return self.results[key]

    def probe_raw(self, item: ProbeItem) -> dict:
        """The raw results of one probe call. The first call of a file runs every call of its probe in one
        executor request; if that request is lost (a call crashed or hung the executor), each call runs alone,
        so that only the guilty one is lost."""
        from apimap.probe.plan import wire

        path = str(item.loaded.path)
        key = (path, item.call.id)
        if key not in self.probe_results:
            probe, calls = item.loaded.mapping.probe, item.siblings
            request = {"file": path, "timeout": probe.timeout}
            results = self.executor().calls({**request, "calls": [wire(c) for c in calls]})
            if any("lost" in r for r in results):
                results = [self.executor().call({**request, "call": wire(item.call)})]
                calls = [item.call]
            for call, raw in zip(calls, results, strict=True):
                self.probe_results.setdefault((path, call.id), raw)
        item.info.setdefault("versions", self.executor().versions)
        return self.probe_results.pop(key)

    def close(self):
        if self._executor is not None:
            self._executor.close()


_STATE = pytest.StashKey[_State]()
_ARGS = pytest.StashKey[list]()
_VOCABS = pytest.StashKey[dict]()


def _state(config) -> _State:
    if _STATE not in config.stash:
        config.stash[_STATE] = _State(config)
    return config.stash[_STATE]
