"""The learned ranking and confidence: pure functions on hand-made candidate lists, exact expectations."""

import math

import pytest

from index.fusion import FusionConfig, candidate_features, confidence, fuse

HAND = FusionConfig(rank_weights={}, rank_bias=0.0)


def test_candidate_features_on_a_hand_made_pair():
    f = candidate_features({1: 10.0, 2: 5.0}, {1: 0.2, 2: 0.6}, HAND, {1: "service", 2: "duty"}, {1: 1.0})
    assert f[1]["sparse"] == pytest.approx(0.5)        # 10 / (10 + bm25_half 10)
    assert f[2]["sparse_rel"] == pytest.approx(0.5)    # 5 / the best BM25 10
    assert f[1]["dense_rel"] == pytest.approx(-0.4)    # 0.2 − the best cosine 0.6
    assert f[1]["title_cov"] == 1.0 and f[2]["title_cov"] == 0.0 and f[2]["duty"] == 1.0 and f[1]["duty"] == 0.0


def test_a_learned_ranking_orders_by_its_weights():
    # weight only on sparse_rel: the clear BM25 winner leads whatever the cosine says
    cfg = FusionConfig(rank_weights={"sparse_rel": 4.0}, rank_bias=-2.0)
    ranked = fuse({1: 10.0, 2: 5.0}, {1: 0.1, 2: 0.9}, cfg, {1: "service", 2: "service"}, {})
    assert [i for i, _ in ranked] == [1, 2]
    assert ranked[0][1] == pytest.approx(1 / (1 + math.exp(-2.0)))   # sigmoid(−2 + 4·1)
    assert ranked[1][1] == pytest.approx(0.5)                        # sigmoid(−2 + 4·0.5)


def test_without_learned_weights_the_hand_set_fusion_is_used():
    ranked = fuse({1: 10.0}, {1: 0.5}, HAND)
    assert ranked == [(1, pytest.approx(0.7 * 0.5 + 0.3 * 0.5))]   # 0.7·10/(10+10) + 0.3·0.5


def test_confidence_uses_the_title_coverage_it_was_fitted_with():
    cfg = FusionConfig(conf_weights={"title_cov": 4.0}, conf_bias=-2.0)
    assert confidence({"title_cov": 1.0}, cfg) == pytest.approx(1 / (1 + math.exp(-2.0)))
    assert confidence({"title_cov": 0.5}, cfg) == pytest.approx(0.5)
