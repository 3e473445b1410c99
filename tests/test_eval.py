"""The evaluation harness on toy rankings and a three-question fixture dev set; no real index or model."""

import json
import math
from pathlib import Path

import pytest

from corpus.records import Record
from eval import metrics as m
from eval.__main__ import main
from eval.dataset import DatasetError, load_dataset, summary
from eval.run import Answer, gate_failures, load_thresholds, run, score, collect

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "eval"


# -- metrics on toy rankings ---------------------------------------------------------------------

def test_rank_hit_and_reciprocal_rank():
    ranked, gold = ["x", "g", "y"], {"g"}
    assert m.rank_of(ranked, gold) == 2          # g is second
    assert m.hit_at(ranked, gold, 1) == 0.0      # x is first, not gold
    assert m.hit_at(ranked, gold, 3) == 1.0      # g is within the first 3
    assert m.reciprocal_rank(ranked, gold) == 0.5  # 1 / rank 2
    assert m.rank_of(ranked, {"z"}) is None      # never returned


def test_recall_counts_any_gold_id_not_the_fraction_of_golds():
    # five valid answers (one per region); only one returned, at rank 2: the question still counts as found
    assert m.hit_at(["x", "g1"], {"g1", "g2", "g3", "g4", "g5"}, 3) == 1.0


def test_cutoff_at_k():
    ranked = [f"x{i}" for i in range(10)] + ["g"]  # gold at rank 11
    assert m.hit_at(ranked, {"g"}, 10) == 0.0      # outside the top 10
    assert m.reciprocal_rank(ranked, {"g"}, 10) == 0.0
    assert m.ndcg(ranked, {"g"}, 10) == 0.0


def test_ndcg_binary_relevance():
    # one gold at rank 2: DCG = 1/log2(3), ideal = 1/log2(2) = 1  ->  0.6309
    assert m.ndcg(["x", "g", "y"], {"g"}) == pytest.approx(1 / math.log2(3))
    assert round(m.ndcg(["x", "g", "y"], {"g"}), 4) == 0.6309
    # two golds at ranks 1 and 3: DCG = 1 + 1/log2(4) = 1.5; ideal (ranks 1, 2) = 1 + 1/log2(3) = 1.6309
    assert round(m.ndcg(["g1", "x", "g2"], {"g1", "g2"}), 4) == round(1.5 / (1 + 1 / math.log2(3)), 4) == 0.9197
    # 12 golds, the 10 returned all gold: the ideal is over min(12, 10) = 10 positions, so 1.0
    golds = {f"g{i}" for i in range(12)}
    assert m.ndcg([f"g{i}" for i in range(10)], golds) == pytest.approx(1.0)
    # a repeated gold id counts once: DCG = 1 (rank 1 only), ideal = 1 -> 1.0, not more
    assert m.ndcg(["g", "g"], {"g"}) == pytest.approx(1.0)


def test_percentile_nearest_rank():
    assert m.percentile(list(range(1, 21)), 95) == 19   # ceil(0.95 * 20) = 19th smallest
    assert m.percentile([5, 1, 3], 95) == 5             # ceil(0.95 * 3) = 3rd smallest
    assert m.percentile([4, 3, 2, 1], 50) == 2          # ceil(0.5 * 4) = 2nd smallest
    with pytest.raises(ValueError):
        m.percentile([], 95)


def test_oos_scores():
    # 4 out-of-scope questions, 3 flagged (TP=3); 5 in-scope, 1 flagged (FP=1)
    s = m.oos_scores([True, True, False, True], [False, True, False, False, False])
    assert s == {"precision": 0.75,        # 3 / (3 + 1)
                 "recall": 0.75,           # 3 / 4
                 "false_rejection": 0.2}   # 1 / 5
    assert m.oos_scores([False], [False])["precision"] == 0.0  # nothing flagged: 0, not a division error


def test_accuracy_and_mean_reject_empty_input():
    assert m.accuracy(["eligible", None], ["eligible", "ineligible"]) == 0.5  # 1 of 2 right
    with pytest.raises(ValueError):
        m.mean([])
    with pytest.raises(ValueError):
        m.hit_at(["g"], {"g"}, 0)


# -- dataset validation --------------------------------------------------------------------------

def rec(rid, source, section, title):
    return Record(id=rid, source=source, bureau=f"{source}局", region=source, section=section, n=1, serial="1",
                  title=title)


