"""Segments records with jieba and ranks them by BM25, dense embeddings in FAISS, and their fusion."""
