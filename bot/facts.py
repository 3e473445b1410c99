"""Facts a citizen states in a turn: age, contribution years, days since founding/hiring (or two dates),
student, household registration, employment, already drawing a pension, certification done.

Chinese and Arabic numerals (六十二、五十有八、一十四、62). Approximate amounts keep their side of a boundary:
「不到15年」 → 14.5, 「六十多岁」 → 60.5, 「虚岁60」 → 59 (周岁 is one less)."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(\d{1,3}|[零〇一二两三四五六七八九十百]{1,5}(?:有[一二三四五六七八九])?)"
_DIALECT = {"冇": "没", "木有": "没有", "没得": "没有"}


def cn2int(text: str) -> int | None:
    """'62' → 62, '六十二' → 62, '五十有八' → 58, '十五' → 15, '一百' → 100, '两' → 2; a range such as '十五六'
    or a digit string such as '一九六四' is no single number (None)."""
    text = text.replace("有", "")
    if text.isdigit():
        return int(text)
    if re.search(r"[零〇一二两三四五六七八九]{2}", text):
        return None
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


def _any(patterns: tuple[str, ...], text: str) -> bool:
    return any(re.search(p, text) for p in patterns)


def _amount(t: str, unit: str, lead: str = "", vague_来: bool = False) -> float | None:
    """A number before `unit` (after `lead`), with 不到/多/来/出头 kept as ±0.5 around it."""
    found = list(re.finditer(lead + r"(不到|不足|没到|没满|未满)?" + _NUM + r"(?![\d零〇一二两三四五六七八九十百])"
                             r"(多|来|出头)?(?:个)?(多|来)?" + unit, t))
    if vague_来:
        found = [m for m in found if "来" not in (m.group(3) or "") + (m.group(4) or "")]
    bounds = [m for m in found if m.group(1)]  # 「十来年，反正不到15年」: the stated bound is the fact
    m = (bounds or found or [None])[0]
    if not m or cn2int(m.group(2)) is None:
        return None
    n = float(cn2int(m.group(2)))
    if m.group(1):
        return n - 0.5
    if m.group(3) or m.group(4):
        return n + 0.5
    return n


_PLACES = {"海南": ("海口", "三亚", "崖州", "崖城", "定安", "临高", "洋浦", "儋州", "琼海", "文昌", "万宁", "东方",
                   "五指山", "澄迈", "屯昌", "陵水", "乐东", "昌江", "白沙", "琼中", "保亭", "嘉积"),
           "湖南": ("长沙", "怀化", "洪江", "株洲", "湘潭", "衡阳", "岳阳", "常德", "邵阳")}
_PROVINCES = ("海南", "湖南", "广东", "广西", "湖北", "四川", "贵州", "云南", "江西", "福建", "浙江", "江苏", "河南",
              "河北", "山东", "山西", "陕西", "甘肃", "安徽", "黑龙江", "吉林", "辽宁", "内蒙古", "新疆", "西藏",
              "青海", "宁夏", "重庆", "北京", "上海", "天津")
_EMPLOYER = r"成立|注册|开业|开张|招|入职|用工|上班|营业执照|员工|雇|请了|工人|办社保|社保登记|参保登记"
_DATE = r"(?:(\d{1,2}|[一二三四五六七八九十]{1,3})月|(上个月|上月|这个月|本月))?(\d{1,2}|[一二三四五六七八九十]{1,3})[号日]"


def _stated(pattern: str, t: str) -> bool:
    """The pattern occurs in a clause that states something rather than asks (「每月领养老金吗」 asks)."""
    return any(re.search(pattern, c) and not re.search(r"吗|能不能|能否|可不可以|可以不|条件|怎么|如何|什么", c)
               for c in re.split(r"[，。,；;!！?？]", t))


def _age(t: str) -> float | None:
    m = re.search(r"虚岁" + _NUM, t)
    if m and cn2int(m.group(1)) is not None:
        return cn2int(m.group(1)) - 1.0
    m = re.search(r"(快|快要|将近|差不多到|马上)" + _NUM + r"(?:周?岁)?(?![年天日个月])", t)
    if m and cn2int(m.group(2)) is not None:
        return cn2int(m.group(2)) - 0.5          # 「快60了」 is still under 60
    for lead, unit in (("", r"周?岁"), ("年满", r"(?![年天日个月])"), ("今年", r"(?![年天日个月])"),
                       (r"年龄(?:是|：|:|为)?", r"(?![年天日个月])"),
                       ("刚过", r"(?![年天日个月])"), ("刚满", r"(?![年天日个月])"), ("", r"整(?![年天日个月])"),
                       ("满", r"周?岁"), (r"(?<![\d年月日号天周交缴])", r"了(?![解])")):
        v = _amount(t, unit, lead, vague_来=True)   # 「六十来岁」 may be either side of 60
        if v is not None and (10 <= v < 130 or (unit != r"了(?![解])" and 0 < v)):
            return v
    return None


def _days(t: str, wanted: bool) -> float | None:
    if not (wanted or re.search(_EMPLOYER, t)):
        return None
    m = re.search(_NUM + r"个半月", t)
    if m and cn2int(m.group(1)) is not None:
        return cn2int(m.group(1)) * 30 + 15.0
    if "半个月" in t:
        return 15.0
    d = re.search(r"(?<![月\d])(?:第)?" + _NUM + r"(多)?(?:天|日)(?!内)", t)
    if d and cn2int(d.group(1)) is not None and not re.search(r"30日内|三十日内", t):
        return cn2int(d.group(1)) + (0.5 if d.group(2) else 0.0)
    mo = re.search(_NUM + r"个(多)?月", t)
    if mo and cn2int(mo.group(1)) is not None:
        return cn2int(mo.group(1)) * 30 + (1.0 if mo.group(2) else 0.0)
    wk = re.search(_NUM + r"个?(?:星期|礼拜|周)(?:前|了|之前)", t)
    if wk and cn2int(wk.group(1)) is not None:
        return cn2int(wk.group(1)) * 7.0
    if re.search(r"上(个)?(周|星期|礼拜)", t):
        return 10.0                               # 「上周一入职」: 7 to 13 days ago
    return None


def days_between(start: tuple, end: tuple) -> int | None:
    """Days from (month, day) `start` to `end` in one (non-leap) year, or across a new year. A month of 0 means
    「this month」 and -1 「last month」 (30 days back); None when the two cannot be compared."""
    cum = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
    (m1, d1), (m2, d2) = start, end
    if m1 <= 0 or m2 <= 0:
        if m2 > 0 or m1 > 0:
            return None
        return (d2 - d1) + (30 if m1 < 0 else 0) if (m1 < 0 or d2 >= d1) else None
    a, b = cum[m1 - 1] + d1, cum[m2 - 1] + d2
    return b - a if b >= a else b + 365 - a


def _dates(t: str) -> dict:
    out = {}
    for clause in re.split(r"[，。,；;!！?？]", t):
        for m in re.finditer(_DATE, clause):
            month = cn2int(m.group(1)) if m.group(1) else (-1 if m.group(2) and "上" in m.group(2) else 0)
            md = (month, cn2int(m.group(3)))
            if None in md or not (-1 <= md[0] <= 12 and 1 <= md[1] <= 31):
                continue
            if re.search(r"今天|现在|今儿|今日|到今", clause):
                out["today_date"] = md
            elif re.search(_EMPLOYER, clause):
                out["start_date"] = md
    return out


def _hukou(t: str, home_province: str) -> str | None:
    # 「湖南户口」「广东人」 first, across all provinces; then 「户口没迁，还在湖北老家」
    for pattern in (r"({places})(省|市|县|区)?(的)?.{{0,4}}?(户口|户籍|人|本地人|籍)",
                    r"(户口|户籍)[^。]{{0,10}}?(在|是|：|:|为)[^，。]{{0,3}}?({places})"):
        hits = []  # the place nearest to 户口 wins: 「户口在怀化，现在在海口打工」 is 湖南
        for p in _PROVINCES:
            m = re.search(pattern.format(places="|".join((p,) + _PLACES.get(p, ()))), t)
            if m:
                hits.append((m.end() - m.start(), p))
        if hits:
            return "本省" if min(hits)[1] == home_province else "外省"
    if _any((r"外省", r"外地户口", r"外地户籍", r"外地人", r"不是本地", r"不是本省", r"户口不在"), t):
        return "外省"
    if _any((r"本省户", r"本地户", r"本地人", r"本省人", r"户口在本"), t):
        return "本省"
    return None


def _employment(t: str) -> str | None:
    pub_neg = re.search(r"(不是|不属于|并非|没在|没有在|不在|非|不曾|从未|从没|从来没)[^，。]{0,4}(机关|事业单位|公务员|行政单位)|"
                        r"(没有|没|无)编制", t)
    emp_neg = re.search(r"(没|没有|未|不)(参加|交|缴|买|在)(过)?[^，。]{0,4}(职工|城镇|其他|别的|任何)[^，。]{0,4}(养老|社保|保险)|"
                        r"(职工|城镇)[^，。]{0,6}(养老|社保|保险)[^，。]{0,6}(没|未)(有)?(交|缴|参加|买)", t)
    if not pub_neg and _any((r"机关", r"公务员", r"事业单位", r"事业编", r"行政单位", r"公办(学校|幼儿园|医院)",
                             r"公立(学校|医院)", r"编制内", r"(?<![没无])有编制", r"在编", r"(镇|县|区|市)政府上班",
                             r"卫生院"), t):
        return "机关事业单位"
    if not emp_neg and _any((r"企业职工", r"在企业", r"公司上班", r"厂里上班", r"在厂里",
                             r"(?<!事业)(?<!没在)(?<!不在)(?<!没有在)单位上班", r"单位交",
                             r"职工养老", r"职工社保", r"职工保险",
                             r"(厂里|单位|公司|老板|超市|店里)[^，。]{0,6}(交|缴|买)(了)?[^，。]{0,3}(社保|保险|养老)"), t):
        return "企业职工"
    if (pub_neg and emp_neg) or _any((r"个体", r"做生意", r"开店", r"小卖部", r"灵活就业", r"打零工", r"务农", r"种地",
                                      r"农民", r"没(有)?工作", r"无业", r"在家", r"自由职业", r"没单位", r"没有单位",
                                      r"外卖", r"滴滴", r"摆摊", r"村委会"), t):
        return "个体或灵活就业"
    return None


def _certified(t: str, wanted: bool = False) -> bool | None:
    if wanted and re.search(r"补办(了|好|完)|(办|做|弄)好了", t) and not re.search(r"没|未|还没", t):
        return True                  # 「后来去社保局补办了」 while certification is being discussed
    if _any((r"补办(了)?[^，。,；]{0,4}认证", r"(已经|已)[^，。,；]{0,4}认证", r"认证[^，。,；]{0,8}(已经|已)(做|办)",
             r"完成(了)?[^，。,；]{0,2}认证", r"认证(已经|已)?(通过|完成|成功)", r"(已经|已)[^，。,；]{0,10}(完成|通过)[^，。,；]{0,4}认证",
             r"认证(过|好|完)了", r"做了认证", r"做过认证", r"认证完", r"(做|办)完了",
             r"(人脸识别|刷脸)[^，。,；]{0,6}(做|弄|搞|认证)(过|好|完)"), t):
        return True
    missed = (r"没按时", r"未按(时|期)", r"错过", r"过了认证", r"认证期(已经)?过", r"认证[^，。]{0,4}过期", r"停发",
              r"要停", r"忘了[^，。]{0,10}认证", r"去年没[^，。]{0,8}认证", r"过了(期限|时间|截止)",
              r"截止[^，。]{0,8}过", r"(期限|日期)[^，。]{0,4}(已经)?过了")
    if re.search(r"还没[^，。]{0,6}认证|认证[^，。]{0,6}还没", t) and not _any(missed, t):
        return None                  # not yet: whether it is late depends on the bureau's window
    if _any(missed + (r"认证[^，。]{0,6}没(去)?(做|办)",), t):
        return False                 # missed: the pension is suspended until certified
    if _any((r"没[^，。]{0,10}认证", r"未认证"), t):
        return False
    if "认证" in t and _stated(r"(做|办|弄|搞)(了|完|好)", t) and not re.search(r"没|未|不知道|不清楚|不晓得", t):
        return True                  # 「认证是社区工作人员上门帮做了」
    return None


def extract(text: str, home_province: str = "海南", wanted: frozenset[str] | set[str] = frozenset()) -> dict:
    """Facts found in one turn (only the ones stated). `wanted`: facts the rules under discussion need, so a
    bare 「到今天已经50天了」 counts as days only when the employer rule is being discussed."""
    t = re.sub(r"(?<=\d)[oO〇]", "0", re.sub(r"\s+", "", text))   # 「6O岁」 typed with a letter O
    for word, plain in _DIALECT.items():
        t = t.replace(word, plain)
    facts: dict = {}
    age = _age(t)
    if age is not None:
        facts["age"] = age
    bound = re.search(r"(?:不到|不足|没到|没满|未满)" + _NUM + r"年", t)
    gap = re.search(r"差" + _NUM + r"年(?:满|到|够|就满)" + _NUM + r"年", t)
    years = (cn2int(bound.group(1)) - 0.5 if bound and cn2int(bound.group(1)) is not None else None) \
        or (float(cn2int(gap.group(2)) - cn2int(gap.group(1))) if gap and None not in
            (cn2int(gap.group(1)), cn2int(gap.group(2))) else None) \
        or _amount(t, r"年", r"(?:交|缴|缴费|缴纳|买|参保|交费|续|交满|交够|缴满|累计)[了过满够足]?(?:了)?"
                             r"(?:整整|足足|总共|一共|共|累计|加起来)?") \
        or _amount(t, r"年(?:的)?[^，。]{0,6}?(?:社保|养老保险|保险|缴费|居民养老)") \
        or _amount(t, r"年", r"(?:缴费)?年限(?:是|：|:|为)?")
    if years is not None and years < 80:
        facts["years"] = years
    days = _days(t, "days" in wanted)
    if days is not None:
        facts["days"] = days
    facts.update(_dates(t))
    if _any((r"不是(在校)?学生", r"(没|不)(有)?(再|在)?(校)?(上学|读书|念书)", r"毕业了", r"已毕业", r"毕业(就|后|以后|之后)",
             r"辍学", r"非(在校)?学生", r"早就不上", r"不在校", r"不再上学"), t):
        facts["student"] = False
    elif _any((r"学生", r"在校", r"上学", r"读书", r"念书", r"在读", r"读(大学|高中|初中|研)", r"上(大学|高中|初中)",
               r"(读|上)?(大|高|初)[一二三四]", r"研究生"), t):
        facts["student"] = True
    hukou = _hukou(t, home_province)
    if hukou:
        facts["hukou"] = hukou
    employment = _employment(t)
    if employment:
        facts["employment"] = employment
    if _any((r"没(有)?领", r"未领", r"还没领", r"不领", r"没在领", r"没有(任何)?.{0,8}养老金", r"无任何[^，。]{0,6}(养老金|退休金)"),
            t):
        facts["drawing"] = False
    elif _any((r"(已经|已|正在|在)(按月)?领(取)?(着)?.{0,4}(养老|退休|待遇)", r"(领着|拿着)[^，。]{0,4}(养老|退休|待遇)",
               r"已经退休", r"已退休", r"退休了", r"我领(养老金|退休金)"), t) or _stated(
            r"(每月|每个月)(都)?(拿|领)[^，。]{0,3}(养老金|退休金|退休工资)", t):
        facts["drawing"] = True
    certified = _certified(t, "certified" in wanted)
    if certified is not None:
        facts["certified"] = certified
    elif re.search(r"还没[^，。]{0,6}认证|认证[^，。]{0,6}还没", t):
        facts["certified"] = None     # 「我自己今年还没认证」: whatever was said before no longer holds
    if "student" not in facts and facts.get("employment") and "age" in facts and facts["age"] >= 25:
        facts["student"] = False  # a working adult who mentions no school is taken as not a student
    return facts
