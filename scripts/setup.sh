#!/usr/bin/env bash
# Create .venv and install the pinned runtime and development dependencies plus this project.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
# The message catalogs (.po -> .mo); without this the bot reads the .po files (bot/i18n.py).
.venv/bin/pybabel --quiet compile --domain messages --directory bot/locales
