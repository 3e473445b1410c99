"""BM25 over a sparse matrix (scipy): one column slice and a dot product per query, with field weights.

Scores equal rank_bm25's BM25Okapi (same idf with its epsilon floor) when every field weight is 1, i.e.
fields concatenated. With weights, term frequency and document length are the weighted sums over fields
(BM25F-style), so a title word counts `weights["title"]` times."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse


class SparseBM25:
    def __init__(self, k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25,
                 weights: dict[str, float] | None = None):
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.weights = dict(weights or {})
        self.vocab: dict[str, int] = {}
        self.matrix: sparse.csc_matrix | None = None  # docs × terms, BM25 term weights
        self.idf: np.ndarray | None = None

    @property
    def params(self) -> dict:
        return {"k1": self.k1, "b": self.b, "epsilon": self.epsilon, "weights": self.weights}

    def index(self, docs: list[dict[str, list[str]]]) -> SparseBM25:
        """docs: one {field: tokens} per document."""
        rows, cols, tfs = [], [], []
        lengths = np.zeros(len(docs), dtype=np.float64)
        df: Counter = Counter()
        for d, fields in enumerate(docs):
            tf: Counter = Counter()
            for field, toks in fields.items():
                w = self.weights.get(field, 1.0)
                if not w:
                    continue
                for t in toks:
                    tf[t] += w
                lengths[d] += w * len(toks)
            for t, f in tf.items():
                j = self.vocab.setdefault(t, len(self.vocab))
                rows.append(d)
                cols.append(j)
                tfs.append(f)
                df[j] += 1
        n = len(docs)
        dfa = np.zeros(len(self.vocab))
        for j, c in df.items():
            dfa[j] = c
        idf = np.log(n - dfa + 0.5) - np.log(dfa + 0.5)
        floor = max(self.epsilon * idf.mean(), 1e-3) if len(idf) else 0.0  # never negative
        idf[idf < 0] = floor
        avgdl = lengths.mean() if n else 1.0
        rows_a, tf_a = np.asarray(rows), np.asarray(tfs, dtype=np.float64)
        denom = tf_a + self.k1 * (1 - self.b + self.b * lengths[rows_a] / (avgdl or 1.0))
        vals = idf[np.asarray(cols, dtype=np.int64)] * tf_a * (self.k1 + 1) / denom
        self.matrix = sparse.csc_matrix((vals.astype(np.float32), (rows_a, np.asarray(cols))),
                                        shape=(n, len(self.vocab)))
        self.idf = idf.astype(np.float32)
        return self

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25 score of every document (a query term counted as often as it occurs, as rank_bm25 does)."""
        counts = Counter(self.vocab[t] for t in query if t in self.vocab)
        if not counts or self.matrix is None:
            return np.zeros(self.matrix.shape[0] if self.matrix is not None else 0, dtype=np.float32)
        ids = np.fromiter(counts.keys(), dtype=np.int64)
        w = np.fromiter(counts.values(), dtype=np.float32)
        return np.asarray(self.matrix[:, ids] @ w).ravel()

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        sparse.save_npz(folder / "bm25.npz", self.matrix.tocsc(), compressed=False)
        np.save(folder / "idf.npy", self.idf)
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, params: dict) -> SparseBM25:
        self = cls(**params)
        self.matrix = sparse.load_npz(folder / "bm25.npz").tocsc()
        self.idf = np.load(folder / "idf.npy")
        self.vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        return self
