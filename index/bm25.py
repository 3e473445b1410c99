"""BM25 over a sparse matrix (scipy): one column slice and a dot product per query, with field weights.

Scores equal rank_bm25's BM25Okapi (same idf with its epsilon floor) when every field weight is 1, i.e.
fields concatenated. With weights, term frequency and document length are the weighted sums over fields
(BM25F-style), so a title word counts `weights["title"]` times."""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Iterable
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

    def index(self, docs: Iterable[dict[str, list[str]]]) -> SparseBM25:
        """docs: one {field: tokens} per document; any iterable, consumed once (a generator keeps memory flat:
        only one document's tokens are alive at a time)."""
        indptr, indices, tfs, lengths = array("q", [0]), array("i"), array("f"), array("f")
        for fields in docs:
            tf: Counter = Counter()
            length = 0.0
            for field, toks in fields.items():
                w = self.weights.get(field, 1.0)
                if not w:
                    continue
                for t in toks:
                    tf[t] += w
                length += w * len(toks)
            for t, f in tf.items():
                indices.append(self.vocab.setdefault(t, len(self.vocab)))
                tfs.append(f)
            indptr.append(len(indices))
            lengths.append(length)
        n, nv = len(lengths), len(self.vocab)
        cols = np.frombuffer(indices, dtype=np.int32) if len(indices) else np.zeros(0, np.int32)
        tf_a = np.frombuffer(tfs, dtype=np.float32) if len(tfs) else np.zeros(0, np.float32)
        ptr = np.frombuffer(indptr, dtype=np.int64)
        dl = np.frombuffer(lengths, dtype=np.float32) if n else np.zeros(0, np.float32)
        dfa = np.bincount(cols, minlength=nv).astype(np.float64)
        idf = np.log(n - dfa + 0.5) - np.log(dfa + 0.5)
        floor = max(self.epsilon * idf.mean(), 1e-3) if nv else 0.0  # never negative
        idf[idf < 0] = floor
        avgdl = float(dl.mean()) if n and dl.mean() > 0 else 1.0
        norm = (self.k1 * (1 - self.b + self.b * dl / avgdl)).astype(np.float32)
        row_norm = np.repeat(norm, np.diff(ptr))
        vals = idf.astype(np.float32)[cols] * tf_a * np.float32(self.k1 + 1) / (tf_a + row_norm)
        del row_norm
        self.matrix = sparse.csr_matrix((vals, cols, ptr), shape=(n, nv)).tocsc()
        self.idf = idf.astype(np.float32)
        return self

    def scores(self, query: list[str] | dict[str, float]) -> np.ndarray:
        """BM25 score of every document. `query` is a token list (a term counted as often as it occurs, as
        rank_bm25 does) or {term: weight} (a weighted query: synonym expansions weigh less)."""
        counts: Counter = Counter()
        for t, w in (query.items() if isinstance(query, dict) else ((t, 1.0) for t in query)):
            if t in self.vocab:
                counts[self.vocab[t]] += w
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
