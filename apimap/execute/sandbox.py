"""The sandbox an executor runs in: bubblewrap, plus group limits from a cgroup where the kernel offers one.

What an example inside sees and may do:

- an allowlisted view, read-only: the system folders (``SYSTEM``, with ``SECRET_FILES`` and ``SECRET_DIRS``
  masked), the interpreter with its venv, and the apimap package; not the checkout (.git), the homes, /run's
  sockets, /var, /opt or /mnt;
- one writable place: a private tmpfs of ``WORKDIR_MB`` as the executor's folder (HOME and TMPDIR); /tmp and
  /var/tmp are empty tmpfs;
- no network (a new network namespace holds only a loopback device nobody listens on);
- a private PID namespace: the parent and every other process are invisible (no ``/proc/<ppid>/environ``),
  and ``--die-with-parent`` ends everything inside when the executor's parent goes, so no daemon survives;
- no capabilities, a new session (no terminal to write into), and only the environment apimap passes;
- memory and processes bounded for the whole group: a cgroup (v2 ``memory.max``/``pids.max``, or v1
  ``memory.limit_in_bytes``/``pids.max``) when one can be made; otherwise the fallback is each process's
  own RLIMIT_AS (set by the executor), and processes are not bounded.

``mode``: ``required`` fails when bubblewrap cannot run, ``auto`` says so in one line and runs without it,
``off`` runs without it (for debugging an executor).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from functools import cache
from pathlib import Path

MODES = ("required", "auto", "off")
PIDS_MAX = 512  # tasks (threads count): MindSpore and torch start a few dozen each
# the frameworks' own resident memory, on top of an executor's --apimap-memory-mb
FRAMEWORKS_MB = 4096
_CGROUP = Path("/sys/fs/cgroup")


class SandboxUnavailable(RuntimeError):
    pass


@cache
def bwrap_problem() -> str | None:
    """Why bubblewrap cannot run here, or None when it can (checked once per process)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap is not installed (apt-get install bubblewrap; scripts/test installs it)"
    try:
        run = subprocess.run(
            [bwrap, *_namespaces(), "--ro-bind", "/", "/", "true"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bubblewrap does not start: {exc}"
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or [f"exit status {run.returncode}"])[-1]
        return f"bubblewrap cannot make namespaces here: {last}"
    return None


def _namespaces() -> list[str]:
    return ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]


def bound_back(visible: list[Path], needed: list[Path]) -> list[Path]:
    """Of the ``needed`` paths, those that no ``visible`` folder holds, outermost only: they are bound read-only
    into the sandbox. A checkout under /tmp or a venv under the home still runs."""
    under = [p for p in needed if not any(p.is_relative_to(v) for v in visible)]
    return sorted({p for p in under if not any(p != q and p.is_relative_to(q) for q in under)})


def _needed() -> list[Path]:
    """What an executor reads beyond the system: the interpreter (its venv and its base installation) and the
    apimap package (not the checkout around it: its .git may hold a token)."""
    return [
        Path(sys.base_prefix).resolve(),
        Path(sys.prefix).resolve(),
        Path(sys.executable).resolve().parent,
        Path(__file__).resolve().parents[1],
    ]


# the system an example sees: these, read-only (merged-/usr symlinks are recreated as symlinks)
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/etc", "/sys")
# secrets of the system itself, hidden even from a root-owned example
SECRET_FILES = ("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers")
SECRET_DIRS = ("/etc/ssh", "/etc/ssl/private", "/etc/sudoers.d")
WORKDIR_MB = (
    1024  # the only writable folder: a tmpfs of this size (it also counts as the group's memory)
)


def wrap(argv: list[str], env: dict[str, str], workdir: Path) -> list[str]:
    """``argv`` inside the sandbox: only ``workdir`` writable (a fresh tmpfs), only ``env`` set.

    The view is an allowlist: the system folders (``SYSTEM``, secrets masked), the interpreter and apimap; not
    /home, /root, /run (sockets such as docker's), /var, /opt, /mnt, /srv or the checkout."""
    args = [shutil.which("bwrap") or "bwrap", *_namespaces()]
    for top in SYSTEM:
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    for secret in SECRET_FILES:
        if os.path.lexists(secret):
            args += ["--ro-bind", "/dev/null", secret]
    for secret in SECRET_DIRS:
        if os.path.isdir(secret):
            args += ["--tmpfs", secret]
    args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp"]
    system = [Path(top).resolve() for top in SYSTEM if Path(top).is_dir()]
    for path in bound_back(system, _needed()):
        args += ["--ro-bind", str(path), str(path)]
    args += ["--size", str(WORKDIR_MB * 2**20), "--tmpfs", str(workdir), "--chdir", str(workdir)]
    args += ["--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, "--", *argv]


class GroupLimits:
    """A cgroup holding one executor and everything it starts, with memory and process limits; removed on
    ``close``. ``None`` from ``create`` when this kernel offers no writable cgroup (the RLIMIT fallback)."""

    def __init__(self, dirs: list[Path]):
        self.dirs = dirs

    @classmethod
    def create(cls, memory_bytes: int | None) -> GroupLimits | None:
        name = f"apimap-executor-{uuid.uuid4().hex[:12]}"
        made: list[Path] = []
        try:
            if (_CGROUP / "cgroup.controllers").is_file():  # v2: one tree
                d = _CGROUP / name
                d.mkdir()
                made.append(d)
                if memory_bytes:
                    (d / "memory.max").write_text(str(memory_bytes))
                (d / "pids.max").write_text(str(PIDS_MAX))
            elif (_CGROUP / "memory").is_dir() and (
                _CGROUP / "pids"
            ).is_dir():  # v1: one tree per controller
                mem, pids = _CGROUP / "memory" / name, _CGROUP / "pids" / name
                mem.mkdir()
                made.append(mem)
                pids.mkdir()
                made.append(pids)
                if memory_bytes:
                    (mem / "memory.limit_in_bytes").write_text(str(memory_bytes))
                (pids / "pids.max").write_text(str(PIDS_MAX))
            else:
                return None
        except OSError:
            cls(made).close()
            return None
        return cls(made)

    def enter(self, argv: list[str]) -> list[str]:
        """``argv``, started inside the group: a shell joins it, then execs, so that nothing the command starts
        (bubblewrap forks at once) can begin outside it."""
        joins = "".join(f'echo $$ > "{d / "cgroup.procs"}" && ' for d in self.dirs)
        return ["/bin/sh", "-c", joins + 'exec "$@"', "apimap-executor", *argv]

    def close(self, wait: float = 5.0) -> None:
        """Kill whatever is still in the group, then remove it (a cgroup with members cannot be removed, and
        members of a killed PID namespace take a moment to go)."""
        deadline = time.monotonic() + wait
        for d in reversed(self.dirs):
            while d.exists():
                try:
                    for pid in (d / "cgroup.procs").read_text().split():
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                        except (ProcessLookupError, PermissionError):
                            pass
                    d.rmdir()
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.02)
