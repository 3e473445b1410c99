import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot import Session
from bot.facts import extract, number
from bot.rules import evaluate, load_rules
from bot.text import clean, mask

ROOT = Path(__file__).resolve().parents[1]
RULES = {r.id: r for r in load_rules()}


def verdict(rule, **facts):
    return evaluate(RULES[rule], facts).verdict


# -- rules at their boundaries --------------------------------------------------------------------
def test_enrolment_boundaries():
    ok = dict(hukou="本省", student=False, employment="个体或灵活就业", drawing=False)
    assert verdict("resident_pension_enrol", age=16, **ok) == "eligible"
    assert verdict("resident_pension_enrol", age=15, **ok) == "ineligible"
    assert verdict("resident_pension_enrol", age=20, **ok | {"student": True}) == "ineligible"
    assert verdict("resident_pension_enrol", age=30, **ok | {"hukou": "外省"}) == "ineligible"
    assert verdict("resident_pension_enrol", age=30, **ok | {"employment": "机关事业单位"}) == "ineligible"
    assert verdict("resident_pension_enrol", age=50, **ok | {"drawing": True}) == "ineligible"
    v = evaluate(RULES["resident_pension_enrol"], {"age": 30})
    assert v.verdict == "need_info" and v.missing == ("hukou", "student", "employment", "drawing")


def test_monthly_pension_boundaries():
    assert verdict("resident_pension_monthly", age=60, years=15) == "eligible"
    assert verdict("resident_pension_monthly", age=59, years=15) == "ineligible"
    assert verdict("resident_pension_monthly", age=60, years=14) == "ineligible"
    short = evaluate(RULES["resident_pension_monthly"], {"age": 61, "years": 8})
    assert "补缴不足的7年" in short.reason and "不给予缴费补贴" in short.reason
    drawing = evaluate(RULES["resident_pension_monthly"], {"age": 65, "years": 10, "drawing": True})
    assert "不得再补缴" in drawing.reason
    assert evaluate(RULES["resident_pension_monthly"], {}).missing == ("age", "years")


def test_employer_and_certification_rules():
    assert verdict("employer_registration", days=30) == "eligible"
    assert verdict("employer_registration", days=31) == "ineligible"
    assert verdict("pension_certification", certified=False) == "ineligible"
    assert verdict("pension_certification") == "need_info"
    assert {r.sources[0] for r in RULES.values()} == {"yazhou-service-16", "yazhou-service-10",
                                                      "yazhou-service-8", "yazhou-service-9"}


@pytest.mark.parametrize("text,facts", [
    ("我今年61岁", {"age": 61}), ("六十二周岁，缴费十五年", {"age": 62, "years": 15}), ("交了8年", {"years": 8}),
    ("我是在校学生", {"student": True}), ("我不是学生，海南户口", {"student": False, "hukou": "海南"}),
    ("湖南户口", {"hukou": "湖南"}), ("公司成立20天了", {"days": 20}), ("我在事业单位上班", {"employment": "机关事业单位"}),
    ("我领退休金，今年还没做资格认证", {"drawing": True, "certified": "not_yet"}),   # late only after the window
    ("去年没按时做资格认证，养老金停发了", {"certified": False}), ("已经补办了资格认证", {"certified": True}),
    ("现在已经8月了，认证期过了", {"certified": False}),
])
def test_fact_extraction(text, facts):
    assert extract(text) == facts


def test_chinese_numerals():
    assert [number(x) for x in ("十五", "六十二", "二十", "两", "一百", "15", "六十点五", "15.5")] == \
        [(15, 15), (62, 62), (20, 20), (2, 2), (100, 100), (15, 15), (60.5, 60.5), (15.5, 15.5)]
    assert [number(x) for x in ("十三四", "十四五", "两三", "一九六四")] == [(13, 14), (14, 15), (2, 3), None]


