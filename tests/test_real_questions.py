"""Classes of real citizens' questions the bot got wrong (issue 11), on the real seed index with the bundled e5
encoder and the fitted ranking and refusal (index/data/fusion.json, domain.npy): each case stands for a kind."""

import pytest

from bot.core import Session


def dialogue(bot, turns, region=None):
    s = Session(region=region)
    return [bot.answer(t, s) for t in turns]


# Another department's matter with our verbs (补办, 办理, 年审): refused, pointed to 12333, no rule verdict.
@pytest.mark.parametrize("q", ["身份证丢了怎么补办", "营业执照丢了怎么补办", "个体户营业执照怎么办理", "驾照年审怎么办",
                               "学生证丢了怎么补办",
                               "居住证办理要多久才能领证",          # 能领 is a pension rule's keyword, not its question
                               "城乡居民养老最高档一年交多少钱"])    # a figure: the rules state none
def test_look_alikes_for_other_departments_are_refused(bot, q):
    a = bot.answer(q, Session())
    assert a.out_of_scope and a.eligibility == [] and "12333" in a.answer


# A place no register covers, with or without a fact word (灵活就业 is an employment fact): the covered places.
@pytest.mark.parametrize("q,label", [("广东省深圳市灵活就业怎么参保", "广东省深圳市"),
                                     ("北京灵活就业社保缴费标准是怎么定的", "北京市"),
                                     ("宝鸡这边领养老金的社保卡想换个银行，要怎么办", "陕西省宝鸡市"),
                                     ("昆山这边灵活就业怎么参保", "江苏省苏州市昆山市"),      # a county-level city's short name
                                     ("文昌的企业退休人员资格认证在哪做", "海南省文昌市")])   # our province, but where to go there
def test_places_outside_every_register_are_said(bot, q, label):
    a = bot.answer(q, Session())
    assert a.out_of_scope and a.hits == [] and f"没有{label}的" in a.answer and "12333" in a.answer


@pytest.mark.parametrize("q", ["我户口在广东，现在在海口打零工，40岁，能参加海南的城乡居民养老保险吗？",
                               "我是广东户口，在海南打工，今年30岁，能在这边参加城乡居民养老保险吗？"])   # 广东户口: household
def test_a_place_in_a_province_whose_rules_we_have_is_context_for_a_rule(bot, q):
    a = bot.answer(q, Session())
    assert [(v.rule, v.verdict) for v in a.eligibility] == [("resident_pension_enrol", "ineligible")]


@pytest.mark.parametrize("q,region,gold", [
    ("社会保险卡掉了怎么办", None, "yazhou-service-17"),          # the full name of 社保卡 (userdict + synonym)
    ("洋浦的社保怎么查", None, "yangpu-service-11"),              # the lone verb 查 stands for 查询 (verbs.tsv)
    ("城乡居民养老保险能转吗", None, "yazhou-service-14"),        # 转 → 转移 转入 接续
    ("我想咨询政策", "hongjiang", "hongjiang-service-1"),         # a generic title, the bureau chosen
    ("我手机13812345678，灵活就业怎么参保？", None, "yazhou-service-7"),   # a number is a fact, not a matter
    ("工伤认定要什么材料", "dingan", "dingan-duty-4"),           # an aspect word does not make it look foreign
    ("五险不交可以举报吗", None, "dingan-service-5"),            # an employer not paying in: a violation to report
    ("政策咨询找谁", "hongjiang", "hongjiang-service-1"),          # 找谁 is how it asks, not what about
    ("社保卡丢了怎么补办", None, "yazhou-service-17"),            # 「…丢了怎么补办」 look-alikes do not make 补办 foreign
])
def test_real_phrasings_find_the_record(bot, q, region, gold):
    a = bot.answer(q, Session(region=region))
    assert not a.out_of_scope and a.cited[0] == gold


def test_unpaid_wages_are_not_a_teachers_matter(bot):
    a = bot.answer("老板老是不给发工资怎么办", Session(region="dingan"))
    assert not a.out_of_scope and a.cited[0] in ("dingan-service-5", "dingan-boundary-15")
    assert "0898" in a.answer                                   # a phone to call in every answer


def test_the_topic_is_kept_across_turns(bot):
    answers = dialogue(bot, ["定安县劳动用工备案要带什么材料？", "电话是多少？", "在哪里办？"])
    assert [a.cited[:1] for a in answers] == [["dingan-service-7"]] * 3
    answers = dialogue(bot, ["洋浦怎么查参保缴费明细？", "那崖州呢？", "要带什么？"])
    assert answers[0].cited[0] in ("yangpu-service-12", "yangpu-service-11")   # 缴费明细打印 or 参保信息查询
    assert answers[1].region == "yazhou" and answers[1].cited[0].startswith("yazhou-service-")
    assert answers[2].cited[:1] == answers[1].cited[:1]


def test_a_first_turn_naming_only_a_place_chooses_it(bot):
    a = bot.answer("我在洪江", Session())
    assert a.region == "hongjiang" and not a.out_of_scope and a.cited == [] and "洪江区人力资源和社会保障局" in a.answer


def test_a_duty_answer_gives_the_bureaus_line(bot):
    a = bot.answer("工伤认定怎么弄", Session(region="dingan"))
    assert a.cited[0] == "dingan-duty-4" and "咨询电话" in a.answer and "0898-" in a.answer


# A record restricted to a group the question does not name yields to one for everyone (index/data/groups.toml).
@pytest.mark.parametrize("q", ["被辞退了怎么办", "被公司开了怎么办"])
def test_a_dismissal_is_not_the_teachers_matter(bot, q):
    a = bot.answer(q, Session())
    assert not a.out_of_scope and a.hits[0].id != "lingao-service-4"
    assert a.hits[0].id in ("hongjiang-duty-11", "dingan-duty-11", "yazhou-duty-6")   # 劳动人事争议调解仲裁


# The chosen bureau's register lacks the matter, another bureau's has it: said, with where it is and whom to call.
@pytest.mark.parametrize("q,region", [("我在定安，想给刚出生的孩子办医保", None), ("刚出生的孩子怎么办医保", "dingan")])
def test_a_matter_the_chosen_bureau_does_not_list_is_said(bot, q, region):
    a = bot.answer(q, Session(region=region))
    assert a.out_of_scope and a.region == "dingan" and "定安（定安县人力资源和社会保障局）公开的登记表里没有找到" in a.answer
    assert a.cited and all(c.startswith("yangpu-") for c in a.cited) and "12333" in a.answer
    assert "0898-63831860" in a.answer                          # 定安's consultation line, to confirm there


def test_a_turn_pointing_back_stays_on_the_rule(bot):
    answers = dialogue(bot, ["我开了个装修公司", "成立两个月了还没去登记社保", "这个还算在规定时间里吗"])
    assert [(v.rule, v.verdict) for v in answers[2].eligibility] == [("employer_registration", "ineligible")]
