"""Examples are untrusted code: inside the sandbox an attack class fails, and its effects are checked from
outside (files, connections, processes, results). One example per attack class."""

from __future__ import annotations

import json
import os
import socket
import textwrap
import threading
import time
from pathlib import Path

import pytest

from apimap.execute.sandbox import bwrap_problem

pytest_plugins = ["pytester"]
FAST = [
    "-p",
    "no:cacheprovider",
    "--apimap-preload=",
    "--apimap-memory-mb=512",
    "--apimap-sandbox=required",
]
SECRET = "apimap-test-secret-4f1c9e"

HEADER = """\
torch:
  api: torch.abs
  kind: function
  version: "2.13.0"
  signature: "torch.abs(input, *, out=None) -> Tensor"
category: missing
summary: {en: Hostile examples., zh: 恶意示例。}
params:
  - {torch: input, relation: torch_only, note: {en: n, zh: n}}
  - {torch: out, relation: general}
examples:
"""


def example(eid: str, code: str, timeout: int = 30) -> str:
    body = textwrap.indent(textwrap.dedent(code).strip() + "\n", "      ")
    return f"  - id: {eid}\n    title: {{en: {eid}, zh: {eid}}}\n    timeout: {timeout}\n    torch: |\n{body}"


@pytest.fixture(scope="module", autouse=True)
def _bwrap():
    problem = bwrap_problem()
    if problem:
        pytest.fail(f"the sandbox is required here: {problem}", pytrace=False)


def run(pytester, *examples: str, env: dict | None = None):
    mappings = pytester.path / "mappings" / "torch"
    mappings.mkdir(parents=True, exist_ok=True)
    (mappings / "abs.yaml").write_text(HEADER + "".join(examples), encoding="utf-8")
    out = pytester.path / "results.json"
    for key, value in (env or {}).items():
        pytester._monkeypatch.setenv(key, value)
    result = pytester.runpytest_subprocess(*FAST, f"--apimap-results={out}", "mappings")
    items = json.loads(out.read_text(encoding="utf-8"))["items"]
    return result, {i["example"]: i for i in items}, out.read_text(encoding="utf-8")


def test_writes_outside_the_executor_folder_fail(pytester, tmp_path):
    target = tmp_path / "victim"
    target.mkdir()
    (target / "keep.yaml").write_text("original\n")
    code = f"""
    >>> import os, pathlib
    >>> for path in ({str(target / "new.txt")!r}, {str(target / "keep.yaml")!r}, '/etc/apimap-pwned',
    ...              os.path.expanduser('~/.apimap-pwned'), '/tmp/apimap-pwned'):
    ...     try:
    ...         _ = pathlib.Path(path).write_text('pwned')  # refused, or into a private tmpfs
    ...     except OSError as exc:
    ...         pass
    >>> print('done')
    done
    """
    _, items, _ = run(pytester, example("writes", code))
    assert items["writes"]["status"] == "passed"
    assert sorted(p.name for p in target.iterdir()) == ["keep.yaml"]
    assert (target / "keep.yaml").read_text() == "original\n"
    assert not Path("/etc/apimap-pwned").exists() and not Path("/tmp/apimap-pwned").exists()
    assert not Path(os.path.expanduser("~/.apimap-pwned")).exists()


def test_no_connection_reaches_a_listener_on_the_host(pytester):
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(1)
    tcp.settimeout(0.2)
    port = tcp.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    udp.settimeout(0.2)
    received = []
    done = threading.Event()

    def listen():
        while not done.is_set():
            for take in (tcp.accept, lambda: udp.recvfrom(64)):
                try:
                    received.append(take())
                except (TimeoutError, OSError):
                    pass

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    code = f"""
    >>> import socket
    >>> u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    >>> try:
    ...     u.sendto(b'x', ('127.0.0.1', {port}))
    ... except OSError:
    ...     pass
    >>> s = socket.create_connection(('127.0.0.1', {port}), timeout=3)
    >>> print('connected')
    connected
    """
    _, items, _ = run(pytester, example("network", code))
    time.sleep(0.5)
    done.set()
    thread.join()
    tcp.close()
    udp.close()
    assert items["network"]["status"] == "failed" and received == []


