"""Fusing BM25 and dense scores into one ranking, and a calibrated confidence. Pure functions; every weight
lives in FusionConfig. Its defaults come from `index/data/fusion.json`, written by `python -m eval tune`
(scikit-learn logistic models fitted with cross-validation on the dev set; the file says what they were fitted
on). Without a learned ranking, the hand-set fusion 0.7·BM25/(BM25+10) + 0.3·cosine is used."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

FITTED = Path(__file__).resolve().parent / "data" / "fusion.json"
# Fallback when no fitted file exists: fitted by the earlier tune on 520 in-scope and 99 out-of-scope questions.
CONF_WEIGHTS = {"score": 14.166, "coverage": 9.553, "dense": 1.534, "idf_coverage": -5.098, "domain": 8.987}
CONF_BIAS = -14.354


@lru_cache(maxsize=1)
def fitted() -> dict:
    """The models `python -m eval tune` saved (empty when none): rank_weights, rank_bias, conf_weights, conf_bias."""
    return json.loads(FITTED.read_text(encoding="utf-8")) if FITTED.exists() else {}


@dataclass(frozen=True)
class FusionConfig:
    # Defaults tuned on the dev set only (`python -m eval tune`, 520 questions + 99 out-of-scope).
    w_sparse: float = 0.7        # weight of the saturated BM25 score s/(s+bm25_half)
    w_dense: float = 0.3         # weight of the cosine similarity
    bm25_half: float = 10.0      # BM25 score that counts as half a match
    dense_floor: float = 0.0     # cosine below this counts as no similarity at all
    candidates: int = 50         # taken from each retriever before fusing
    # confidence = sigmoid(Σ conf_weights[f] * feature f + conf_bias): a logistic model fitted on the dev set's
    # in-scope vs out-of-scope questions (`python -m eval tune`); 0.5 is the decision point. Features (all 0–1):
    #   score     the hit's fused score            dense     the hit's cosine similarity
    #   coverage  share of the question's own words (before synonyms) in the index vocabulary
    #   idf_coverage  the same, weighted by idf (unknown words weigh the largest idf)
    #   domain    cosine between the question and the centroid of all record vectors
    #   text      the question's in-domain probability from its words alone (index/domain.py)
    #   amount    1 when the question asks for a figure (index/data/intents.toml: 多少钱, 比例, 怎么算 …)
    #   margin    the top hit's score minus the second's
    #   and any of the hit's RANK_FEATURES (index/features.py: title_cov, matter_cov, rest_only, sparse …)
    conf_weights: dict = field(default_factory=lambda: dict(fitted().get("conf_weights", CONF_WEIGHTS)))
    conf_bias: float = field(default_factory=lambda: fitted().get("conf_bias", CONF_BIAS))
    section_prior: dict = field(default_factory=lambda: {"duty": -0.03})  # added by register part (hand-set)
    # learned ranking: score = sigmoid(rank_bias + Σ rank_weights[f] · feature f); empty → hand-set fusion
    rank_weights: dict = field(default_factory=lambda: dict(fitted().get("rank_weights", {})))
    rank_bias: float = field(default_factory=lambda: fitted().get("rank_bias", 0.0))
    # or, when `python -m eval tune` found them better, gradient-boosted trees over the same features:
    # {"features": [names], "baseline": logit, "trees": [{"feature", "threshold", "left", "right", "leaf", "value"}]}
    # (score = sigmoid(baseline + Σ the leaf value each tree reaches); a node sends x[feature] <= threshold left)
    rank_trees: dict = field(default_factory=lambda: dict(fitted().get("rank_trees", {})))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def for_encoder(cls, encoder: str) -> FusionConfig:
        """The fitted models when they were fitted with this encoder's cosines, else the hand-set fusion and the
        fallback confidence (after swapping the encoder, re-fit with `python -m eval tune`)."""
        if fitted().get("fitted_on", {}).get("encoder", "use") == encoder:
            return cls()
        return cls(rank_weights={}, rank_bias=0.0, rank_trees={}, conf_weights=dict(CONF_WEIGHTS),
                   conf_bias=CONF_BIAS)

    @property
    def learned(self) -> bool:
        """True when the ranking is a fitted model (trees or weights), not the hand-set fusion."""
        return bool(self.rank_trees or self.rank_weights)


def fused_score(bm25: float, cosine: float, cfg: FusionConfig) -> float:
    s = bm25 / (bm25 + cfg.bm25_half) if bm25 > 0 else 0.0
    d = max(0.0, (cosine - cfg.dense_floor) / (1.0 - cfg.dense_floor))
    return cfg.w_sparse * s + cfg.w_dense * d


_PACKED: dict[int, tuple] = {}   # id(model["trees"]) → (that list, its packed arrays): packed once per model


def _packed(model: dict):
    """All trees' nodes in flat arrays (feature, threshold, left, right, value; a leaf points to itself), each
    tree's root offset, and the most steps any row needs (the deepest leaf)."""
    import numpy as np
    trees = model["trees"]
    hit = _PACKED.get(id(trees))
    if hit is not None and hit[0] is trees:
        return hit[1]
    feat, thr, left, right, value, roots, depth = [], [], [], [], [], [], 0
    for t in trees:
        base, n = len(value), len(t["value"])
        roots.append(base)
        leaf = np.asarray(t["leaf"], dtype=bool)
        own = np.arange(base, base + n)
        feat.append(np.where(leaf, 0, t["feature"]))
        thr.append(np.where(leaf, np.inf, t["threshold"]))     # a leaf sends every row "left", to itself
        left.append(np.where(leaf, own, np.asarray(t["left"]) + base))
        right.append(np.where(leaf, own, np.asarray(t["right"]) + base))
        value += list(t["value"])
        d = np.zeros(n, dtype=int)                              # each node's depth, parents before children
        for i in range(n):
            if not leaf[i]:
                d[t["left"][i]] = d[t["right"][i]] = d[i] + 1
        depth = max(depth, int(d.max()))
    packed = (np.concatenate(feat).astype(np.int64), np.concatenate(thr), np.concatenate(left).astype(np.int64),
              np.concatenate(right).astype(np.int64), np.asarray(value), np.asarray(roots, dtype=np.int64), depth)
    _PACKED[id(trees)] = (trees, packed)
    return packed


