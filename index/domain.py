"""How much a question, by its words alone, looks like the questions the registers answer: a logistic model over
hashed character 1–3-grams of its text (`reading`) and its matter words, fitted by `python -m eval tune`
(scikit-learn LogisticRegression) on in-scope versus out-of-scope questions written from real citizens' posts. 身份证补办, 营业执照, 驾照年审 share
verbs with social-security questions but not their nouns; the model weighs both. Its probability is one of the
refusal's features (index/fusion.py `text`).

The weights are a float32 array in index/data/domain.npy (read with allow_pickle=False), the intercept is
`domain_bias` in index/data/fusion.json. Hashing (crc32 modulo N_FEATURES) needs no stored vocabulary."""

from __future__ import annotations

import math
import re
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"
WEIGHTS = DATA / "domain.npy"
N_FEATURES = 1 << 18
_RUN = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+")


def grams(text: str, words: list[str]) -> list[str]:
    """The features of a text: character 1–3-grams of each Chinese or alphanumeric run (with its edges marked)
    and the words (`w:` prefixed), distinct, in order."""
    out = []
    for run in _RUN.findall(text.lower()):
        padded = f"^{run}$"
        for n in (1, 2, 3):
            out += [padded[i:i + n] for i in range(len(padded) - n + 1) if padded[i:i + n] not in ("^", "$")]
    out += [f"w:{w}" for w in words]
    return list(dict.fromkeys(out))


def reading(text: str) -> str:
    """What the model reads of the question's text: the text without aspect words (材料, 电话, 多久 …:
    index/data/intents.toml) and without numbers, so that 「工伤认定要什么材料」 reads as 工伤认定 (many other
    departments' questions ask for materials too) and a phone or ID number weighs nothing. Single characters stay
    (房, 车, 证, 税 say a lot about whose matter it is). How it asks goes too (intents.toml [asking]: 怎么办, 去哪,
    能不能 …): every department's questions ask that way, so a batch of 「…丢了怎么补办」 look-alikes must not teach
    the model that 怎么 is foreign."""
    from index.features import asking_longest_first, aspects_longest_first
    for a in aspects_longest_first() + asking_longest_first():
        text = text.replace(a, " ")
    return re.sub(r"\d+", " ", text)


def hashed(text: str, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(column indices, values): binary features, L2-normalised, of `grams(text, words)` (collisions add up)."""
    cols: dict[int, float] = {}
    for g in grams(text, words):
        c = zlib.crc32(g.encode("utf-8")) % N_FEATURES
        cols[c] = cols.get(c, 0.0) + 1.0
    if not cols:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx = np.fromiter(cols.keys(), dtype=np.int64)
    val = np.fromiter(cols.values(), dtype=np.float32)
    return idx, val / np.float32(np.linalg.norm(val))


def matrix(items: list[tuple[str, list[str]]]):
    """A scipy CSR matrix (len(items) × N_FEATURES) of `hashed` rows, for fitting."""
    from scipy import sparse
    rows, cols, vals = [], [], []
    for r, (text, words) in enumerate(items):
        c, v = hashed(text, words)
        rows += [r] * len(c)
        cols += c.tolist()
        vals += v.tolist()
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(items), N_FEATURES), dtype=np.float32)


class DomainModel:
    """`DomainModel(weights, bias).probability(text, words)` → 0–1 (1: reads like an in-scope question)."""

    def __init__(self, weights: np.ndarray, bias: float):
        if weights.shape != (N_FEATURES,):
            raise ValueError(f"domain weights have shape {weights.shape}, expected ({N_FEATURES},); "
                             f"re-fit with `python -m eval tune`")
        self.weights, self.bias = weights.astype(np.float32), float(bias)

    def probability(self, text: str, words: list[str]) -> float:
        c, v = hashed(text, words)
        z = self.bias + float(self.weights[c] @ v) if len(c) else self.bias
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def save(self, path: Path = WEIGHTS) -> None:
        np.save(path, self.weights, allow_pickle=False)


@lru_cache(maxsize=2)
def load(path: str = str(WEIGHTS), bias: float | None = None) -> DomainModel | None:
    """The fitted model (bias from fusion.json unless given), or None when `python -m eval tune` has not saved one."""
    if not Path(path).exists():
        return None
    if bias is None:
        from index.fusion import fitted
        if "domain_bias" not in fitted():
            return None
        bias = fitted()["domain_bias"]
    return DomainModel(np.load(path, allow_pickle=False), bias)
