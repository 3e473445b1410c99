"""Query words: typo correction never rewrites a correct word, synonym expansions weigh less than the citizen's
own words. Tiny vocabularies, exact expectations."""

import pytest

from index.tokenize import Tokenizer, sound_table

TERMS = ["老师", "补发", "补办", "检查", "检查人员", "监察", "社保卡", "仲裁", "登记", "等级", "工资"]
DF = {"登记": 9, "等级": 1}   # 登记 is the commoner homophone of 等记 (deng ji)


@pytest.fixture(scope="module")
def tok():
    t = Tokenizer(synonyms=[])
    t.use_terms(TERMS, sound_table("".join(TERMS)), DF)
    return t


@pytest.mark.parametrize("typo,fixed", [("社报卡丢了", "社保卡丢了"),        # 报 belongs to no word: 社|报|卡
                                        ("劳动中裁", "劳动仲裁"),            # 中|裁 → 仲裁
                                        ("拖欠公资", "拖欠工资")])
def test_a_character_in_no_word_is_corrected(tok, typo, fixed):
    assert tok.correct(typo) == fixed


@pytest.mark.parametrize("q", ["老板老是不给发工资",   # 是 is a grammatical word (stopword): not 老师
                               "厂里工资不发找谁",     # 不 standing alone: not 补发
                               "社保卡不办会怎样",     # not 补办
                               "劳动监察人员执法不公",  # 监察 is a word the register uses: not 检查人员
                               "失业等记"])             # 登记 would change 等 (a stopword); the rarer 等级 is no guess
def test_a_correct_word_is_never_rewritten(tok, q):
    assert tok.correct(q) == q


def test_synonym_expansions_weigh_less_than_the_questions_own_words():
    t = Tokenizer(synonyms=[("五险", "养老保险 医疗保险")], stopwords=frozenset({"怎么"}))
    w = t.query_weights("五险举报怎么办", fixed="五险举报怎么办", synonym_weight=0.5)
    assert w["举报"] == w["五险"] == 1.0                    # the citizen's own words count 1 each
    # the five expansion terms (养老保险, 养老, 保险, 医疗保险, 医疗) share 0.5 × 1 own word: 0.1 each
    assert sum(v for k, v in w.items() if k not in ("举报", "五险", "怎么办")) == pytest.approx(0.5)


def test_bm25_scores_a_weighted_query_as_the_weighted_sum_of_its_terms():
    from index.bm25 import SparseBM25
    bm = SparseBM25(k1=1.2, b=0.75).index([{"body": ["举报", "工资"]}, {"body": ["养老保险"]}, {"body": ["失业"]}])
    one = bm.scores(["举报"])
    both = bm.scores({"举报": 1.0, "养老保险": 0.25})
    assert both[0] == pytest.approx(one[0])                             # doc 0 has only 举报
    assert both[1] == pytest.approx(0.25 * bm.scores(["养老保险"])[1])   # doc 1 only the expansion, at a quarter
