"""Issue 10: facts as intervals about people, dates relative to an injected today, corrections, rules only when
asked, regional rules, verdicts that say what to do next, and a blank self-check."""

from datetime import date

import pytest

from bot import Session
from bot.facts import read
from bot.rules import Place, evaluate, load_rules
from corpus.sources import Source

RULES = {r.id: r for r in load_rules()}
TODAY = "2026-11-30"


def talk(bot, *turns, today=TODAY, region=None):
    """(session, last answer, its verdicts by rule) after the citizen's turns on `today` in `region`."""
    s = Session(today=today, region=region)
    for turn in turns:
        a = bot.answer(turn, s)
    return s, a, {v.rule: v.verdict for v in a.eligibility}


def facts_of(text, today=date(2026, 11, 30), wanted=()):
    return {(f.person, f.name): (f.value, f.hi) if f.hi is not None else f.value
            for f in read(text, today, set(wanted)).facts if f.name != "started"}


# -- the failing inputs of the issue, with their right verdicts ---------------------------------------------
@pytest.mark.parametrize("turns, rule, expected", [
    (["俺是1964年生的，居民养老交满15年了，现在能领吗"], "resident_pension_monthly", "eligible"),
    (["我们公司10月28号才开张，社保登记现在办还来得及吗"], "employer_registration", "ineligible"),   # 33 days
    (["我63岁，2017年才开始交城乡居民养老保险，能领吗"], "resident_pension_monthly", "ineligible"),  # 9–10 years
    (["我60.5岁，交了15.5年，能领养老金吗"], "resident_pension_monthly", "eligible"),
    (["我六十点五岁，交了十五年，能领养老金吗"], "resident_pension_monthly", "eligible"),
    (["我68岁，一年都没交过，能按月领养老金吗"], "resident_pension_monthly", "ineligible"),
    (["我妈今年58岁，交了20年", "那我呢？我今年62岁，能领养老金吗"], "resident_pension_monthly", "need_info"),
    (["我1967年生的，居民养老交了17年，能领吗", "不对不对，我是1961年生的"], "resident_pension_monthly", "eligible"),
    (["我快60了，交了16年，能领养老金吗", "说错了，我是1961年生的"], "resident_pension_monthly", "eligible"),
])
def test_the_issues_inputs(bot, turns, rule, expected):
    assert talk(bot, *turns)[2].get(rule) == expected


@pytest.mark.parametrize("question", ["学生证丢了怎么补办", "孩子上学报名要什么材料", "我今年30岁，户口在外省，想结婚",
                                      "驾照年审怎么办"])
def test_facts_alone_trigger_no_rule(bot, question):
    assert talk(bot, question)[2] == {}


def test_a_relatives_facts_never_fill_in():
    # 「我儿子还在读大学」 is about the son; a 45-year-old asking for herself is not a student
    s = facts_of("我儿子还在读大学，我自己45岁")
    assert s == {("儿子", "student"): True, ("本人", "age"): (45.0, 45.0)}


# -- dates relative to an injected today --------------------------------------------------------------------
@pytest.mark.parametrize("text, today, age", [
    ("我1966年出生的", date(2026, 11, 30), (59, 60)),    # a December birthday is still to come: 59 or 60
    ("我1966年出生的", date(2027, 1, 10), (60, 61)),     # in January 2027 anyone born in 1966 is 60 or 61
    ("我66年12月生的", date(2026, 11, 30), (59, 59)),
    ("我66年8月生的", date(2026, 11, 30), (60, 60)),
    ("孩子2010年出生的", date(2026, 11, 30), (15, 16)),   # straddles 16
    ("孩子2010年出生的", date(2027, 1, 2), (16, 17)),     # over 16 from the new year
    ("孩子2011年出生的", date(2026, 11, 30), (14, 15)),
])
def test_birth_years_on_each_side_of_16_and_60(text, today, age):
    (value,) = [v for (_, name), v in facts_of(text, today).items() if name == "age"]
    assert value == (float(age[0]), float(age[1]))


