#!/usr/bin/env bash
# Install, load the demo data and start chatting in the terminal (SQLite, local Chroma, offline
# unless an LLM is configured in .env). Extra args go to `salesbot chat`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/salesbot demo
exec .venv/bin/salesbot chat "$@"
