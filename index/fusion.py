"""Fusing BM25 and dense scores into one ranking, and a calibrated confidence. Pure functions; every weight
lives in FusionConfig (tuned on the dev set with `python -m eval tune`)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class FusionConfig:
    # Defaults tuned on the dev set only (`python -m eval tune`, 362 questions + 52 out-of-scope).
    w_sparse: float = 0.7        # weight of the saturated BM25 score s/(s+bm25_half)
    w_dense: float = 0.3         # weight of the cosine similarity
    bm25_half: float = 10.0      # BM25 score that counts as half a match
    dense_floor: float = 0.0     # cosine below this counts as no similarity at all
    candidates: int = 50         # taken from each retriever before fusing
    # confidence = sigmoid(conf_score*fused + conf_cover*coverage + conf_dense*cosine + conf_bias), a logistic
    # model fitted on dev in-scope vs out-of-scope questions (`python -m eval tune`); 0.5 is the decision point.
    # coverage = share of the question's own words (before synonyms) that occur in the index vocabulary.
    conf_score: float = 15.07
    conf_cover: float = 5.40
    conf_dense: float = 4.93
    conf_bias: float = -14.05
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


def confidence(score: float, cfg: FusionConfig, coverage: float = 1.0, cosine: float = 0.0) -> float:
    """Calibrated probability that a hit with this fused score answers an in-scope question."""
    z = cfg.conf_score * score + cfg.conf_cover * coverage + cfg.conf_dense * cosine + cfg.conf_bias
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
