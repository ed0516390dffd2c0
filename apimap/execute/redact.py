"""Keep secrets, floods and log commands out of messages: values of secret-like environment variables are
replaced by their name, terminal controls and CI runner commands are defused, long texts are cut.

The sandbox already hides the parent's environment from examples; this is the second wall, for a secret
that reaches an example some other way (a mounted file, a value passed on purpose with APIMAP_ENV_*).
"""

from __future__ import annotations

import os
import re

# names of variables whose values are credentials (GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, PYPI_PASSWORD, ...)
SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY|AUTH|COOKIE|SESSION"
    r"|(^|_)KEY$|(^|_)PAT$",
    re.IGNORECASE,
)
MIN_SECRET = 6  # shorter values ("1", "true") would blank out ordinary text


def secrets(environ=None) -> dict[str, str]:
    """{value: name} for the secret-like variables of ``environ`` (default: this process's)."""
    environ = os.environ if environ is None else environ
    return {
        value: name
        for name, value in environ.items()
        if SECRET_NAME.search(name) and len(value.strip()) >= MIN_SECRET
    }


def scrub(text: str, environ=None) -> str:
    """``text`` with every secret value (longest first) replaced by ``[$NAME redacted]``."""
    found = secrets(environ)
    for value in sorted(found, key=len, reverse=True):
        if value in text:
            text = text.replace(value, f"[${found[value]} redacted]")
    return text


# C0/C1 controls but tab and newline (terminal escapes), and the bidirectional overrides (text shown reordered)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_RUNNER_COMMAND = re.compile(
    r"^(\s*)(::|##\[)", re.M
)  # GitHub Actions / Azure Pipelines commands in logs


def defuse(text: str) -> str:
    """``text`` that a terminal or a CI runner shows as text: controls dropped, command lines indented."""
    return _RUNNER_COMMAND.sub(r"\1| \2", _CONTROLS.sub("", text))


def cap(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n    ... ({len(text) - limit} more characters not shown)"
