# Sourced by scripts/site and scripts/test: find or bootstrap tox (needs only python3.11 on PATH).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
if command -v tox >/dev/null 2>&1; then
  TOX=(tox)
else
  py="${PYTHON:-python3}"
  if [ ! -x .venv-tox/bin/tox ]; then
    echo "scripts: installing tox into .venv-tox/ (once)" >&2
    "$py" -m venv .venv-tox
    .venv-tox/bin/python -m pip install -q "tox>=4.11"
  fi
  TOX=(.venv-tox/bin/tox)
fi
