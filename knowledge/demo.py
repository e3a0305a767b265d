"""The demo talk-track library (knowledge/demo_library): internal playbooks plus a public product FAQ."""

from __future__ import annotations

from pathlib import Path

from knowledge.kb import IngestReport

DEMO_LIBRARY = Path(__file__).with_name("demo_library")


async def load_demo_library(kb) -> IngestReport:
    """Ingest the demo library; idempotent (unchanged files are recognised by their hash and skipped)."""
    report = IngestReport()
    for audience in ("internal", "public"):
        part = await kb.add_paths([DEMO_LIBRARY / audience], audience=audience)
        for name in ("added", "replaced", "unchanged", "refused", "skipped"):
            getattr(report, name).extend(getattr(part, name))
    return report