def test_no_secret_is_readable(pytester, tmp_path):
    """The attack: walk up the parent processes, read their environment for tokens and their HOME's ssh key."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text(SECRET)
    code = r"""
    >>> import os, pathlib, re
    >>> found, pid = [], os.getppid()
    >>> while pid > 1:
    ...     try:
    ...         env = pathlib.Path(f'/proc/{pid}/environ').read_bytes()
    ...         found += [v for v in env.split(b'\0') if b'TOKEN' in v]
    ...         home = re.search(rb'(?:^|\0)HOME=([^\0]*)', env)
    ...         if home:
    ...             found.append(pathlib.Path(home.group(1).decode(), '.ssh', 'id_rsa').read_bytes())
    ...         status = pathlib.Path(f'/proc/{pid}/status').read_text()
    ...         pid = int(re.search(r'PPid:\s+(\d+)', status).group(1))
    ...     except (OSError, AttributeError):
    ...         break
    >>> raise RuntimeError(b' '.join(found))
    """
    _, items, text = run(
        pytester, example("secrets", code), env={"HOME": str(home), "APIMAP_TOKEN": SECRET}
    )
    assert items["secrets"]["status"] == "failed"
    assert SECRET not in text


def test_no_process_survives_the_run(pytester):
    """A double-forked daemon (its own session, then exec) must not outlive the executor."""
    before = _executor_cgroups()
    _, items, _ = run(pytester, example("daemon", daemon("31.4159")))
    assert items["daemon"]["status"] == "passed"
    time.sleep(1)
    # the group is removed with its executor (another run on this machine may hold live groups of its own:
    # a left-over group is one that appeared and has no process in it)
    left = [c for c in _executor_cgroups() - before if not (c / "cgroup.procs").read_text().strip()]
    assert left == []
    assert [
        pid
        for pid in os.listdir("/proc")
        if pid.isdigit() and _cmdline(pid) == "sleep\x0031.4159\x00"
    ] == []


def daemon(seconds: str) -> str:
    """An example that leaves a double-forked daemon (its own session, then exec) sleeping ``seconds``."""
    return f"""
    >>> import os
    >>> if os.fork() == 0:
    ...     os.setsid()
    ...     if os.fork() == 0:
    ...         os.execvp('sleep', ['sleep', '{seconds}'])
    ...     os._exit(0)
    >>> print('forked')
    forked
    """


def _executor_cgroups() -> set[Path]:
    return {
        Path(root) / p
        for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids")
        if os.path.isdir(root)
        for p in os.listdir(root)
        if p.startswith("apimap-executor-")
    }


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def test_required_sandbox_fails_when_bubblewrap_is_missing(pytester, monkeypatch):
    """--apimap-sandbox=required (the CI default) fails in one line instead of running unconfined."""
    empty = pytester.path / "nobin"
    empty.mkdir()
    (pytester.path / "mappings" / "torch").mkdir(parents=True)
    (pytester.path / "mappings" / "torch" / "abs.yaml").write_text(
        HEADER + example("ok", ">>> 1\n1\n"), encoding="utf-8"
    )
    monkeypatch.setenv("PATH", f"{empty}{os.pathsep}/usr/local/bin")
    result = pytester.runpytest_subprocess(*FAST, "mappings")
    assert result.ret != 0
    assert any("sandbox required" in line for line in result.outlines + result.errlines)


def test_the_process_count_is_bounded_for_the_whole_group(pytester):
    """As root, ``ulimit -u`` binds nobody: the sandbox's cgroup (or the user namespace's RLIMIT_NPROC) does."""
    code = """
    >>> import os, time
    >>> children = 0
    >>> for _ in range(800):
    ...     try:
    ...         pid = os.fork()
    ...     except OSError:
    ...         break
    ...     if pid == 0:
    ...         time.sleep(20)
    ...         os._exit(0)
    ...     children += 1
    >>> print(children)
    800
    """
    _, items, _ = run(pytester, example("forks", code, timeout=60))
    assert items["forks"]["status"] == "failed", items["forks"]
    assert "Got:" in items["forks"]["message"]  # it stopped short of 800 children


def test_group_limits_make_and_remove_a_cgroup():
    from apimap.execute.sandbox import PIDS_MAX, GroupLimits

    limits = GroupLimits.create(256 * 2**20)
    if limits is None:  # no writable cgroup here: the RLIMIT fallback applies (covered above)
        return
    try:
        files = {
            f.name: f.read_text().strip()
            for d in limits.dirs
            for f in d.iterdir()
            if f.name in ("memory.max", "memory.limit_in_bytes", "pids.max")
        }
        assert files.get("pids.max") == str(PIDS_MAX)
        assert str(256 * 2**20) in (files.get("memory.max"), files.get("memory.limit_in_bytes"))
    finally:
        limits.close()
    assert not any(d.exists() for d in limits.dirs)


def test_what_the_executor_reads_is_bound_into_the_allowlisted_view():
    """Only system folders are visible; the interpreter, the venv (CI's checkout may live under /tmp, a venv
    under the home) and the apimap package are bound in, outermost paths only (the first fresh-clone rehearsal
    failed with "bwrap: execvp .../python: No such file")."""
    from apimap.execute.sandbox import bound_back

    visible = [Path("/usr"), Path("/etc")]
    needed = [
        Path("/tmp/ci/checkout/apimap"),
        Path("/tmp/ci/checkout/.tox/test"),
        Path("/tmp/ci/checkout/.tox/test/bin"),
        Path("/root/.pyenv/versions/3.11.7"),
        Path("/usr/lib/python3"),
    ]
    assert bound_back(visible, needed) == [
        Path("/root/.pyenv/versions/3.11.7"),
        Path("/tmp/ci/checkout/.tox/test"),
        Path("/tmp/ci/checkout/apimap"),
    ]


def test_the_view_holds_no_checkout_no_sockets_no_system_secrets(pytester, tmp_path):
    """The checkout's .git (a CI token lives in .git/config), /run's sockets (docker's is root on the host),
    /etc/shadow and host keys, other users' homes and /work-like trees are not in the view; the writable folder
    is a bounded tmpfs, so an example cannot fill the host's disk."""
    repo = Path(__file__).resolve().parents[1]
    probe = f"""
    >>> import os
    >>> paths = [{str(repo / ".git")!r}, {str(repo / "mappings")!r}, '/run', '/home', '/var/lib', '/opt', '/mnt']
    >>> [p for p in paths if os.path.exists(p) and (not os.path.isdir(p) or os.listdir(p))]
    []
    >>> def readable(path):
    ...     try:
    ...         return bool(open(path).read())
    ...     except OSError:
    ...         return False
    >>> [p for p in ('/etc/shadow', '/etc/gshadow') if readable(p)]
    []
    >>> os.listdir('/etc/ssh') if os.path.isdir('/etc/ssh') else []
    []
    >>> written = 0
    >>> try:
    ...     with open('fill', 'wb') as f:
    ...         for _ in range(2048):
    ...             written += f.write(b'x' * 2**20)
    ...             f.flush()
    ... except OSError:
    ...     pass
    >>> written <= 1024 * 2**20
    True
    """
    _, items, _ = run(pytester, example("view", probe, timeout=60))
    assert items["view"]["status"] == "passed", items["view"]["message"]


def run_files(pytester, files: dict[str, list[str]], *args: str):
    """Each {torch api name: examples} as its own mapping file, run in name order by one executor."""
    mappings = pytester.path / "mappings" / "torch"
    mappings.mkdir(parents=True, exist_ok=True)
    for name, examples in files.items():
        text = HEADER.replace("torch.abs", f"torch.{name}") + "".join(examples)
        (mappings / f"{name}.yaml").write_text(text, encoding="utf-8")
    out = pytester.path / "results.json"
    result = pytester.runpytest_subprocess(*FAST, f"--apimap-results={out}", *args, "mappings")
    items = json.loads(out.read_text(encoding="utf-8"))["items"]
    return result, {i["example"]: i for i in items}, out.read_text(encoding="utf-8")


def test_an_example_cannot_forge_another_files_verdict(pytester):
    """File A patches the checker and the runner, leaves a thread printing, and writes forged replies into
    every pipe and socket it can open; file B's honest but wrong example must still fail."""
    attack = r"""
    >>> import builtins, glob, json, os, sys, threading, time
    >>> import apimap.execute.checker as checker, apimap.execute.runpart as runpart
    >>> checker.Checker.check_output = lambda *args: True
    >>> runpart.PartSession.run = lambda self, source, filename: {'out': '3\n', 'out_size': 2, 'exc': None, 'seconds': 0}
    >>> builtins.print = lambda *args, **kw: sys.__stdout__.write('3\n')
    >>> def chatter():
    ...     while True:
    ...         sys.__stdout__.write('3\n')
    ...         time.sleep(0.01)
    >>> threading.Thread(target=chatter, daemon=True).start()
    >>> forged = json.dumps({'event': 'ran', 'out': '3\n', 'out_size': 2, 'exc': None, 'seconds': 0})
    >>> for fd in glob.glob('/proc/*/fd/*'):
    ...     for line in ('F' + forged + '\n', 'S{"event": "lost", "exit": 0}\n', forged + '\n'):
    ...         try:
    ...             with open(fd, 'w') as f:
    ...                 _ = f.write(line)
    ...         except OSError:
    ...             pass
    """
    victim = """
    >>> print(1 + 1)
    3
    """
    _, items, _ = run_files(
        pytester, {"abs": [example("attack", attack)], "neg": [example("victim", victim)]}
    )
    assert items["victim"]["status"] == "failed", items["victim"]
    assert "Expected:\n    3\nGot:\n    2" in items["victim"]["message"]


def test_a_daemon_does_not_outlive_its_file(pytester):
    """The next file's executor sees no process that the previous file's example started."""
    look = """
    >>> import os, time
    >>> time.sleep(0.5)
    >>> def cmdline(pid):
    ...     try:
    ...         return open(f'/proc/{pid}/cmdline', 'rb').read()
    ...     except OSError:
    ...         return b''
    >>> [p for p in os.listdir('/proc') if p.isdigit() and b'27.1828' in cmdline(p)]
    []
    """
    _, items, _ = run_files(
        pytester, {"abs": [example("daemon", daemon("27.1828"))], "neg": [example("look", look)]}
    )
    assert items["daemon"]["status"] == "passed", items["daemon"]
    assert items["look"]["status"] == "passed", items["look"]


def test_stopping_or_killing_every_visible_process_ends_in_a_failed_part(pytester):
    """SIGSTOP, then SIGKILL, to every process the example can see: the pytest process is not among them, so
    the run goes on (unsandboxed, it hung), and the next file runs in a new executor."""
    stop_all = """
    >>> import os, signal
    >>> for sig in (signal.SIGSTOP, signal.SIGKILL):
    ...     for pid in [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]:
    ...         try:
    ...             os.kill(pid, sig)
    ...         except OSError:
    ...             pass
    ...     if sig == signal.SIGSTOP:
    ...         print('stopped')
    stopped
    """
    _, items, _ = run_files(
        pytester,
        {"abs": [example("stop-all", stop_all, timeout=2)], "neg": [example("next", ">>> 1\n1\n")]},
    )
    assert items["stop-all"]["status"] in (
        "passed",
        "failed",
    )  # it may have stopped its own executor
    assert items["next"]["status"] == "passed", items["next"]


def test_a_flood_of_output_is_read_in_linear_time_and_cut(pytester):
    """200 MB printed by a statement (and 200 MB written to the C-level stdout) fails as "output differs"
    within seconds, with a message of a few kilobytes: not a false timeout, and no flood in the CI log."""
    flood = """
    >>> import os
    >>> _ = os.write(1, b'y' * 200_000_000)
    >>> print('x' * 200_000_000)
    x
    """
    result, items, text = run_files(pytester, {"abs": [example("flood", flood, timeout=60)]})
    item = items["flood"]
    assert item["status"] == "failed" and "output differs" in item["message"], item
    assert "(199998001 more characters not shown)" in result.stdout.str()
    assert len(item["message"]) < 10_000
    assert item["duration"] < 20
    assert len(text) < 50_000 and len(result.stdout.str()) < 50_000


def test_a_secret_passed_in_is_redacted_from_results(pytester, monkeypatch):
    """A value that reaches an example on purpose (APIMAP_ENV_*) and also names a secret on the host is
    replaced by the secret's name before it reaches the results, the pages and the log; lines that a CI runner
    would read as commands, and terminal escapes, are defused."""
    monkeypatch.setenv("DEPLOY_TOKEN", SECRET)
    monkeypatch.setenv("APIMAP_ENV_PASSED", SECRET)
    leak = r"""
    >>> import os
    >>> raise RuntimeError(os.environ['PASSED'] + '\n::error file=README.md::forged\n\x1b[2Kerased')
    """
    result, items, text = run_files(pytester, {"abs": [example("leak", leak)]})
    assert items["leak"]["status"] == "failed"
    assert "[$DEPLOY_TOKEN redacted]" in items["leak"]["message"]
    assert SECRET not in text and SECRET not in result.stdout.str()
    # nor can it write CI workflow commands or terminal escapes into the log
    lines = result.stdout.str().splitlines()
    assert (
        not [ln for ln in lines if ln.lstrip().startswith("::")]
        and "\x1b[2K" not in result.stdout.str()
    )


def test_group_memory_is_bounded_across_forked_children(pytester):
    """RLIMIT_AS binds one process: children that each stay under it must still share the group's limit
    (512 MB over the frameworks' 4 GiB here; twelve children touching 450 MB each exceed it)."""
    hog = """
    >>> import os
    >>> pids = []
    >>> for _ in range(12):
    ...     pid = os.fork()
    ...     if pid == 0:
    ...         block = bytearray(450 * 2**20)
    ...         block[::4096] = b'x' * len(block[::4096])
    ...         os.read(os.open('/proc/self/stat', os.O_RDONLY), 10)
    ...         import time; time.sleep(3)
    ...         os._exit(0)
    ...     pids.append(pid)
    >>> sum(os.waitpid(p, 0)[1] == 0 for p in pids)
    12
    """
    _, items, _ = run_files(pytester, {"abs": [example("hog", hog, timeout=60)]})
    assert items["hog"]["status"] == "failed", items["hog"]
