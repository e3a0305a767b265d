#!/usr/bin/env bash
# Create .venv and install salesbot with its test dependencies, exactly the versions (and file hashes) of
# requirements-dev.lock; the project itself goes in editable, without resolving anything again.
# Safe to run again: it reinstalls only when pyproject.toml or the lock file changed.
# The lock files come from pyproject.toml through `bash scripts/lock.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml requirements-dev.lock | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --require-hashes -r requirements-dev.lock
  .venv/bin/python -m pip install -q --no-deps -e .
  rm -f .venv/.installed-*
  touch "$stamp"
fi
