"""Fits the ranking (which of a question's candidates answers it) and the confidence (in-scope vs out-of-scope)
on the dev set only, with scikit-learn, cross-validated; saves them to index/data/fusion.json with the data they
were fitted on. The learned ranking is kept only when it measures at least as well as the hand-set fusion.

python -m eval.tune [--dry-run]"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from index.bm25 import SparseBM25
from index.fusion import FusionConfig
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


def candidate_rows(idx, questions: list[str]):
    """For each question: its candidates' RANK_FEATURES (rows), their record positions, and the question-level
    confidence features, from the index's own retrieval (the same code path as search)."""
    from index.fusion import RANK_FEATURES, candidate_features
    out = []
    for q in questions:
        fixed = idx.tokenizer.correct(q)
        qv = idx.encode_query(q, fixed)
        sparse, dense, sections, cov = idx.candidates(q, qv, fixed, idx.fusion.candidates)
        feats = candidate_features(sparse, dense, idx.fusion, sections, cov)
        ids = sorted(feats)
        X = np.array([[feats[i][n] for n in RANK_FEATURES] for i in ids]).reshape(len(ids), len(RANK_FEATURES))
        out.append((X, np.array(ids), idx.query_features(q, qv, fixed), (sparse, dense, cov)))
    return out


def fit_ranking(rows, gold_sets, folds: int = 5):
    """Pointwise logistic regression (candidate answers the question or not), cross-validated by question:
    returns (cv top1 learned, top1 hand-set, model fitted on all)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    X = np.vstack([r[0] for r in rows])
    y = np.concatenate([np.isin(r[1], list(g)) for r, g in zip(rows, gold_sets)]).astype(int)
    groups = np.concatenate([[n] * len(r[1]) for n, r in enumerate(rows)])
    z = np.zeros(len(y))
    for train, test in GroupKFold(folds).split(X, y, groups):
        z[test] = LogisticRegression(C=1.0, max_iter=2000).fit(X[train], y[train]).decision_function(X[test])
    hits, start = [], 0
    for r in rows:
        n = len(r[1])
        hits.append(y[start + int(np.argmax(z[start:start + n]))] if n else 0)
        start += n
    model = LogisticRegression(C=1.0, max_iter=2000).fit(X, y)
    return float(np.mean(hits)), model


def main(argv: list[str] | None = None) -> int:
    """Fit the ranking and the confidence on the dev set (eval/data: in-scope questions with gold, out-of-scope
    questions), cross-validated, and save them to index/data/fusion.json with what they were fitted on."""
    import argparse
    argparse.ArgumentParser(prog="python -m eval tune", description=main.__doc__.split("\n")[0]).parse_args(argv)
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from index.fusion import FITTED, RANK_FEATURES, FusionConfig, fuse

    idx = open_index()
    base = FusionConfig(rank_weights={}, rank_bias=0.0)
    idx.fusion = base
    qs, oos = _load("questions.jsonl"), _load("oos.jsonl")
    pos = {r.id: i for i, r in enumerate(idx.records)}
    gold_sets = [{pos[g] for g in q["gold"] if g in pos} for q in qs]
    rows = candidate_rows(idx, [q["question"] for q in qs])
    orows = candidate_rows(idx, [q["question"] for q in oos])
    hand = np.mean([bool(fuse(s, d, base, {i: idx.records[i].section for i in set(s) | set(d)}))
                    and fuse(s, d, base, {i: idx.records[i].section for i in set(s) | set(d)})[0][0] in g
                    for (_, _, _, (s, d, _)), g in zip(rows, gold_sets)])
    cv_top1, model = fit_ranking(rows, gold_sets)
    print(f"ranking on {len(qs)} dev questions: hand-set fusion top1 {hand:.3f}, "
          f"learned (5-fold by question) top1 {cv_top1:.3f}")
    learned = cv_top1 >= hand
    cfg = FusionConfig(rank_weights={n: round(float(w), 4) for n, w in zip(RANK_FEATURES, model.coef_[0])}
                       if learned else {}, rank_bias=round(float(model.intercept_[0]), 4) if learned else 0.0)
    idx.fusion = cfg
    names = list(CONF_FEATURES) + ["title_cov", "sparse", "margin"]

    def conf_row(r):
        _, _, qf, (s, d, cov) = r
        ranked = fuse(s, d, cfg, {i: idx.records[i].section for i in set(s) | set(d)}, cov)
        if not ranked:
            return [0.0] * len(names)
        qf = dict(qf, margin=ranked[0][1] - ranked[1][1] if len(ranked) > 1 else ranked[0][1])
        f = qf | idx.hit_features(ranked[0][0], ranked[0][1], s, d, cov)
        return [f.get(n, 0.0) for n in names]

    X = np.array([conf_row(r) for r in rows] + [conf_row(r) for r in orows])
    y = np.r_[np.ones(len(rows)), np.zeros(len(orows))].astype(int)
    clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)
    z_cv = cross_val_predict(clf, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0), method="decision_function")
    shift = -float(np.percentile(z_cv[y == 1], REFUSE_SHARE * 100))
    caught, refused = float((z_cv[y == 0] + shift < 0).mean()), float((z_cv[y == 1] + shift < 0).mean())
    print(f"confidence (5-fold cross-validated): out-of-scope refused {caught:.3f}, in-scope refused {refused:.3f}")
    clf.fit(X, y)
    z = clf.decision_function(X)
    bias = float(clf.intercept_[0]) - float(np.percentile(z[y == 1], REFUSE_SHARE * 100))
    out = {"rank_weights": cfg.rank_weights, "rank_bias": cfg.rank_bias,
           "conf_weights": {n: round(float(w), 4) for n, w in zip(names, clf.coef_[0])}, "conf_bias": round(bias, 4),
           "fitted_on": {"data": "eval/data/questions.jsonl + eval/data/oos.jsonl", "in_scope": len(qs),
                         "out_of_scope": len(oos), "estimator": "sklearn LogisticRegression",
                         "ranking": "learned" if learned else "hand-set (learned measured worse)",
                         "cv_top1_learned": round(cv_top1, 4), "top1_hand_set": round(float(hand), 4),
                         "cv_oos_refused": round(caught, 4), "cv_in_scope_refused": round(refused, 4)}}
    if "--dry-run" not in (argv or []):
        FITTED.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"saved to {FITTED} (the index is rebuilt on next open: the fitted models are part of it)")
    print(json.dumps(out["fitted_on"], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
