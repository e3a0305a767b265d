#!/usr/bin/env bash
# Regenerate the hash-pinned lock files from pyproject.toml for Python 3.11 on linux x86_64:
#   requirements.lock      the runtime dependencies (the Docker image)
#   requirements-dev.lock  runtime + [test] + [bench] + [embeddings] (scripts/install.sh, .ci/run)
# uv keeps the versions already pinned in a lock file unless pyproject now excludes them;
# `bash scripts/lock.sh --upgrade` moves everything to the newest allowed release.
# uv itself goes into a throwaway venv: it is a tool for this script, not a dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
tool=${UV_TOOL_VENV:-/tmp/salesbot-uv}
[ -x "$tool/bin/uv" ] || { python3 -m venv "$tool" && "$tool/bin/pip" install -q uv; }
common=(--generate-hashes --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --quiet "$@")
"$tool/bin/uv" pip compile pyproject.toml "${common[@]}" \
  --custom-compile-command "bash scripts/lock.sh" -o requirements.lock
"$tool/bin/uv" pip compile pyproject.toml --extra test --extra bench --extra embeddings "${common[@]}" \
  --custom-compile-command "bash scripts/lock.sh" -o requirements-dev.lock
