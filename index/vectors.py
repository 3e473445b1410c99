"""Dense vectors in FAISS: exact inner product for small corpora, HNSW above a size threshold.
Rows are positions; the caller keeps the row → record map."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class VectorStore:
    def __init__(self, exact_below: int = 50_000, hnsw_m: int = 32, ef_search: int = 256, ef_construction: int = 80):
        self.exact_below, self.hnsw_m = exact_below, hnsw_m
        self.ef_search, self.ef_construction = ef_search, ef_construction
        self.vectors: np.ndarray | None = None
        self.faiss_index = None

    @property
    def params(self) -> dict:
        return {"exact_below": self.exact_below, "hnsw_m": self.hnsw_m, "ef_search": self.ef_search,
                "ef_construction": self.ef_construction}

    @property
    def kind(self) -> str:
        return "flat" if self.vectors is None or len(self.vectors) < self.exact_below else "hnsw"

    def index(self, vectors: np.ndarray) -> VectorStore:
        import faiss

        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = self.vectors.shape[1]
        if self.kind == "flat":
            idx = faiss.IndexFlatIP(dim)
        else:
            idx = faiss.IndexHNSWFlat(dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            idx.hnsw.efConstruction = self.ef_construction
        idx.add(self.vectors)
        self._set(idx)
        return self

    def _set(self, idx) -> None:
        if hasattr(idx, "hnsw"):
            idx.hnsw.efSearch = self.ef_search
        self.faiss_index = idx

    def search(self, q: np.ndarray, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, rows) for one query vector; `rows` restricts the search to those rows (exact)."""
        q = np.ascontiguousarray(q.reshape(1, -1), dtype=np.float32)
        if rows is not None:
            s = self.vectors[rows] @ q[0]
            top = np.argsort(-s)[:k]
            return s[top], rows[top]
        k = min(k, len(self.vectors))
        scores, ids = self.faiss_index.search(q, k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def exact(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        s = self.vectors @ q.reshape(-1)
        top = np.argpartition(-s, min(k, len(s) - 1))[:k]
        top = top[np.argsort(-s[top])]
        return s[top], top

    def save(self, folder: Path) -> None:
        import faiss

        np.save(folder / "vectors.npy", self.vectors)
        faiss.write_index(self.faiss_index, str(folder / "faiss.index"))

    @classmethod
    def load(cls, folder: Path, params: dict) -> VectorStore:
        import faiss

        self = cls(**params)
        self.vectors = np.load(folder / "vectors.npy")
        self._set(faiss.read_index(str(folder / "faiss.index")))
        if self.faiss_index.ntotal != len(self.vectors):
            raise ValueError(f"faiss.index has {self.faiss_index.ntotal} rows but vectors.npy {len(self.vectors)}")
        return self