RECORDS = [rec("a-service-1", "a", "service", "申报失业登记"), rec("a-duty-1", "a", "duty", "工伤认定"),
           rec("b-service-1", "b", "service", "申报失业登记"), rec("b-boundary-1", "b", "boundary", "劳动监察职责边界")]


def test_load_fixture_and_summary():
    dev = load_dataset(RECORDS, FIXTURE)
    assert [q.id for q in dev.questions] == ["q1", "q2", "q3"]
    assert dev.questions[0].gold == ("a-service-1", "b-service-1") and dev.questions[0].region is None
    assert dev.cases[0].turns == ("我能领失业金吗", "我交了两年社保，是被公司辞退的")
    s = summary(dev, RECORDS)
    assert (s["n"], s["oos"], s["cases"]) == (3, 2, 2)
    assert s["sources"] == {"a": 2, "b": 2}    # a: q1, q2; b: q1 (its second gold), q3
    assert s["sections"] == {"boundary": 1, "duty": 1, "service": 1}  # q1's two golds are both service: once
    assert s["styles"] == {"colloquial": 2, "register": 1}


def write_set(folder, questions, oos=None, cases=None):
    folder.mkdir(exist_ok=True)
    for name, rows in (("questions", questions), ("oos", oos or []), ("eligibility", cases or [])):
        (folder / f"{name}.jsonl").write_text("".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)
                                                      + "\n" for r in rows), encoding="utf-8")
    return folder


def q(qid, question, gold, **kw):
    return {"id": qid, "question": question, "gold": gold, "style": "colloquial", "region": None, **kw}


@pytest.mark.parametrize("rows, where, words", [
    ([q("q1", "失业登记", ["a-service-1"]), q("q2", "工伤", ["a-duty-9"])],
     "questions.jsonl:2:", "gold id 'a-duty-9' is not in the corpus"),
    ([q("q1", "失业登记", ["a-service-1"]), "\n", q("q2", "失业 登记", ["b-service-1"])],
     "questions.jsonl:3:", "repeats questions.jsonl:1"),          # line 2 is blank; whitespace is ignored
    ([q("q1", "失业登记", [])], "questions.jsonl:1:", "empty gold list"),
    ([{"id": "q1", "question": "失业登记", "style": "x"}], "questions.jsonl:1:", "missing field(s) gold"),
    ([q("q1", "失业登记", ["a-service-1"]), q("q1", "工伤", ["a-duty-1"])], "questions.jsonl:2:", "id 'q1' repeats"),
    (["{not json\n"], "questions.jsonl:1:", "not valid JSON"),
    ([q("q1", "失业登记", ["a-service-1"], region="c")], "questions.jsonl:1:", "region 'c' is not a source slug"),
])
def test_dataset_errors_name_file_and_line(tmp_path, rows, where, words):
    write_set(tmp_path / "set", rows)
    with pytest.raises(DatasetError) as err:
        load_dataset(RECORDS, tmp_path / "set")
    assert where in str(err.value) and words in str(err.value)


def test_oos_question_repeating_an_in_scope_one_is_an_error(tmp_path):
    write_set(tmp_path / "set", [q("q1", "失业登记", ["a-service-1"])], oos=[{"id": "o1", "question": "失业登记",
                                                                              "category": "x"}])
    with pytest.raises(DatasetError, match=r"oos.jsonl:1: question '失业登记' repeats questions.jsonl:1"):
        load_dataset(RECORDS, tmp_path / "set")


def test_missing_file_is_an_error(tmp_path):
    (tmp_path / "set").mkdir()
    with pytest.raises(DatasetError, match="questions.jsonl: does not exist"):
        load_dataset(RECORDS, tmp_path / "set")


def test_cli_reports_stale_gold_ids_with_exit_2(capsys):
    # the fixture's ids are not in the real corpus: the real CLI must refuse, naming file:line
    assert main(["run", "--methods", "bm25", "--data", str(FIXTURE)]) == 2
    assert "questions.jsonl:1: gold id 'a-service-1' is not in the corpus" in capsys.readouterr().err


# -- a fixture run with fake methods --------------------------------------------------------------

class Fake:
    """Answers from a table: question -> ranked ids; the bot flavour also flags oos and judges rules."""

    def __init__(self, name, table, flagged=(), verdicts=None):
        self.name, self.table, self.flagged = name, table, set(flagged)
        if verdicts is not None:
            self.judge = lambda turns, rule: verdicts.get(turns[-1])

    def ask(self, question, region=None):   # the fixture's region restricts nothing here: tables are per question
        return Answer(self.table.get(question, []), question in self.flagged if hasattr(self, "judge") else None)


