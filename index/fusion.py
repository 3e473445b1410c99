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

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def for_encoder(cls, encoder: str) -> FusionConfig:
        """The fitted models when they were fitted with this encoder's cosines, else the hand-set fusion and the
        fallback confidence (after swapping the encoder, re-fit with `python -m eval tune`)."""
        if fitted().get("fitted_on", {}).get("encoder", "use") == encoder:
            return cls()
        return cls(rank_weights={}, rank_bias=0.0, conf_weights=dict(CONF_WEIGHTS), conf_bias=CONF_BIAS)


def fused_score(bm25: float, cosine: float, cfg: FusionConfig) -> float:
    s = bm25 / (bm25 + cfg.bm25_half) if bm25 > 0 else 0.0
    d = max(0.0, (cosine - cfg.dense_floor) / (1.0 - cfg.dense_floor))
    return cfg.w_sparse * s + cfg.w_dense * d


def learned_score(features: dict[str, float], cfg: FusionConfig) -> float:
    z = cfg.rank_bias + sum(w * features.get(n, 0.0) for n, w in cfg.rank_weights.items())
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def fuse(bm25: dict[int, float], dense: dict[int, float], cfg: FusionConfig,
         sections: dict[int, str] | None = None, features: dict[int, dict] | None = None) -> list[tuple[int, float]]:
    """Rank the union of both candidate sets: by the learned ranking when cfg has one (it scores `features`, the
    index/features.py RANK_FEATURES of each candidate), else by the hand-set fused score plus cfg.section_prior.
    A candidate missing from one side scores 0 there. Ties break by id (reproducible)."""
    ids = set(bm25) | set(dense)
    if cfg.rank_weights and features is not None:
        scored = [(i, learned_score(features[i], cfg)) for i in ids]
        return sorted(scored, key=lambda x: (-x[1], x[0]))
    prior = cfg.section_prior if sections else {}
    scored = [(i, fused_score(bm25.get(i, 0.0), dense.get(i, 0.0), cfg) + prior.get(sections[i], 0.0)
               if prior else fused_score(bm25.get(i, 0.0), dense.get(i, 0.0), cfg)) for i in ids]
    return sorted(scored, key=lambda x: (-x[1], x[0]))


def confidence(features: dict[str, float], cfg: FusionConfig) -> float:
    """Calibrated probability that a hit answers an in-scope question, from the features named in cfg."""
    z = cfg.conf_bias + sum(w * features.get(name, 0.0) for name, w in cfg.conf_weights.items())
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
