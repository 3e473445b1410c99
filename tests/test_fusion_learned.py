"""The learned ranking, its per-field features, the question-text model and the confidence: pure functions on
hand-made candidates and tiny record sets, exact expectations."""

import math

import numpy as np
import pytest

from corpus.records import Contact, Record, WorkItem
from index import domain
from index.features import RecordTerms, candidate_features, own_weights, question_groups, question_intents
from index.fusion import FusionConfig, confidence, fuse
from index.tokenize import Tokenizer, bigrams

HAND = FusionConfig(rank_weights={}, rank_bias=0.0, rank_trees={})


def rec(i, title, content="", section="service", phones=(), items=(), materials=""):
    contacts = (Contact(office=materials or "窗口", phones=tuple(phones)),)
    return Record(id=f"t-{section}-{i}", source="t", bureau="测试局", region="测试县", section=section, n=i,
                  serial=str(i), title=title, content=content, contacts=contacts,
                  items=tuple(WorkItem(text=t) for t in items), departments=(), parts=(), file="t.txt", lines=(i, i))


@pytest.fixture(scope="module")
def tok():
    return Tokenizer()


def test_features_tell_the_matter_from_the_materials(tok):
    records = [rec(0, "社保卡办理", "社保卡补办、挂失", phones=["0898-1"], materials="身份证复印件"),
               rec(1, "劳动监察", section="duty", items=["查处拖欠工资"])]
    words = tok.tokens("身份证丢了怎么补办")        # 身份证 (and 身份 inside it), 补办; 丢, 怎么: single/stopwords
    own = {w: 1.0 for w in words}
    f = candidate_features({0: 10.0, 1: 5.0}, {0: 0.2, 1: 0.6}, records, RecordTerms(tok, bigrams), own,
                           question_intents("身份证丢了怎么补办"), bm25_half=10.0)
    assert set(words) == {"身份证", "身份", "补办"}
    assert f[0]["sparse"] == pytest.approx(0.5)        # 10 / (10 + bm25_half 10)
    assert f[1]["sparse_rel"] == pytest.approx(0.5)    # 5 / the best BM25 10
    assert f[0]["dense_rel"] == pytest.approx(-0.4)    # 0.2 − the best cosine 0.6
    assert f[0]["matter_cov"] == pytest.approx(1 / 3)  # 补办 is the record's matter …
    assert f[0]["rest_only"] == pytest.approx(2 / 3)   # … 身份证 and 身份 only its materials (the office cell here)
    assert f[0]["title_cov"] == 0.0 and f[0]["phone"] == 1.0 and f[0]["act_service"] == 1.0
    assert f[1]["duty"] == 1.0 and f[1]["matter_cov"] == 0.0 and f[1]["act_service"] == 0.0


def test_the_rarest_word_decides_key_matter(tok):
    records = [rec(0, "社保卡补办"), rec(1, "养老保险参保登记")]
    vocab = {"社保卡": 0, "补办": 1, "养老保险": 2}
    idf = np.array([2.0, 0.5, 1.0], dtype=np.float32)
    own = own_weights(["社保卡", "补办", "火星", "材料"], vocab, idf)
    assert own == {"社保卡": 2.0, "补办": 0.5, "火星": 2.0}      # an unknown word weighs the largest idf; the
    assert own_weights(["材料"], vocab, idf) == {"材料": 2.0}      # aspect word 材料 counts only when it is all
    f = candidate_features({0: 1.0, 1: 1.0}, {}, records, RecordTerms(tok, bigrams), own, set(), 10.0, vocab=vocab)
    assert f[0]["key_matter"] == 1.0 and f[1]["key_matter"] == 0.0   # 社保卡 (idf 2, known) is the key word
    assert f[0]["title_cov"] == pytest.approx(2.5 / 4.5)            # 社保卡 + 补办 of 社保卡 + 补办 + 火星
    # title words not asked (1 each without idf): 社保 of 社保卡/社保/补办; all six of 养老保险参保登记's
    assert f[0]["title_extra"] == pytest.approx(1 / 3) and f[1]["title_extra"] == 1.0


def test_intents_are_data():
    assert question_intents("公司不给休年假，算不算违法") == {"rule"}
    assert question_intents("社保卡丢了去哪补办") == {"act"}
    assert question_intents("你好") == set()


def test_a_learned_ranking_orders_by_its_weights():
    # weight only on sparse_rel: the clear BM25 winner leads whatever the cosine says
    cfg = FusionConfig(rank_weights={"sparse_rel": 4.0}, rank_bias=-2.0, rank_trees={})
    feats = {1: {"sparse_rel": 1.0}, 2: {"sparse_rel": 0.5}}
    ranked = fuse({1: 10.0, 2: 5.0}, {1: 0.1, 2: 0.9}, cfg, {1: "service", 2: "service"}, feats)
    assert [i for i, _ in ranked] == [1, 2]
    assert ranked[0][1] == pytest.approx(1 / (1 + math.exp(-2.0)))   # sigmoid(−2 + 4·1)
    assert ranked[1][1] == pytest.approx(0.5)                        # sigmoid(−2 + 4·0.5)