BM25 = {"失业了怎么登记": ["a-duty-1", "b-service-1", "a-service-1"],  # gold at rank 2
        "甲地工伤怎么认定": ["a-duty-1"],                                # gold first
        "乙地老板欠薪找谁": ["a-service-1", "a-duty-1"]}                 # gold missing
PERFECT = {"失业了怎么登记": ["a-service-1"], "甲地工伤怎么认定": ["a-duty-1"], "乙地老板欠薪找谁": ["b-boundary-1"]}


def fakes():
    bot = Fake("bot", PERFECT, flagged={"乙地老板欠薪找谁", "今天天气怎么样"},
               verdicts={"我交了两年社保，是被公司辞退的": "eligible"})  # e2's rule is not listed -> None
    return [Fake("bm25", BM25), Fake("hybrid", PERFECT), bot]


def test_scores_of_a_fixture_run():
    dev = load_dataset(RECORDS, FIXTURE)
    res = score([collect(f, dev) for f in fakes()], dev, RECORDS)
    b = res["methods"]["bm25"]
    assert b["top1"] == 0.3333       # only q2 first: 1/3
    assert b["recall@3"] == 0.6667   # q1 (rank 2) and q2: 2/3
    assert b["mrr@10"] == 0.5        # (1/2 + 1 + 0) / 3
    # q1: DCG = 1/log2(3) + 1/log2(4) = 1.1309, ideal (2 golds) = 1 + 1/log2(3) = 1.6309 -> 0.6934;
    # q2: 1; q3: 0  ->  mean 0.5645
    assert b["ndcg@10"] == 0.5645
    assert b["sections"]["service"]["top1"] == 0.0 and b["sections"]["service"]["recall@5"] == 1.0  # q1 only
    assert b["sources"]["a"]["top1"] == 0.5 and b["sources"]["a"]["n"] == 2   # q1 miss, q2 hit
    assert res["methods"]["hybrid"]["top1"] == 1.0
    # bot: oos o1 flagged (TP 1), o2 not; in-scope q3 flagged (FP 1)
    assert {k: res["oos"][k] for k in ("precision", "recall", "false_rejection")} == \
        {"precision": 0.5, "recall": 0.5, "false_rejection": 0.3333}   # 1/2, 1/2, 1/3
    assert res["rules"]["accuracy"] == 0.5 and res["rules"]["correct"] == 1   # e1 right, e2 missing
    assert res["latency"]["bm25"]["n"] == 3 and res["latency"]["bot"]["n"] == 5  # bot also asked 2 oos


def test_report_written_for_a_fixture_run(tmp_path):
    dev = load_dataset(RECORDS, FIXTURE)
    res = run(fakes(), dev, RECORDS, tmp_path, log=lambda _: None)
    md = Path(res["report"]).read_text(encoding="utf-8")
    assert "| method | top1 | recall@3 | recall@5 | recall@10 | mrr@10 | ndcg@10 |" in md
    assert "| bm25 | 0.3333 | 0.6667 | 0.6667 | 0.6667 | 0.5000 | 0.5645 |" in md
    assert "## Worst misses: bm25" in md
    # q3 was not found (worst, listed first), q1 at rank 2; with what came back instead, titled
    assert "| q3 | 乙地老板欠薪找谁 | b-boundary-1 劳动监察职责边界 | - | a-service-1 申报失业登记; a-duty-1 工伤认定 |" in md
    assert md.index("| q3 |") < md.index("| q1 |")
    assert "| e2 | 我主动辞职了，能领失业金吗 | unemployment_benefit | ineligible | (rule not listed) |" in md
    png = Path(res["plot"])
    assert png.name == "latest.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
    # reproducible: a second run gives the same figures (latency aside)
    again = run(fakes(), dev, RECORDS, tmp_path / "again", log=lambda _: None)
    assert {k: v for k, v in again.items() if k not in ("latency", "report", "plot")} == \
        {k: v for k, v in res.items() if k not in ("latency", "report", "plot")}


# -- the gate --------------------------------------------------------------------------------------

def test_gate_lists_every_failed_check():
    res = {"methods": {"bm25": {"top1": 0.6}, "dense": {"top1": 0.4}, "hybrid": {"top1": 0.5, "recall@5": 0.9}},
           "rules": {"accuracy": 0.7}}
    th = {"methods": {"hybrid": {"top1": 0.55, "recall@5": 0.8}}, "rules": {"accuracy": 0.75},
          "not_worse": {"hybrid": {"top1": ["bm25", "dense"]}}}
    fails, notes = gate_failures(res, th)
    assert fails == ["hybrid top1 = 0.5000 is below the threshold 0.5500 in eval/thresholds.toml",
                     "rules accuracy = 0.7000 is below the threshold 0.7500 in eval/thresholds.toml",
                     "hybrid top1 = 0.5000 is worse than bm25's 0.6000"]   # dense (0.4) is beaten; recall@5 passes
    assert notes == []