# -- dialogue -------------------------------------------------------------------------------------
def test_three_turn_dialogue_ends_eligible(bot):
    s = Session()
    a1 = bot.answer("我能按月领城乡居民养老金吗", s)
    assert a1.eligibility[0].rule == "resident_pension_monthly" and a1.eligibility[0].verdict == "need_info"
    assert a1.eligibility[0].missing == ("age", "years")
    a2 = bot.answer("我今年61岁", s)
    assert a2.eligibility[0].verdict == "need_info" and a2.eligibility[0].missing == ("years",)
    a3 = bot.answer("交了15年", s)
    assert a3.eligibility[0].verdict == "eligible" and not a3.out_of_scope
    assert a3.to_dict()["eligibility"][0]["source"] == "yazhou-service-16"


def test_general_rule_question_states_the_rule(bot):
    a = bot.answer("要交够多少年才能领养老金？", Session())
    v = [e for e in a.eligibility if e.rule == "resident_pension_monthly"][0]
    assert v.verdict == "need_info" and "满15年" in a.answer


# -- regions --------------------------------------------------------------------------------------
def test_region_detection_restricts_and_is_remembered(bot):
    s = Session()
    a = bot.answer("定安劳动用工备案找谁", s)
    assert a.region == "dingan" and a.hits[0].id == "dingan-service-7" and all(h.record.source == "dingan" for h in a.hits)
    b = bot.answer("劳动保障违法行为怎么投诉", s)
    assert b.region == "dingan" and b.hits[0].record.source == "dingan"
    assert bot.answer("干冲镇的社保咨询电话", Session()).region == "yangpu"


def test_same_service_in_several_regions_asks_where(bot):
    a = bot.answer("受理劳动保障违法行为的举报投诉", Session())
    assert a.clarify and "哪个地区" in a.clarify
    assert {"dingan", "hongjiang"} <= {h.record.source for h in a.hits[:3]}
    assert "0898-63827235" in a.answer and "0745-7637333" in a.answer


# -- out of scope ---------------------------------------------------------------------------------
@pytest.mark.parametrize("q", ["护照过期了怎么续签", "驾驶证到期换证去哪", "asdfghjkl", "今天天气怎么样"])
def test_out_of_scope(bot, q):
    a = bot.answer(q, Session())
    assert a.out_of_scope and "没有找到" in a.answer and "12333" in a.answer


# -- answer cards ---------------------------------------------------------------------------------
def test_service_card(bot):
    a = bot.answer("灵活就业怎么参保？", Session())
    assert a.hits[0].id == "yazhou-service-7"
    for field in ("**事项**", "办理条件", "三亚市崖州区人力资源和社会保障管理中心", "(tel:089888841728)",
                  "来源：三亚市崖州区人力资源和社会保障局公开的《公共服务事项》第7项"):
        assert field in a.answer
    assert "yazhou-service-7" not in a.answer and "corpus/raw" not in a.answer   # ids and paths are for staff


def test_duty_boundary_and_supervision_cards():
    from bot.cards import card
    from corpus.records import load_records
    recs = {r.id: r for r in load_records(ROOT / "corpus" / "records.jsonl")}
    duty = [r for r in recs.values() if r.source == "dingan" and any("社会保障卡" in i.text for i in r.items)][0]
    assert "实际由县社保局承担" in card(duty)
    b = card(recs["dingan-boundary-1"])
    assert "**县人社局**" in b and "**相关依据**" in b and "**案例**" in b
    s = card(recs["yangpu-supervision-3"])
    assert "每年3-6月" in s and "未通过或违规的处理" in s


def test_every_phone_in_an_answer_belongs_to_a_cited_record(bot):
    from corpus.records import load_records
    recs = {r.id: r for r in load_records(ROOT / "corpus" / "records.jsonl")}
    for q in ["灵活就业怎么参保？", "受理劳动保障违法行为的举报投诉", "洪江区政策咨询服务电话", "临高老农保咨询电话", "社保卡丢了咋整"]:
        a = bot.answer(q, Session())
        printed = set(re.findall(r"0\d{3}-\d{7,8}", a.answer))
        allowed = {p for rid in a.cited for p in recs[rid].phones}
        assert printed and printed <= allowed, q