def test_without_learned_weights_the_hand_set_fusion_is_used():
    ranked = fuse({1: 10.0}, {1: 0.5}, HAND)
    assert ranked == [(1, pytest.approx(0.7 * 0.5 + 0.3 * 0.5))]   # 0.7·10/(10+10) + 0.3·0.5


def test_confidence_uses_the_features_it_was_fitted_with():
    cfg = FusionConfig(conf_weights={"title_cov": 4.0, "text": 2.0}, conf_bias=-3.0)
    assert confidence({"title_cov": 1.0, "text": 0.5}, cfg) == pytest.approx(1 / (1 + math.exp(-2.0)))
    assert confidence({"title_cov": 0.5, "text": 0.5}, cfg) == pytest.approx(0.5)


def test_question_text_features_are_hashed_grams():
    assert domain.grams("社保卡", ["社保卡"]) == ["社", "保", "卡", "^社", "社保", "保卡", "卡$", "^社保", "社保卡",
                                                  "保卡$", "w:社保卡"]
    c, v = domain.hashed("社保卡", ["社保卡"])
    assert len(c) == 11 and float(np.linalg.norm(v)) == pytest.approx(1.0)   # 11 grams, L2-normalised
    assert domain.hashed("", []) [0].size == 0


def test_the_question_text_model_scores_with_its_weights():
    w = np.zeros(domain.N_FEATURES, dtype=np.float32)
    c, v = domain.hashed("社保", [])
    w[c] = 1.0                                    # every gram of 社保 weighs 1
    m = domain.DomainModel(w, bias=-1.0)
    z = -1.0 + float(v.sum())                     # bias + Σ weight·value over the 5 grams (each 1/√5)
    assert m.probability("社保", []) == pytest.approx(1 / (1 + math.exp(-z)))
    assert m.probability("驾照", []) == pytest.approx(1 / (1 + math.exp(1.0)))   # no gram known: the bias alone
    with pytest.raises(ValueError, match="eval tune"):
        domain.DomainModel(np.zeros(3, dtype=np.float32), 0.0)


def test_a_group_the_question_does_not_name_and_the_words_a_phrase_stands_for(tok):
    records = [rec(0, "解决原辞退民办教师遗留问题咨询服务"), rec(1, "劳动人事争议调解仲裁", section="duty"),
               rec(2, "医疗保险参保登记")]
    own = {"辞退": 2.0}
    terms = RecordTerms(tok, bigrams)
    plain = candidate_features({0: 1.0, 1: 1.0}, {}, records, terms, own, set(), 10.0,
                               named=question_groups("被辞退了怎么办"))
    assert plain[0]["group_unmet"] == 1.0 and plain[1]["group_unmet"] == 0.0     # 民办教师 not named
    assert plain[1]["matter_cov"] == 0.0                                         # 仲裁 is not 辞退 …
    named = candidate_features({0: 1.0}, {}, records, terms, own, set(), 10.0, named=question_groups("民办老师被辞退了"))
    assert named[0]["group_unmet"] == 0.0                                        # 民办老师 names the group
    concepts = {"辞退": frozenset({"劳动争议", "仲裁"})}
    f = candidate_features({0: 1.0, 1: 1.0}, {}, records, terms, own, set(), 10.0, concepts=concepts,
                           expanded={"仲裁": 0.5, "劳动争议": 0.5})
    assert f[1]["matter_cov"] == 1.0 and f[1]["title_cov"] == 1.0               # … unless the table says it stands for it
    assert f[1]["expanded_cov"] == pytest.approx(0.5)                            # 仲裁 of 仲裁 + 劳动争议 (equal weights)
    assert Tokenizer(synonyms=[("医保", "医疗保险")]).concepts("给孩子办医保", ["孩子", "医保"]) == \
        {"医保": frozenset({"医疗保险"})}


def test_places_are_not_matter_words():
    vocab, idf = {"洋浦": 0, "缴费": 1, "明细": 2}, np.array([1.5, 1.8, 3.8], dtype=np.float32)
    assert own_weights(["洋浦", "缴费", "明细"], vocab, idf, frozenset({"洋浦"})) == \
        {"缴费": pytest.approx(1.8), "明细": pytest.approx(3.8)}
    assert own_weights(["洋浦"], vocab, idf, frozenset({"洋浦"})) == {"洋浦": 1.5}   # all there is: kept


def test_exported_trees_score_exactly_as_scikit_learn():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from eval.tune import export_trees
    from index.fusion import learned_scores, tree_logits
    rng = np.random.default_rng(0)
    X = rng.random((600, 3))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0.8).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=7, random_state=0).fit(X, y)
    trees = export_trees(model, ("a", "b", "c"))
    assert len(trees["trees"]) == 30
    np.testing.assert_allclose(tree_logits(X, trees), model.decision_function(X), rtol=0, atol=1e-9)
    both = FusionConfig(rank_weights={"a": 2.0}, rank_bias=-1.0, rank_trees=trees)
    p = learned_scores({0: {"a": 0.3, "b": 0.1, "c": 0.9}}, both)[0]
    z = (tree_logits([[0.3, 0.1, 0.9]], trees)[0] + (2.0 * 0.3 - 1.0)) / 2      # the two logits averaged
    assert p == pytest.approx(1 / (1 + math.exp(-z)))
