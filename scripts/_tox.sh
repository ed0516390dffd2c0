# Sourced by the scripts: bootstrap .venv-tox/ (tox, tox-uv, uv) exactly as lock/tools.txt pins them, with hashes.
# Needs only python3.11 on PATH; re-syncs when lock/tools.txt changes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
py="${PYTHON:-python3}"
stamp=".venv-tox/lock-sha256"
want="$(sha256sum lock/tools.txt | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "scripts: installing tox, tox-uv and uv from lock/tools.txt into .venv-tox/" >&2
  if [ -x .venv-tox/bin/uv ]; then
    .venv-tox/bin/uv pip sync -q --python .venv-tox/bin/python lock/tools.txt
  else
    rm -rf .venv-tox
    "$py" -m venv --without-pip .venv-tox
    # (this machine's pip.conf names local index folders that lack most packages: pip warns once per package)
    "$py" -m pip --python .venv-tox/bin/python install -q --no-deps --require-hashes \
      --disable-pip-version-check -r lock/tools.txt 2> >(grep -v "neither a file nor a directory" >&2)
  fi
  echo "$want" > "$stamp"
fi
TOX=(.venv-tox/bin/tox)
