"""Places no register covers (jionlp's division data): the bot says which places it covers and points to
12333 instead of answering with another bureau's office."""

import pytest

from bot.places import elsewhere
from bot.regions import Regions
from corpus.sources import load_sources

REGIONS = Regions(load_sources())


@pytest.mark.parametrize("question,label", [
    ("北京市朝阳区社保卡丢了怎么补办", "北京市朝阳区"),        # 朝阳区 read in the province 北京市 agrees on
    ("北京朝阳区社保卡丢了", "北京市朝阳区"),
    ("朝阳区社保卡丢了", "朝阳区"),                           # 北京 or 长春: kept as written
    ("广东省深圳市灵活就业怎么参保", "广东省深圳市"),
    ("深圳南山区灵活就业", "广东省深圳市南山区"),
    ("长沙的失业金怎么领", "湖南省长沙市"),                    # our 湖南 register is 洪江, not 长沙
    ("海口人才引进落户", "海南省海口市"),                      # our 海南 registers are not 海口's
    ("澄迈工伤认定去哪里申请", "海南省澄迈县"),                # a county of our province by its short name
    ("陵水被征地农民养老补贴咋申请", "海南省陵水黎族自治县"),  # … an autonomous county's, by jionlp's alias
])
def test_places_no_register_covers(question, label):
    place = elsewhere(question, REGIONS.covers)
    assert place is not None and place.label == label


@pytest.mark.parametrize("question", [
    "我在定安，劳动用工备案要带什么？", "洋浦的社保怎么查", "社保卡丢了怎么补办", "怀化市社保卡在哪办",
    "我户口在怀化，今年40岁，没工作", "我是湖南户口，在海南打工，能参加城乡居民养老保险吗", "老家在长沙，现在三亚上班",
    "海南的社保卡怎么办", "我是香港人，想在内地找份工作，要办什么许可",
    "16岁不读书了能交城居保不", "孩子在读大学，能给他交城乡居民养老保险吗",   # 交城 (山西) is no word here
    "包工头修水库欠了工钱", "转正定级的工资待遇谁批", "随军家属的工作谁来安置",  # 修水, 正定, 来安: likewise
])
def test_our_places_home_towns_and_no_place(question):
    assert elsewhere(question, REGIONS.covers) is None


def test_the_bot_says_which_places_it_covers(bot):
    a = bot.answer("北京市朝阳区社保卡丢了怎么补办")
    assert a.out_of_scope and a.hits == [] and "没有北京市朝阳区的" in a.answer and "12333" in a.answer
    assert "崖州、定安、洋浦、洪江、临高" in a.answer
    b = bot.answer("我在定安，劳动用工备案要带什么？")
    assert not b.out_of_scope and b.cited == ["dingan-service-7"]