def test_gate_unmeasured_figure_fails_only_above_zero():
    res = {"methods": {"hybrid": {"top1": 0.5}}, "rules": {"accuracy": None}}
    assert gate_failures(res, {"rules": {"accuracy": 0.0}}) == ([], ["rules accuracy was not measured (threshold 0.0)"])
    assert gate_failures(res, {"rules": {"accuracy": 0.5}})[0] == ["rules accuracy was not measured (threshold 0.5)"]


def test_stored_thresholds_parse():
    th = load_thresholds()
    assert set(th["methods"]["hybrid"]) == {"top1", "recall@5"} and "accuracy" in th["rules"]
    assert th["not_worse"]["hybrid"]["top1"] == ["bm25", "dense"]


def test_report_lists_oos_mistakes(tmp_path):
    dev = load_dataset(RECORDS, FIXTURE)
    md = Path(run(fakes(), dev, RECORDS, tmp_path, log=lambda _: None)["report"]).read_text(encoding="utf-8")
    assert "| q3 | 乙地老板欠薪找谁 | refused an in-scope question |" in md     # the fake bot flags q3
    assert "| o2 | 护照过期了怎么办 | answered (other-authority) |" in md       # and does not flag o2


def test_bench_is_dispatched_with_its_own_arguments(monkeypatch):
    import sys
    import types
    seen = []
    monkeypatch.setitem(sys.modules, "eval.bench", types.SimpleNamespace(main=lambda argv: seen.append(argv) or 7))
    assert main(["bench", "--quick", "-n", "5"]) == 7     # bench's return code is the exit code
    assert seen == [["--quick", "-n", "5"]]               # its options are passed through untouched


def test_gate_cli_exits_1_listing_failures_and_prints_json_last(tmp_path, monkeypatch, capsys):
    import corpus.records
    import eval.__main__ as cli
    monkeypatch.setattr(corpus.records, "load_records", lambda path: RECORDS)
    monkeypatch.setattr(cli, "load_methods", lambda names, bot_optional, log, records=None: fakes())
    th = tmp_path / "th.toml"
    th.write_text('[methods.hybrid]\ntop1 = 0.5\n"recall@5" = 0.5\n[rules]\naccuracy = 0.9\n'
                  '[not_worse.hybrid]\ntop1 = ["bm25"]\n', encoding="utf-8")
    code = main(["gate", "--data", str(FIXTURE), "--out", str(tmp_path), "--thresholds", str(th), "--json"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1   # rules 0.5 < 0.9; hybrid (1.0) passes and beats bm25 (0.3333)
    assert "  - rules accuracy = 0.5000 is below the threshold 0.9000 in eval/thresholds.toml" in out
    assert "gate FAILED (1 check(s)):" in out
    res = json.loads(out[-1])
    assert res["methods"]["hybrid"]["top1"] == 1.0 and res["rules"]["accuracy"] == 0.5
    assert Path(res["report"]).exists() and Path(res["plot"]).stat().st_size > 0


def test_feedback_candidates_from_the_apps_store(tmp_path):
    import subprocess
    import sys
    from eval.feedback import candidates
    from ui.feedback import FeedbackStore
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.add("社保卡丢了怎么办，我电话13812345678", "yazhou-service-17", "unhelpful", "yazhou")
    store.add("灵活就业怎么参保", "yazhou-service-7", "helpful")
    store.add("社保卡丢了怎么办，我电话13812345678", "yazhou-service-17", "unhelpful", "yazhou")  # same again
    rows = candidates(tmp_path / "feedback.sqlite3")
    assert len(rows) == 1 and rows[0]["gold"] == [] and rows[0]["region"] == "yazhou"
    assert "138****5678" in rows[0]["question"] and rows[0]["answered"] == "yazhou-service-17"
    assert len(candidates(tmp_path / "feedback.sqlite3", include_helpful=True)) == 2
    assert candidates(tmp_path / "missing.sqlite3") == []
    out = subprocess.run([sys.executable, "-m", "eval", "feedback", "--db", str(tmp_path / "feedback.sqlite3")],
                         capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.count("\n") == 1
