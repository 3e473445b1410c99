"""The topic kept across turns: a follow-up about an aspect (材料, 在哪, 电话, 多久) of the matter just answered
stays on that matter's record; a new matter or an out-of-scope turn does not."""

import tomllib
from pathlib import Path

import pytest

from bot import Session
from bot.core import FollowUps, followups

ASPECTS = tomllib.loads((Path(__file__).resolve().parents[1] / "bot" / "data" / "followups.toml")
                       .read_text(encoding="utf-8"))["aspects"]


@pytest.mark.parametrize("word", ASPECTS)
def test_every_aspect_word_alone_is_a_follow_up(word):
    assert followups().only_aspects(f"那{word}呢？")


@pytest.mark.parametrize("text", ["社保卡丢了怎么补办", "失业金怎么领", "今天天气怎么样", "养老金", "你好"])
def test_a_turn_naming_a_matter_is_no_follow_up(text):
    assert not followups().only_aspects(text)


def test_a_malformed_file_fails_loudly(tmp_path):
    bad = tmp_path / "f.toml"
    bad.write_text("aspects = [", encoding="utf-8")
    with pytest.raises(tomllib.TOMLDecodeError):
        FollowUps(bad)


def dialogue(bot, turns):
    s = Session()
    return [bot.answer(t, s) for t in turns]


def test_aspects_of_the_matter_just_answered(bot):
    answers = dialogue(bot, ["社保卡丢了怎么补办", "要带什么材料", "在哪里办", "电话多少"])
    assert [a.cited[:1] for a in answers] == [["yazhou-service-17"]] * 4   # 社保卡办理、发放、咨询 each time
    assert all(not a.out_of_scope and a.clarify is None for a in answers)
    assert "0898-88841728" in answers[-1].answer


def test_a_follow_up_in_the_citizens_region(bot):
    answers = dialogue(bot, ["我在定安", "工伤认定怎么弄", "需要多久"])   # 需要|多久: aspect words only
    assert answers[0].region == "dingan" and "定安县人力资源和社会保障局" in answers[0].answer and not answers[0].cited
    assert [a.cited[:1] for a in answers[1:]] == [["dingan-duty-4"], ["dingan-duty-4"]]


def test_new_matters_and_out_of_scope_turns_are_not_glued_to_the_last_one(bot):
    answers = dialogue(bot, ["社保卡丢了怎么补办", "今天天气怎么样", "你是机器人吗"])
    assert answers[1].out_of_scope and answers[2].out_of_scope
    answers = dialogue(bot, ["社保卡丢了怎么补办", "失业登记去哪办"])
    assert not any(c.endswith("service-17") for c in answers[1].cited)


def test_a_new_matter_ends_a_rules_dialogue(bot):
    """After a pension verdict, 「社保卡掉了咋办」 is answered about 社保卡, not with the verdict again."""
    answers = dialogue(bot, ["我今年59岁了，交了13年居民养老，明年能领钱吗", "社保卡掉了咋办", "定安的失业登记去哪办"])
    assert [(v.rule, v.verdict) for v in answers[0].eligibility] == [("resident_pension_monthly", "ineligible")]
    assert answers[1].eligibility == [] and answers[1].cited == ["yazhou-service-17"]
    assert "resident_pension_monthly" not in [v.rule for v in answers[2].eligibility]
    assert any(c.startswith("dingan-") for c in answers[2].cited)


def test_a_follow_up_about_the_rule_stays_on_it(bot):
    answers = dialogue(bot, ["我爸退休了", "今年的资格认证还没做", "会有影响吗"])
    assert [v.rule for v in answers[-1].eligibility] == ["pension_certification"]
