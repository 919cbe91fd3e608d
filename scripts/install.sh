#!/usr/bin/env bash
# Installs synth_assets and its models into a project-local .venv/. Idempotent: a second run with
# the same pyproject.toml and extras returns at once.
#   usage: scripts/install.sh [EXTRAS]     (default: piper; the tests use piper,test)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-piper}"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"

"$python" - <<'PY' || { echo "synth_assets needs Python >= 3.11" >&2; exit 1; }
import sys; sys.exit(sys.version_info < (3, 11))
PY

[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-$( (cat pyproject.toml; echo "$extras") | sha256sum | cut -c1-16)"
[ -f "$stamp" ] && exit 0

echo "installing synth_assets[$extras] into .venv/ ..." >&2
.venv/bin/python -m pip install --quiet --disable-pip-version-check uv
# torch first, with pip: pip's configuration on these machines points at the local CPU wheel, which
# uv would not see; a torch already present at this version is then kept by uv.
.venv/bin/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
find_links=()
for dir in $(.venv/bin/python -m pip config get global.find-links 2>/dev/null || true); do
  [ -d "$dir" ] && find_links+=(--find-links "$dir")
done
.venv/bin/uv pip install --quiet --python .venv/bin/python "${find_links[@]}" -e ".[$extras]"
rm -f .venv/.installed-*
touch "$stamp"
