"""Facts a citizen states in a turn: age, contribution years, days since founding/hiring, student, household
registration, employment, already drawing a pension, certification done. Chinese and Arabic numerals."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(\d{1,3}|[零〇一二两三四五六七八九十百]{1,5})"


def cn2int(text: str) -> int | None:
    """'62' → 62, '六十二' → 62, '十五' → 15, '一百' → 100, '两' → 2."""
    if text.isdigit():
        return int(text)
    total, cur = 0, 0
    for ch in text:
        if ch in _DIGITS:
            cur = _DIGITS[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return total + cur


def _num(m: re.Match | None, group: int = 1) -> int | None:
    return cn2int(m.group(group)) if m else None


def _any(patterns: tuple[str, ...], text: str) -> bool:
    return any(re.search(p, text) for p in patterns)


_PLACES = {"海南": ("海口", "三亚", "崖州", "定安", "临高", "洋浦", "儋州", "琼海", "文昌", "万宁", "东方", "五指山",
                   "澄迈", "屯昌", "陵水", "乐东", "昌江", "白沙", "琼中", "保亭"),
           "湖南": ("长沙", "怀化", "洪江", "株洲", "湘潭", "衡阳", "岳阳", "常德", "邵阳")}
_PROVINCES = ("海南", "湖南", "广东", "广西", "湖北", "四川", "贵州", "云南", "江西", "福建", "浙江", "江苏", "河南",
              "河北", "山东", "山西", "陕西", "甘肃", "安徽", "黑龙江", "吉林", "辽宁", "内蒙古", "新疆", "西藏",
              "青海", "宁夏", "重庆", "北京", "上海", "天津")


def extract(text: str, home_province: str = "海南") -> dict:
    """Facts found in one turn (only the ones stated)."""
    t = re.sub(r"\s+", "", text)
    facts: dict = {}
    age = _num(re.search(_NUM + r"周?岁", t)) or _num(re.search(r"年满" + _NUM + r"(?!年)", t)) \
        or _num(re.search(r"今年" + _NUM + r"(?![年天日个月])", t))
    if age is not None and 0 < age < 130:
        facts["age"] = age
    m = re.search(r"(?:交|缴|缴费|缴纳|买|参保|交费|续)[了过满够足]?(?:了)?" + _NUM + r"个?多?年", t) \
        or re.search(r"(?:累计|已经|已)(?:缴费|交|缴)?" + _NUM + r"个?年", t) \
        or re.search(_NUM + r"年(?:的)?(?:社保|养老保险|保险|缴费)", t)
    if m and cn2int(m.group(1)) is not None and cn2int(m.group(1)) < 80:
        facts["years"] = cn2int(m.group(1))
    d = re.search(_NUM + r"(?:多)?(?:天|日)", t)
    mo = re.search(_NUM + r"个(?:多)?月", t)
    if d and cn2int(d.group(1)) is not None and not re.search(r"30日内|三十日内", t[max(0, d.start() - 1): d.end() + 1]):
        facts["days"] = cn2int(d.group(1))
    elif mo and cn2int(mo.group(1)) is not None:
        facts["days"] = cn2int(mo.group(1)) * 30 + (1 if "多" in mo.group(0) else 0)
    elif "半个月" in t:
        facts["days"] = 15
    if _any((r"不是(在校)?学生", r"(没|不)(有)?(再|在)?(上学|读书|念书)", r"毕业了", r"已毕业", r"毕业(就|后|以后|之后)",
             r"辍学", r"非(在校)?学生", r"早就不上"), t):
        facts["student"] = False
    elif _any((r"学生", r"在校", r"上学", r"读书", r"念书", r"读大学", r"读高中", r"上大学", r"上高中", r"读初中",
               r"读大[一二三四]", r"大[一二三四]在读", r"读研", r"研究生"), t):
        facts["student"] = True
    prov = None
    for p in _PROVINCES:
        places = "|".join((p,) + _PLACES.get(p, ()))
        if re.search(f"({places})" + r"(省|市|县|区)?(的)?.{0,4}?(户口|户籍|人|本地人|籍)", t) \
                or re.search(r"户(口|籍)(在|是)" + f"({places})", t):
            prov = p
            break
    if prov:
        facts["hukou"] = "本省" if prov == home_province else "外省"
    elif _any((r"外省", r"外地户口", r"外地户籍", r"外地人", r"不是本地", r"不是本省", r"户口不在"), t):
        facts["hukou"] = "外省"
    elif _any((r"本省户", r"本地户", r"本地人", r"本省人", r"户口在本"), t):
        facts["hukou"] = "本省"
    pub_neg = re.search(r"(不是|不属于|并非|没在|没有在|不在|非)[^，。]{0,3}(机关|事业单位|公务员|行政单位)", t)
    emp_neg = re.search(r"(没|没有|未|不)(参加|交|缴|买|在)(过)?[^，。]{0,4}(职工|城镇)[^，。]{0,4}(养老|社保|保险)", t)
    if not pub_neg and _any((r"机关", r"公务员", r"事业单位", r"事业编", r"行政单位", r"公办(学校|幼儿园|医院)",
                             r"公立(学校|医院)", r"编制内", r"有编制", r"在编"), t):
        facts["employment"] = "机关事业单位"
    elif not emp_neg and _any((r"企业职工", r"在企业", r"公司上班", r"厂里上班", r"在厂里", r"单位上班", r"单位交",
                               r"职工养老", r"职工社保", r"职工保险",
                               r"(厂里|单位|公司|老板)(给|帮)?(我|他|她)?(交|缴|买)(了)?(职工)?(社保|保险|养老)"), t):
        facts["employment"] = "企业职工"
    elif (pub_neg and emp_neg) or _any((r"个体", r"做生意", r"开店", r"灵活就业", r"打零工", r"务农", r"种地", r"农民",
                                        r"没(有)?工作", r"无业", r"在家", r"自由职业", r"没单位", r"没有单位"), t):
        facts["employment"] = "个体或灵活就业"
    if _any((r"没(有)?领", r"未领", r"还没领", r"不领", r"没在领", r"没有(任何)?.{0,8}养老金"), t):
        facts["drawing"] = False
    elif _any((r"(已经|已|正在|在)(按月)?领(取)?(着)?.{0,4}(养老|退休|待遇)", r"领着", r"已经退休", r"已退休", r"退休了",
               r"我领(养老金|退休金)", r"拿着(养老金|退休金)"), t):
        facts["drawing"] = True
    if _any((r"补办(了)?[^，。,；]{0,4}认证", r"(已经|已)[^，。,；]{0,4}认证", r"认证[^，。,；]{0,8}(已经|已)(做|办)",
             r"认证(过|好|完)了", r"做了认证", r"做过认证", r"认证完", r"(做|办)完了"), t):
        facts["certified"] = True
    elif re.search(r"还没[^，。]{0,6}认证|认证[^，。]{0,6}还没", t) and not _any((r"错过", r"过了", r"停发", r"过期"), t):
        pass                         # not yet: whether it is late depends on the bureau's window
    elif _any((r"没按时", r"未按(时|期)", r"错过", r"过了认证", r"认证期(已经)?过", r"认证[^，。]{0,4}过期", r"停发",
               r"忘了[^，。]{0,10}认证", r"去年没[^，。]{0,8}认证", r"过了(期限|时间|截止)", r"认证[^，。]{0,6}没(去)?(做|办)"),
              t):
        facts["certified"] = False   # missed: the pension is suspended until certified
    elif _any((r"没[^，。]{0,10}认证", r"未认证"), t):
        facts["certified"] = False
    if "student" not in facts and facts.get("employment") and "age" in facts and facts["age"] >= 25:
        facts["student"] = False  # a working adult who mentions no school is taken as not a student
    return facts
