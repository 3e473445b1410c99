"""Fusing BM25 and dense scores into one ranking, and a calibrated confidence. Pure functions; every weight
lives in FusionConfig (tuned on the dev set with `python -m eval tune`)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


# Fitted by `python -m eval tune` on 520 in-scope and 99 out-of-scope dev questions (5-fold cross-validated:
# 89.9% of out-of-scope caught with 3.7% of in-scope refused).
CONF_WEIGHTS = {"score": 14.166, "coverage": 9.553, "dense": 1.534, "idf_coverage": -5.098, "domain": 8.987}
CONF_BIAS = -14.354


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
    conf_weights: dict = field(default_factory=lambda: dict(CONF_WEIGHTS))
    conf_bias: float = CONF_BIAS
    section_prior: dict = field(default_factory=lambda: {"duty": -0.03})  # added by register part

    def to_dict(self) -> dict:
        return asdict(self)


def fused_score(bm25: float, cosine: float, cfg: FusionConfig) -> float:
    s = bm25 / (bm25 + cfg.bm25_half) if bm25 > 0 else 0.0
    d = max(0.0, (cosine - cfg.dense_floor) / (1.0 - cfg.dense_floor))
    return cfg.w_sparse * s + cfg.w_dense * d


def fuse(bm25: dict[int, float], dense: dict[int, float], cfg: FusionConfig,
         sections: dict[int, str] | None = None) -> list[tuple[int, float]]:
    """Rank the union of both candidate sets by fused score; a candidate missing from one side scores 0 there.
    `sections` (candidate → register part) applies cfg.section_prior. Ties break by id (reproducible)."""
    ids = set(bm25) | set(dense)
    prior = cfg.section_prior if sections else {}
    scored = [(i, fused_score(bm25.get(i, 0.0), dense.get(i, 0.0), cfg) + prior.get(sections[i], 0.0)
               if prior else fused_score(bm25.get(i, 0.0), dense.get(i, 0.0), cfg)) for i in ids]
    return sorted(scored, key=lambda x: (-x[1], x[0]))


def confidence(features: dict[str, float], cfg: FusionConfig) -> float:
    """Calibrated probability that a hit answers an in-scope question, from the features named in cfg."""
    z = cfg.conf_bias + sum(w * features.get(name, 0.0) for name, w in cfg.conf_weights.items())
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