# -- bad input ------------------------------------------------------------------------------------
def test_bad_inputs(bot, caplog):
    assert "请输入" in bot.answer("   \n\t ", Session()).answer
    long = bot.answer("灵活就业怎么参保" + "啊" * 600, Session())
    assert "只按前500字回答" in long.answer and len(long.question) == 500
    assert clean("社保\x00卡\x07补办")[0] == "社保 卡 补办"
    html = bot.answer("<script>alert(1)</script>社保卡怎么办", Session())
    assert "<script" not in html.answer
    with caplog.at_level(logging.INFO, logger="shebao.bot"):
        bot.answer("我的身份证460200199001011234，电话13812345678，社保卡丢了", Session())
    logged = caplog.text
    assert "460200199001011234" not in logged and "13812345678" not in logged and "138****5678" in logged


def test_mask():
    assert mask("身份证460200199001011234") == "身份证460*************34"
    assert mask("打88841728") == "打******28"


def test_cli_ask_stdin_and_chat():
    out = subprocess.run([sys.executable, "-m", "bot", "ask", "-"], input="灵活就业怎么参保\n护照怎么办\n", cwd=ROOT,
                         capture_output=True, text=True)
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert out.returncode == 0 and [x["out_of_scope"] for x in lines] == [False, True]
    assert set(lines[0]) >= {"question", "answer", "hits", "out_of_scope", "clarify", "eligibility", "region"}
    chat = subprocess.run([sys.executable, "-m", "bot", "chat", "--json"],
                          input="我能按月领城乡居民养老金吗\n我今年61岁\n交了15年\n", cwd=ROOT, capture_output=True, text=True)
    turns = [json.loads(x) for x in chat.stdout.splitlines()]
    assert [t["eligibility"][0]["verdict"] for t in turns] == ["need_info", "need_info", "eligible"]


def test_a_place_reply_answers_the_clarifying_question(bot):
    s = Session()
    first = bot.answer("受理劳动保障违法行为的举报投诉", s)
    assert first.clarify
    again = bot.answer("我在定安", s)
    assert again.region == "dingan" and not again.out_of_scope and again.clarify is None
    assert again.hits[0].id == "dingan-service-5" and "0898-63827235" in again.answer


def test_traditional_question_detects_place_and_facts(bot):
    a = bot.answer("臨高縣城鄉居民養老保險局電話", Session())
    assert a.region == "lingao" and a.hits[0].record.source == "lingao"
    s = Session()
    bot.answer("我能按月領城鄉居民養老金嗎", s)
    assert bot.answer("我今年六十一歲，交了十五年", s).eligibility[0].verdict == "eligible"


@pytest.mark.parametrize("text,facts", [
    ("不是机关事业单位的人，没参加过职工养老保险", {"employment": "个体或灵活就业"}),
    ("初中毕业就没再上学", {"student": False}),
    ("今年的资格认证她一直没去做", {"certified": False}),
    ("我今年忘了做退休人员资格认证，已经过了期限", {"certified": False}),
    ("非在校学生，不属于机关事业单位", {"student": False}),
    ("我老公在公办学校当老师", {"employment": "机关事业单位"}),
    ("我在工厂上班，厂里给交了职工社保", {"employment": "企业职工"}),
    ("没交过职工社保，也没领过任何养老金，不是机关事业单位的", {"employment": "个体或灵活就业", "drawing": False}),
    ("今年的资格认证还没做", {"certified": "not_yet"}),
    ("今年五十有八了", {"age": 58}), ("我虚岁60", {"age": (58, 59)}),
    ("居民养老交了十来年，反正不到15年", {"years": (14, 14.99)}),
    ("营业执照下来一个半月了", {"days": 45}), ("人脸识别已经做过了", {"certified": True}),
    ("我阿公冇做今年的认证", {"certified": False}), ("我妈领着村里的老人补贴，一个月几十块", {}),
    ("就在村委会当会计，没有编制", {"employment": "个体或灵活就业"}),
    ("我是外省的，湖南户口，在三亚打工", {"hukou": "湖南"}),
    ("现已不在校读书", {"student": False}), ("交城乡居民养老保险差一年满15年", {"years": 14}),
    ("居民养老保险缴了整整15年", {"years": 15}), ("请问按月领取居民养老金的条件是什么", {}),
    ("已通过社保APP完成认证了", {"certified": True}),
    ("我岳父快60了", {"age": (59, 59.99)}), ("我爸61了，居民养老交了十年", {"age": 61, "years": 10}),
    ("公司一个礼拜前招了个会计", {"days": 7}), ("新员工三个星期前入职的", {"days": 21}),
    ("今年的养老金资格认证是社区工作人员上门帮做了", {}), ("去年做了今年还没做认证", {"certified": "not_yet"}),
    ("我儿子十五六岁", {"age": (15, 16)}), ("他今年六十来岁吧", {"age": (58, 62)}), ("6O岁了", {"age": 60}), ("资格认证做了吗我也不知道", {}),
    ("我户口在怀化，现在在海口打工", {"hukou": "湖南"}), ("没在机关事业单位上班", {}),
    ("户口：海南文昌", {"hukou": "海南"}), ("十五年的城乡居民养老保险交满了，年龄六十二", {"age": 62, "years": 15}),
    ("缴费年限：15年", {"years": 15}), ("入职日期：3月2日，今天3月30日", {"days": 28}),
    ("我从来不曾在机关或事业单位工作过，并没有参加过城镇职工养老保险", {"employment": "个体或灵活就业"}),
])
def test_negated_facts(text, facts):
    assert extract(text) == facts