def test_birth_year_verdicts_move_with_today(bot):
    q = "我1966年出生的，居民养老交了20年，现在能领养老金了吗"
    assert talk(bot, q, today="2026-11-30")[2]["resident_pension_monthly"] == "need_info"   # 59 or 60
    assert talk(bot, q, today="2027-01-10")[2]["resident_pension_monthly"] == "eligible"    # 60 or 61
    enrol = "我孩子2010年出生的，海南户口，没上学了，在家务农，没领养老金，能给他参加城乡居民养老保险吗"
    assert talk(bot, enrol, today="2026-11-30")[2]["resident_pension_enrol"] == "need_info"  # 15 or 16
    assert talk(bot, enrol, today="2027-01-02")[2]["resident_pension_enrol"] == "eligible"   # 16 or 17


def test_date_arithmetic_across_a_year_end():
    # 「12月20号入职」 said on 2027-01-05 is last December: 16 days
    assert facts_of("员工是12月20号入职的", date(2027, 1, 5))[(None, "days")] == (16.0, 16.0)
    # 「上个月15号」 said on 2027-01-10 is 2026-12-15: 26 days
    assert facts_of("上个月15号招的工人", date(2027, 1, 10))[(None, "days")] == (26.0, 26.0)
    # 「从2012年开始交」 as of 2026-11-30: 14 full years elapsed, 15 yearly payments
    assert facts_of("从2012年开始交的居民养老", date(2026, 11, 30))[(None, "years")] == (14.0, 15.0)


@pytest.mark.parametrize("text, days", [("大前天刚招了两个员工", 3), ("上周一新来了个会计", 7),
                                        ("公司这个月月初注册的", (25, 29)), ("公司是8月份成立的", (91, 121))])
def test_relative_dates(text, days):
    lo, hi = days if isinstance(days, tuple) else (days, days)
    assert facts_of(text)[(None, "days")] == (float(lo), float(hi))


# -- intervals -----------------------------------------------------------------------------------------------
def test_intervals_straddling_15_years():
    rule = RULES["resident_pension_monthly"]
    assert evaluate(rule, {"age": 62, "years": (14.0, 15.0)}).verdict == "need_info"   # 十四五年
    assert evaluate(rule, {"age": 62, "years": (13.0, 14.0)}).verdict == "ineligible"  # 十三四年
    assert evaluate(rule, {"age": 62, "years": (15.0, 16.0)}).verdict == "eligible"    # 十五六年
    v = evaluate(rule, {"age": 62, "years": (14.0, 15.0)})
    assert v.missing == ("years",) and v.asks == ("请再确认一下：您累计缴了多少年城乡居民养老保险？",)
    assert facts_of("交了十四五年")[(None, "years")] == (14.0, 15.0)


# -- people and corrections ------------------------------------------------------------------------------------
def test_three_people_in_one_dialogue(bot):
    s, _, v = talk(bot, "我老娘今年67，城乡居民养老交了16年，能领吗", "我堂客62，交了9年", "那我哥呢？他58，交了20年咯")
    assert v == {"resident_pension_monthly": "ineligible"} and s.person == "哥"
    assert s.facts == {"age": (58.0, 58.0), "years": (20.0, 20.0)}
    _, _, v = talk(bot, "我爸65了，交了20年，能领吗", "我妈63，交了17年", "那我弟呢？他交了18年了，能领不")
    assert v == {"resident_pension_monthly": "need_info"}      # the brother's age is not known


def test_a_correction_replaces_the_earlier_statement(bot):
    s, a, v = talk(bot, "我40岁，定安户口，在事业单位上班，能参加城乡居民养老保险吗",
                   "说错了，我去年就辞职了，现在没在单位也没在企业上班，没领养老金，早不读书了")
    assert v["resident_pension_enrol"] == "eligible" and s.facts["employment"] == "个体或灵活就业"