def tree_logits(X, model: dict):
    """Raw scores (logits) of gradient-boosted trees (`FusionConfig.rank_trees`) for the rows of X, an
    (n, len(model["features"])) array: the baseline plus, for each tree, the value of the leaf a row reaches
    (all trees walked together, one level per step). Exported from scikit-learn's HistGradientBoostingClassifier by
    `python -m eval tune` (same results)."""
    import numpy as np
    X = np.asarray(X, dtype=float).reshape(-1, len(model["features"]))
    if not len(X) or not model["trees"]:
        return np.full(len(X), float(model["baseline"]))
    feat, thr, left, right, value, roots, depth = _packed(model)
    flat = X.ravel()
    offset = (np.arange(len(X)) * X.shape[1])[None, :]    # (1, n): where each row starts in `flat`
    node = np.repeat(roots[:, None], len(X), axis=1)       # (T, n)
    for _ in range(depth):
        node = np.where(flat[offset + feat[node]] <= thr[node], left[node], right[node])
    return float(model["baseline"]) + value[node].sum(axis=0)


def learned_scores(features: dict[int, dict], cfg: FusionConfig) -> dict[int, float]:
    """{candidate: probability it answers the question} by the learned ranking in cfg: its trees, its weights, or
    both (their logits averaged)."""
    if cfg.rank_trees:
        import numpy as np
        ids = list(features)
        names = cfg.rank_trees["features"]
        z = tree_logits([[features[i].get(n, 0.0) for n in names] for i in ids], cfg.rank_trees) if ids else []
        if cfg.rank_weights:
            z = [(v + linear_logit(features[i], cfg)) / 2 for i, v in zip(ids, z)]
        return {i: float(1.0 / (1.0 + np.exp(-np.clip(v, -50.0, 50.0)))) for i, v in zip(ids, z)}
    return {i: learned_score(f, cfg) for i, f in features.items()}


def linear_logit(features: dict[str, float], cfg: FusionConfig) -> float:
    return cfg.rank_bias + sum(w * features.get(n, 0.0) for n, w in cfg.rank_weights.items())


def learned_score(features: dict[str, float], cfg: FusionConfig) -> float:
    z = linear_logit(features, cfg)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def fuse(bm25: dict[int, float], dense: dict[int, float], cfg: FusionConfig,
         sections: dict[int, str] | None = None, features: dict[int, dict] | None = None) -> list[tuple[int, float]]:
    """Rank the union of both candidate sets: by the learned ranking when cfg has one (it scores `features`, the
    index/features.py RANK_FEATURES of each candidate), else by the hand-set fused score plus cfg.section_prior.
    A candidate missing from one side scores 0 there. Ties break by id (reproducible)."""
    ids = set(bm25) | set(dense)
    if cfg.learned and features is not None:
        scores = learned_scores({i: features[i] for i in ids}, cfg)
        return sorted(scores.items(), key=lambda x: (-x[1], x[0]))
    prior = cfg.section_prior if sections else {}
    scored = [(i, fused_score(bm25.get(i, 0.0), dense.get(i, 0.0), cfg) + prior.get(sections[i], 0.0)
               if prior else fused_score(bm25.get(i, 0.0), dense.get(i, 0.0), cfg)) for i in ids]
    return sorted(scored, key=lambda x: (-x[1], x[0]))


def confidence(features: dict[str, float], cfg: FusionConfig) -> float:
    """Calibrated probability that a hit answers an in-scope question, from the features named in cfg."""
    z = cfg.conf_bias + sum(w * features.get(name, 0.0) for name, w in cfg.conf_weights.items())
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
