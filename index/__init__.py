"""Segments records with jieba and ranks them by BM25, dense embeddings in FAISS, and their fusion."""

from index.errors import CorruptIndex, IndexNotFound, StaleIndex
from index.fusion import FusionConfig, fuse
from index.hybrid import Hit, HybridIndex

__all__ = ["CorruptIndex", "FusionConfig", "Hit", "HybridIndex", "IndexNotFound", "StaleIndex", "fuse"]
