"""Fingerprints of what a stage reads: each stage declares its inputs here, and one function hashes them.

A stage's cached output (validated models, rendered pages, a language's HTML) is reused only while the
fingerprint of its declared inputs is unchanged. The package's own code counts as a whole: any edit to apimap
invalidates every stage built by it (conservative, and never stale).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# What a language's HTML depends on besides its Markdown and the files below: these packages' versions.
SPHINX_PACKAGES = (
    "sphinx",
    "docutils",
    "furo",
    "myst-parser",
    "sphinx-design",
    "sphinx-copybutton",
    "jieba",
)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def files_under(*roots: Path) -> list[Path]:
    """Every file of each root (a folder, recursively, or a file itself), sorted, without ``__pycache__``."""
    found: set[Path] = set()
    for root in roots:
        root = Path(root)
        if root.is_dir():
            found.update(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        elif root.is_file():
            found.add(root)
    return sorted(found)


def fingerprint(paths: Iterable[Path], versions: Iterable[str] = ()) -> str:
    """The one hash of a declared input set: each file's path and bytes, plus version strings."""
    h = hashlib.blake2b(digest_size=16)
    for text in versions:
        h.update(text.encode() + b";")
    for path in sorted(set(paths)):
        h.update(str(path).encode() + b"\0")
        h.update(path.read_bytes() if path.is_file() else b"-")
    return h.hexdigest()


def tree_state(root: Path) -> str:
    """A cheap state of a generated tree: its file names, sizes and modification times (render rewrites only
    the files whose bytes change, so an unchanged tree keeps this)."""
    h = hashlib.blake2b(digest_size=16)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            st = os.stat(os.path.join(dirpath, name))
            h.update(
                f"{os.path.relpath(os.path.join(dirpath, name), root)}|{st.st_size}|{st.st_mtime_ns}\n".encode()
            )
    return h.hexdigest()


def package_versions(names: Iterable[str]) -> list[str]:
    out = []
    for name in names:
        try:
            out.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}=-")
    return out


# --- what each stage reads ---------------------------------------------------------------------------


def validation_inputs(conf_dir: Path) -> str:
    """Validated models: conf/ (the vocabulary), the package's code, pydantic."""
    return fingerprint(
        files_under(PACKAGE_DIR, *Path(conf_dir).glob("*.yaml")), package_versions(["pydantic"])
    )


def render_inputs(templates_dir: Path, conf_dir: Path) -> str:
    """Rendered pages (besides each page's own model and results): templates/, conf/, the package's code."""
    return fingerprint(files_under(PACKAGE_DIR, templates_dir, *Path(conf_dir).glob("*.yaml")))


def sphinx_inputs(conf_dir: Path, site_dirs: Iterable[Path]) -> str:
    """A language's HTML (besides its Markdown): conf/, the site's assets, the package's code (the Sphinx
    extension), the interpreter and the Sphinx packages."""
    return fingerprint(
        files_under(PACKAGE_DIR, Path(conf_dir).resolve(), *site_dirs),
        [sys.executable, *package_versions(SPHINX_PACKAGES)],
    )
