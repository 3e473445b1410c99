"""Tunes the fusion (BM25 field weights, FusionConfig) on the dev set only, and calibrates the confidence
on dev in-scope vs out-of-scope questions. Prints the best settings; the defaults in index/ are set from it.

python -m eval tune [--quick]"""

from __future__ import annotations

import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from index.bm25 import SparseBM25
from index.fusion import FusionConfig
from index.hybrid import record_fields
from index.store import open_index

DATA = Path(__file__).resolve().parent / "data"
CONF_FEATURES = ("score", "coverage", "dense", "idf_coverage", "domain")
REFUSE_SHARE = 0.035  # in-scope questions the confidence may refuse on the dev set (the target is at most 5%)


def _load(name):
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def dense_matrix(idx, questions: list[str]) -> np.ndarray:
    qv = np.vstack([idx.encode_query(q) for q in questions])
    sims = qv @ idx.vectors.vectors.T
    starts = np.flatnonzero(np.r_[True, np.diff(idx.view_record) != 0])
    return np.maximum.reduceat(sims, starts, axis=1)


def bm25_matrix(idx, fields, questions, weights, k1, b) -> np.ndarray:
    bm = SparseBM25(k1=k1, b=b, weights=weights).index(fields)
    return np.vstack([bm.scores(idx.query_terms(q)) for q in questions])


def fused(B, D, cfg: FusionConfig, prior: np.ndarray) -> np.ndarray:
    s = np.where(B > 0, B / (B + cfg.bm25_half), 0.0)
    d = np.clip((D - cfg.dense_floor) / (1 - cfg.dense_floor), 0, None)
    return cfg.w_sparse * s + cfg.w_dense * d + prior


def score(S, gold_mask) -> tuple[float, float]:
    order = np.argsort(-S, axis=1, kind="stable")[:, :10]
    rel = np.take_along_axis(gold_mask, order, axis=1)
    top1 = rel[:, 0].mean()
    first = np.where(rel.any(axis=1), rel.argmax(axis=1) + 1, 0)
    mrr = np.where(first > 0, 1.0 / np.maximum(first, 1), 0).mean()
    return float(top1), float(mrr)


def fit_logistic(X: np.ndarray, y: np.ndarray, steps: int = 5000, lr: float = 0.1) -> tuple[np.ndarray, float]:
    """Class-balanced logistic regression by gradient descent on standardised features; returns raw-scale
    weights and bias (deterministic: zero start, fixed steps)."""
    mean, std = X.mean(axis=0), X.std(axis=0) + 1e-9
    Z = (X - mean) / std
    sw = np.where(y == 1, 1.0, (y == 1).sum() / max((y == 0).sum(), 1))
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        g = (p - y) * sw
        w -= lr * (Z.T @ g) / len(y)
        b -= lr * g.mean()
    return w / std, float(b - (w * mean / std).sum())


def main(argv: list[str] | None = None) -> int:
    quick = "--quick" in (argv or [])
    idx = open_index()
    qs = _load("questions.jsonl")
    oos = _load("oos.jsonl")
    pos = {r.id: i for i, r in enumerate(idx.records)}
    gold = np.zeros((len(qs), len(idx.records)), dtype=bool)
    for n, q in enumerate(qs):
        for g in q["gold"]:
            gold[n, pos[g]] = True
    texts = [q["question"] for q in qs]
    D = dense_matrix(idx, texts)
    Do = dense_matrix(idx, [q["question"] for q in oos])
    fields = [record_fields(r, idx.tokenizer) for r in idx.records]
    sections = np.array([r.section for r in idx.records])
    print(f"dense only: top1={score(D, gold)[0]:.3f}")
    best = None
    title_w = [1.0, 2.0, 3.0, 5.0] if not quick else [3.0]
    for tw, cw, pw, lw, b in itertools.product(title_w, [0.3, 1.0], [1.0, 3.0], [0.0, 1.0, 2.0], [0.75]):
        weights = {"title": tw, "body": 1.0, "title_chars": cw, "place": pw, "labels": lw}
        B = bm25_matrix(idx, fields, texts, weights, 1.2, b)
        base = score(B, gold)
        for wd, half, floor, duty_p in itertools.product([0.3, 0.4, 0.5, 0.6, 0.7], [3.0, 6.0, 10.0, 20.0],
                                                         [0.0, 0.2, 0.3], [0.0, -0.03, -0.06]):
            cfg = FusionConfig(w_sparse=1 - wd, w_dense=wd, bm25_half=half, dense_floor=floor,
                               section_prior={"duty": duty_p} if duty_p else {})
            prior = np.array([cfg.section_prior.get(s, 0.0) for s in sections])
            t1, mrr = score(fused(B, D, cfg, prior), gold)
            key = t1 + 0.5 * mrr
            if best is None or key > best[0]:
                best = (key, t1, mrr, weights, b, cfg, base)
    _, t1, mrr, weights, b, cfg, base = best
    print(f"best hybrid: top1={t1:.3f} mrr={mrr:.3f} (bm25 alone with these weights: top1={base[0]:.3f})")
    print(f"weights={weights} b={b} fusion={cfg}")
    # calibrate: a logistic model (FusionConfig.conf_weights) on the top hit's features, in-scope = 1,
    # out-of-scope = 0, classes weighted equally. Its bias is set from 5-fold cross-validated predictions so
    # that REFUSE_SHARE of in-scope questions fall below 0.5 (an honest estimate, not the training fit).
    idx.bm25 = SparseBM25(k1=1.2, b=b, weights=weights).index(fields)
    idx.fusion = cfg
    names = list(CONF_FEATURES)

    def row(q):
        hit = idx.search(q, k=1)[0]
        return [(idx.query_features(q) | {"score": hit.score, "dense": hit.dense})[n] for n in names]

    X = np.array([row(q) for q in texts] + [row(q["question"]) for q in oos])
    y = np.r_[np.ones(len(texts)), np.zeros(len(oos))]
    rng = np.random.default_rng(0)
    z_cv = np.zeros(len(y))
    for fold in np.array_split(rng.permutation(len(y)), 5):
        train = np.setdiff1d(np.arange(len(y)), fold)
        w, bias = fit_logistic(X[train], y[train])
        z_cv[fold] = X[fold] @ w + bias
    shift = -float(np.percentile(z_cv[y == 1], REFUSE_SHARE * 100))
    print(f"cross-validated: oos caught {(z_cv[y == 0] + shift < 0).mean():.3f}, "
          f"in-scope refused {(z_cv[y == 1] + shift < 0).mean():.3f}")
    w, bias = fit_logistic(X, y)
    z = X @ w + bias
    bias += -float(np.percentile(z[y == 1], REFUSE_SHARE * 100))
    print(f"fitted on all: oos caught {((X @ w + bias)[y == 0] < 0).mean():.3f}, "
          f"in-scope refused {((X @ w + bias)[y == 1] < 0).mean():.3f}")
    out = replace(cfg, conf_weights={n: round(float(v), 3) for n, v in zip(names, w)}, conf_bias=round(bias, 3))
    print(json.dumps({"weights": weights, "b": b, "fusion": out.to_dict()}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
