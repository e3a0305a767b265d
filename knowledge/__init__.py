"""Talk-track knowledge base: ingestion, hybrid Chinese retrieval (BM25 + Chroma), citations."""

from knowledge.demo import DEMO_LIBRARY, load_demo_library
from knowledge.kb import ChunkInfo, DocumentInfo, Hit, IngestReport, KnowledgeBase, KnowledgeError

__all__ = [
    "KnowledgeBase",
    "KnowledgeError",
    "Hit",
    "DocumentInfo",
    "ChunkInfo",
    "IngestReport",
    "load_demo_library",
    "DEMO_LIBRARY",
]
