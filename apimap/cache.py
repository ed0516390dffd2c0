"""A cache of validated mappings, keyed by each file's bytes, so re-validating an unchanged tree is nearly free.

Entries are only trusted when the fingerprint matches (``fingerprint.validation_inputs``: conf/, the package's
code and the pydantic version). Like Sphinx's environment.pickle, it is local build state under
site/_build/ (never shared).

Each entry keeps its mapping as a pickled blob: validation workers pickle their results anyway to hand them
back, so saving the cache costs a copy of bytes, not a second pickling of thousands of models, and loading
it only unpickles the entries that are used.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from .fingerprint import digest, validation_inputs


class ValidationCache:
    def __init__(self, path: Path, conf_dir: Path):
        self.path = Path(path)
        self.fingerprint = validation_inputs(conf_dir)
        self.entries: dict[str, tuple[str, str | None, bytes]] = {}
        # path -> (entry, its unpickled mapping): a long-lived cache (serve --watch) unpickles each entry once
        self._objects: dict[str, tuple[tuple, object]] = {}
        self.hits = 0
        self._dirty = False
        try:
            with open(self.path, "rb") as fh:
                stored_fp, entries = pickle.load(fh)
            if stored_fp == self.fingerprint:
                self.entries = entries
        except (
            OSError,
            EOFError,
            pickle.UnpicklingError,
            ValueError,
            TypeError,
            AttributeError,
            ImportError,
        ):
            pass  # no cache, or an unreadable one: validate everything

    def get(self, path: Path, root: Path | None, data: bytes):
        entry = self.entries.get(str(path))
        if entry and entry[0] == digest(data) and entry[1] == (str(root) if root else None):
            known = self._objects.get(str(path))
            if known is not None and known[0] is entry:
                self.hits += 1
                return known[1]
            try:
                loaded = pickle.loads(entry[2])
            except Exception:  # noqa: BLE001 - an entry from an incompatible run: validate the file again
                return None
            self._objects[str(path)] = (entry, loaded)
            self.hits += 1
            return loaded
        return None

    def put(
        self, path: Path, root: Path | None, data: bytes, loaded, blob: bytes | None = None
    ) -> None:
        """Remember ``loaded`` for these file bytes; ``blob`` is its pickle when the caller already has one."""
        blob = blob if blob is not None else pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL)
        self.entries[str(path)] = (digest(data), str(root) if root else None, blob)
        self._dirty = True

    def save(self, keep: set[str] | None = None) -> None:
        if keep is not None:
            stale = set(self.entries) - keep
            for key in stale:
                del self.entries[key]
            self._dirty |= bool(stale)
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump((self.fingerprint, self.entries), fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(self.path)
