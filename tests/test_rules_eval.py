"""The eligibility parts of the evaluation harness: cases that state a date and a region, the verdict "none",
rule "*", and folders that hold only eligibility cases."""

import json
from types import SimpleNamespace

import pytest

from corpus.records import Record
from eval.dataset import DatasetError, load_dataset
from eval.run import BotMethod, collect, score


def rec(rid, source):
    return Record(id=rid, source=source, bureau=f"{source}局", region=source, section="service", n=1, serial="1",
                  title="事项")


RECORDS = [rec("a-service-1", "a"), rec("b-service-1", "b")]


def write_cases(folder, rows):
    folder.mkdir(exist_ok=True)
    (folder / "eligibility.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                              encoding="utf-8")
    return folder


def case(cid, rule="r", verdict="eligible", **kw):
    return {"id": cid, "turns": ["我能领吗"], "rule": rule, "verdict": verdict, **kw}


def test_an_eligibility_only_folder_loads_with_today_and_region(tmp_path):
    dev = load_dataset(RECORDS, write_cases(tmp_path / "h", [
        case("h1", today="2027-01-05", region="b", note="why"), case("h2", rule="*", verdict="none")]))
    assert dev.questions == () and dev.oos == ()
    assert [(c.id, c.today, c.region) for c in dev.cases] == [("h1", "2027-01-05", "b"), ("h2", None, None)]


@pytest.mark.parametrize("row, words", [
    (case("h1", today="5 Jan"), "today '5 Jan' is not an ISO date"),
    (case("h1", region="c"), "region 'c' is not a source slug"),
    (case("h1", rule="*", verdict="eligible"), 'rule "*" (no rule at all) only goes with verdict "none"'),
    (case("h1", verdict="maybe"), "verdict 'maybe' is not one of eligible, ineligible, need_info, none"),
])
def test_bad_eligibility_fields_name_file_and_line(tmp_path, row, words):
    with pytest.raises(DatasetError) as err:
        load_dataset(RECORDS, write_cases(tmp_path / "h", [row]))
    assert "eligibility.jsonl:1:" in str(err.value) and words in str(err.value)


class FakeBot:
    """Says `verdicts[turn]` for rule r, remembering the session each dialogue ran in."""

    def __init__(self, verdicts):
        self.verdicts, self.sessions = verdicts, []

    def answer(self, turn, session):
        self.sessions.append(session)
        listed = [{"rule": "r", "verdict": self.verdicts[turn]}] if turn in self.verdicts else []
        return SimpleNamespace(to_dict=lambda: {"eligibility": listed, "hits": [], "out_of_scope": False})


def test_judge_passes_today_and_region_and_scores_none(tmp_path):
    dev = load_dataset(RECORDS, write_cases(tmp_path / "h", [
        case("h1", today="2027-01-05", region="b"),                      # r eligible: right
        {**case("h2", verdict="none"), "turns": ["驾照年审"]},            # r not evaluated: right
        {**case("h3", rule="*", verdict="none"), "turns": ["我能领吗"]},  # r evaluated: wrong
    ]))
    fake = FakeBot({"我能领吗": "eligible"})
    out = collect(BotMethod(fake, lambda **kw: SimpleNamespace(**kw)), dev)
    assert out.verdicts == ["eligible", "none", "r=eligible"]
    assert (fake.sessions[0].today, fake.sessions[0].region) == ("2027-01-05", "b")
    assert (fake.sessions[1].today, fake.sessions[1].region) == (None, None)   # the case states neither
    res = score([out], dev, RECORDS)
    assert res["rules"]["correct"] == 2 and res["methods"] == {}          # 2 of 3; nothing ranked
    assert res["latency"]["bot"]["n"] == 3                                # the three dialogues were timed
