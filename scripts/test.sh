#!/usr/bin/env bash
# Installs the project with its test extras, then runs the whole test suite (pytest arguments pass through).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh piper,test,whisper-base,production
exec .venv/bin/python -m pytest "$@"