# -- regions ---------------------------------------------------------------------------------------------------
def test_a_rule_evaluated_for_hongjiang(bot):
    # 本省 is the province of the citizen's bureau: 洪江 → 湖南, so a 怀化 household is 本省 there
    s, a, v = talk(bot, "我户口在怀化，今年40岁，没工作，不读书了，没领过养老金，能参加城乡居民养老保险吗",
                   region="hongjiang")
    assert v["resident_pension_enrol"] == "eligible"
    assert "hongjiang-duty-4" in a.cited and "0745-7622901" in a.answer        # 洪江's record and phone
    # the same household for a citizen at 崖州 (海南) is from another province
    _, _, v = talk(bot, "我是湖南怀化的户口，在崖州这边打工好几年了，能在这边参加城乡居民养老保险吗", region="yazhou")
    assert v["resident_pension_enrol"] == "ineligible"


def test_a_bureau_with_no_such_rule_gets_the_rule_stated_and_its_own_phone():
    rule = RULES["resident_pension_enrol"]
    v = evaluate(rule, {"age": 40, "hukou": "四川"}, Place("pingwu", "四川", date(2026, 11, 30)))
    assert v.verdict == "no_rule" and v.reason == rule.statement and v.source == "yazhou-service-10"


def test_no_rule_answer_names_whose_rule_and_the_citizens_phone(seed_index):
    from bot import Bot
    from corpus.sources import load_sources
    extra = Source(slug="pingwu", file="raw/none.txt", bureau="平武县人力资源和社会保障局", province="四川省",
                   city="绵阳市", county="平武县", area_code="0816", places=("平武",))
    bot = Bot(seed_index, sources=[*load_sources(), extra])
    s = Session(today=TODAY, region="pingwu")
    a = bot.answer("我今年40岁，能参加城乡居民养老保险吗", s)
    (v,) = [e for e in a.eligibility if e.rule == "resident_pension_enrol"]
    assert v.verdict == "no_rule" and "不作判断" in a.answer and "三亚市崖州区人力资源和社会保障局" in a.answer
    assert "您的户口在海南吗" not in a.answer                                    # never judged as 海南


def test_a_verdict_gives_office_phone_and_the_facts_used(bot):
    _, a, v = talk(bot, "我1965年出生，城乡居民养老交了15年，能按月领吗", region="dingan")
    assert v["resident_pension_monthly"] == "eligible"
    assert "社保股" in a.answer and "0898-63830923" in a.answer and "dingan-service-1" in a.cited
    assert "按您说的：1965年出生（今年60到61周岁）、交了15年" in a.answer


def test_need_info_asks_only_for_what_is_missing(bot):
    _, a, _ = talk(bot, "我想参加城乡居民养老保险", "我45岁，定安户口，不读书了", region="dingan")
    (v,) = [e for e in a.eligibility if e.rule == "resident_pension_enrol"]
    assert v.missing == ("employment", "drawing") and "您今年多大年龄" not in a.answer


def test_certification_not_yet_is_late_only_after_the_bureaus_window(bot):
    q = "我是企业退休的，今年的认证还没做，养老金会不会停"
    assert talk(bot, q, region="yangpu")[2]["pension_certification"] == "ineligible"   # 洋浦: March to June
    assert talk(bot, q, region="yangpu", today="2026-05-10")[2]["pension_certification"] == "need_info"
    _, a, v = talk(bot, q, region="dingan")
    assert v["pension_certification"] == "need_info" and "逾期未认证将暂停发放" in a.answer


# -- the self-check --------------------------------------------------------------------------------------------
def test_a_blank_self_check_judges_nothing(bot, tmp_path):
    from ui.feedback import FeedbackStore
    from ui.handlers import Handlers
    out = Handlers(bot, FeedbackStore(tmp_path / "f.sqlite3")).check(None, None, "不清楚", "不清楚", "不清楚", "不清楚", None, "不清楚")
    assert "0岁" not in out and "【" not in out and "请至少填写" in out