def dialogue(bot, *turns):
    """(session, the verdicts of the last answer by rule id) after the citizen's turns."""
    s = Session()
    for turn in turns:
        a = bot.answer(turn, s)
    return s, {v.rule: v for v in a.eligibility}


def test_facts_alone_open_no_rule(bot):
    # a rule is evaluated when asked about, never because its fact words appear
    _, first = dialogue(bot, "我今年三十岁，户口在海南儋州")
    assert first == {}
    _, last = dialogue(bot, "我今年三十岁，户口在海南儋州", "早就不上学了，也不是学生",
                       "没在机关和事业单位工作过，没参加职工养老，更没领过什么养老金", "我能参加城乡居民养老保险吗")
    assert last["resident_pension_enrol"].verdict == "eligible"


def test_a_turn_with_nothing_new_keeps_the_rule(bot):
    _, v = dialogue(bot, "我想问问领城乡居民养老金的事", "我已经70岁了", "交了多少年我自己也记不清了")
    assert v["resident_pension_monthly"].verdict == "need_info" and v["resident_pension_monthly"].missing == ("years",)


def test_a_follow_up_naming_another_rule_keeps_the_one_under_discussion(bot):
    _, v = dialogue(bot, "我爸住在养老院，今年错过了认证时间", "他还能正常领养老金吗")
    assert v["pension_certification"].verdict == "ineligible"


def test_two_dates_make_a_day_count(bot):
    s, v = dialogue(bot, "我们小公司3月25号成立的", "今天都4月20号了，单位社保登记还能办不")
    assert s.facts["days"] == (26, 26) and v["employer_registration"].verdict == "eligible"


def test_approximate_years_are_shown_as_such(bot):
    _, verdicts = dialogue(bot, "我爸今年62了", "居民养老交了十来年，反正不到15年", "能按月拿钱不")
    v = verdicts["resident_pension_monthly"]
    assert v.verdict == "ineligible" and v.reason.startswith("您累计缴费不到15年") and "补缴不足的若干年" in v.reason


def test_facts_that_complete_another_rule_add_it(bot):
    # 「城乡居民养老交了16年」 names enrolment, but age and years are exactly the monthly pension's conditions
    _, v = dialogue(bot, "我舅舅59岁，城乡居民养老交了16年", "哦他上周过生日，已经满60周岁了")
    assert v["resident_pension_monthly"].verdict == "eligible"


def test_a_household_place_is_not_the_citizens_bureau(bot):
    # 「湖南洪江的户口」 says where the household is registered; with no bureau chosen or named, 本省 is the
    # province of the register the rule cites (海南), so a 洪江 household is 外省
    _, v = dialogue(bot, "我是湖南洪江的户口，今年40岁，在家务农，能参加城乡居民养老保险吗？")
    assert v["resident_pension_enrol"].verdict == "ineligible"


def test_a_later_not_yet_clears_an_earlier_statement(bot):
    _, v = dialogue(bot, "我老伴今年的认证已经做好了。", "我自己今年还没认证。", "我的养老金资格认证是什么情况？")
    assert v["pension_certification"].verdict == "need_info"
