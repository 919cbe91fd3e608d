#!/usr/bin/env bash
# Installs everything, then runs the whole asset graph on the bundled sample snapshot and prints a
# summary. A second run reuses the environment and every partition whose inputs did not change.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh piper
export DAGSTER_HOME="${DAGSTER_HOME:-$PWD/.dagster_home}"
export SYNTH_DATA_ROOT="${SYNTH_DATA_ROOT:-$PWD/data}"
exec .venv/bin/synth demo "$@"
