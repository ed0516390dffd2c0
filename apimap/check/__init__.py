"""The check stage: compare every mapping with the installed torch and mindspore (``apimap check``).

``introspect`` resolves names and reads the canonical live signature, ``sigparse`` reads signature text,
``rules`` turns differences into one-line findings, ``update`` rewrites stale signature/version fields,
``report`` writes site/_build/check-results.json for the renderer.
"""

from .introspect import Frameworks, LiveApi, LiveSignature, Unresolved, canonical_signature
from .rules import FileCheck, Finding, check_mapping

__all__ = [
    "Frameworks",
    "LiveApi",
    "LiveSignature",
    "Unresolved",
    "canonical_signature",
    "FileCheck",
    "Finding",
    "check_mapping",
]
