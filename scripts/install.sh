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
# The business-card tests and benchmarks render cards with a Chinese font (benchmarks/render_cards.py): install
# Debian's Noto CJK fonts when none is present and we may (root with apt); otherwise say what is missing.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ] || ! command -v fc-list >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      fonts-noto-cjk fontconfig >/dev/null
  else
    echo "note: no Chinese font found; the business-card tests need one (apt-get install fonts-noto-cjk)" >&2
  fi
fi
