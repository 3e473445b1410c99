"""Scoring functions: pure, on ranked id lists and gold id sets, no I/O.

Per-question functions (`rank_of`, `hit_at`, `reciprocal_rank`, `ndcg`) return one number; `mean` turns a
list of them into the figure reported. Ranks are 1-based; a ranked list may be shorter than k.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence


def rank_of(ranked: Sequence[str], gold: Collection[str]) -> int | None:
    """1-based rank of the first gold id in `ranked`, or None when no gold id was returned."""
    for i, rid in enumerate(ranked, 1):
        if rid in gold:
            return i
    return None


def hit_at(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """1.0 when ANY gold id is among the first k returned ids, else 0.0.

    Averaged over questions this is our Recall@k: the fraction of questions whose right record (any of their
    gold records: a question without a place has one gold record per region) is within the top k. It is not
    the IR "fraction of all gold ids retrieved", which would punish a question for having five valid answers.
    Top-1 accuracy is `hit_at(…, 1)`.
    """
    _check_k(k)
    r = rank_of(ranked[:k], gold)
    return 1.0 if r is not None else 0.0


def reciprocal_rank(ranked: Sequence[str], gold: Collection[str], k: int = 10) -> float:
    """1/rank of the first gold id within the top k, 0.0 if none (averaged: MRR@k)."""
    _check_k(k)
    r = rank_of(ranked[:k], gold)
    return 1.0 / r if r is not None else 0.0


def ndcg(ranked: Sequence[str], gold: Collection[str], k: int = 10) -> float:
    """nDCG@k with binary relevance: every gold id counts 1, anything else 0.

    DCG = sum over returned positions i (1-based, i<=k) of rel_i / log2(i+1); the ideal DCG puts
    min(len(gold), k) relevant ids first. A repeated id only counts once.
    """
    _check_k(k)
    if not gold:
        raise ValueError("ndcg needs at least one gold id; the dataset loader rejects empty golds")
    seen: set[str] = set()
    dcg = 0.0
    for i, rid in enumerate(ranked[:k], 1):
        if rid in gold and rid not in seen:
            dcg += 1.0 / math.log2(i + 1)
        seen.add(rid)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold), k) + 1))
    return dcg / ideal


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean; an empty list is an error, not a silent zero."""
    if not values:
        raise ValueError("mean of no values; is the question list empty?")
    return sum(values) / len(values)


def percentile(values: Sequence[float], p: float = 95.0) -> float:
    """Nearest-rank percentile: the smallest value with at least p% of values at or below it.

    Always one of the measured values (p95 of 20 latencies is the 19th smallest).
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < p <= 100:
        raise ValueError(f"p={p}; use 0 < p <= 100")
    ordered = sorted(values)
    return ordered[math.ceil(p / 100 * len(ordered)) - 1]


def oos_scores(flagged_oos: Sequence[bool], flagged_in: Sequence[bool]) -> dict[str, float]:
    """Out-of-scope detection, with out-of-scope questions as the positives.

    `flagged_oos`: the bot's out_of_scope flag on each out-of-scope question; `flagged_in`: on each
    in-scope question. precision = TP / (TP + FP) (0.0 when nothing was flagged), recall = TP / #oos,
    false_rejection = FP / #in-scope (in-scope questions the bot refused to answer).
    """
    if not flagged_oos or not flagged_in:
        raise ValueError("oos scores need both out-of-scope and in-scope questions")
    tp = sum(bool(f) for f in flagged_oos)
    fp = sum(bool(f) for f in flagged_in)
    return {"precision": tp / (tp + fp) if tp + fp else 0.0, "recall": tp / len(flagged_oos),
            "false_rejection": fp / len(flagged_in)}


def accuracy(predicted: Sequence[object], expected: Sequence[object]) -> float:
    """Fraction of positions where predicted == expected (rule verdicts; a missing verdict is None)."""
    if len(predicted) != len(expected):
        raise ValueError(f"{len(predicted)} predictions for {len(expected)} expected values")
    return mean([1.0 if p == e else 0.0 for p, e in zip(predicted, expected)])


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k={k}; use k>=1")
