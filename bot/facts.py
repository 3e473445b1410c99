"""Facts a citizen states in a turn, as typed values or intervals, each about a person and from a span.

- numbers (age 周岁, contribution years, days) are intervals: 「62」 → [62, 62], 「十三四年」 → [13, 14],
  「六十多」 → [61, 69], 「不到15年」 → [14, 14.99]; Chinese numerals with decimals are read by cn2an;
- times (「1964年生」「从2009年开始交」「上个月15号入职」「大前天」) are read by jionlp relative to `today` and turned
  into ages, contribution years and day counts;
- yes/no and category facts (student, employment, drawing a pension, certification, 户籍) come from the patterns
  in bot/data/facts.toml, with one negation scope for all of them;
- each clause is about a person: 本人 unless it starts with a kinship word (我妈、老伴、阿公 …) or 他/她.

A rule engine never sees this module's text: it gets values by person from the dialogue (bot/core.py)."""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from bot import timeparse

DATA = Path(__file__).resolve().parent / "data" / "facts.toml"
SELF = "本人"
_CN = "零〇一二两三四五六七八九十百点"
_NUM = r"(\d{1,3}(?:\.\d+)?|[零〇一二两三四五六七八九十百点]{1,6}(?:有[一二三四五六七八九])?)"
_NOT_DIGIT = r"(?![\d零〇一二两三四五六七八九十百点])"
_DIALECT = {"冇": "没", "木有": "没有", "没得": "没有", "莫有": "没有"}
_SPLIT = re.compile(r"[，。,；;!！?？、\s]+")
_EMPLOYER = r"成立|注册|开业|开张|招|入职|用工|上班|营业执照|员工|雇|请了|工人|新来|来了个|办社保|社保登记|参保登记|执照"


@dataclass(frozen=True)
class Fact:
    """One fact: `value` (bool, str, or the low end of a number) and `hi` (a number's high end; equal to value
    when exact), the person it is about, the span of the (normalised) turn and the words it came from."""

    name: str
    value: object
    hi: float | None = None
    person: str = SELF
    span: tuple[int, int] = (0, 0)
    said: str = ""

    @property
    def interval(self) -> tuple[float, float] | None:
        return (float(self.value), float(self.hi)) if self.hi is not None else None


@dataclass
class Reading:
    """What one turn says: its facts, the person its question is about (None: it names nobody), the last
    other person it named, and the date it says today is (「今天4月20号」)."""

    facts: list[Fact] = field(default_factory=list)
    person: str | None = None
    other: str | None = None
    today: date | None = None


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    with DATA.open("rb") as fh:
        data = tomllib.load(fh)
    for p in data["pattern"]:
        p["regex"] = re.compile("|".join(f"(?:{w})" for w in p["words"]))
    neg = data["negation"]
    neg["regex"] = re.compile("|".join(sorted(map(re.escape, neg["words"]), key=len, reverse=True)))
    neg["not_yet_regex"] = re.compile("|".join(map(re.escape, neg["not_yet"])))
    neg["unsure_regex"] = re.compile("|".join(map(re.escape, neg["unsure"])))
    neg["question_regex"] = re.compile("|".join(neg["question"]))
    kin = "|".join(sorted(map(re.escape, data["people"]["kin"]), key=len, reverse=True))
    people = data["people"]
    people["kin_regex"] = re.compile(people["lead"] + f"({kin})")
    people["self_regex"] = re.compile(people["self"] + f"(?!{kin})")
    people["pronoun_regex"] = re.compile(people["pronoun"])
    people["for_regex"] = re.compile(people["for"] + f"({kin})")
    data["elsewhere"]["regex"] = re.compile("|".join(data["elsewhere"]["words"]))
    return data


# -- numbers ----------------------------------------------------------------------------------------------
def _cn2an(text: str) -> float | None:
    import cn2an   # light, but only needed for Chinese numerals
    try:
        return float(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, TypeError):
        return None


_DIG = "一二三四五六七八九"


def number(text: str) -> tuple[float, float] | None:
    """'62' → (62, 62), '六十点五' → (60.5, 60.5), '五十有八' → (58, 58), '十三四' → (13, 14), '两三' → (2, 3);
    a digit string such as '一九六四' is a year, not an amount (None)."""
    text = text.replace("有", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text), float(text)
    m = re.fullmatch(rf"([{_DIG}]?十)?([{_DIG}两])([{_DIG}])", text)
    if m and "十" not in text[m.start(2):]:
        a, b = (_DIG.index(c) + 1 if c != "两" else 2 for c in (m.group(2), m.group(3)))
        if b == a + 1:
            tens = 0 if not m.group(1) else (10 * (_DIG.index(m.group(1)[0]) + 1) if len(m.group(1)) == 2 else 10)
            return float(tens + a), float(tens + b)
        return None
    if re.search(r"[零〇一二两三四五六七八九]{2}", text) and "十" not in text and "点" not in text:
        return None
    v = _cn2an(text)
    return (v, v) if v is not None else None


def _qualified(n: tuple[float, float], before: str, after: str) -> tuple[float, float]:
    """An amount with what is said around it: 不到/快 below it, 多/出头 above it, 来 either side."""
    lo, hi = n
    tens = lo == hi and lo >= 20 and lo % 10 == 0
    if re.search(r"(不到|不足|没到|没满|未满|快要|快|将近|差不多到|马上)$", before):
        return lo - 1, lo - 0.01
    if after.startswith("多") or after.startswith("个多"):
        return (lo + 1, lo + 9) if tens else (lo + 0.01, hi + 0.99)
    if after.startswith("出头"):
        return (lo, lo + 3) if tens else (lo, hi + 0.99)
    if after.startswith("来"):
        return (lo - 2, lo + 2) if lo >= 10 else (lo, lo)
    return lo, hi


def _amounts(t: str, unit: str, lead: str = "") -> list[tuple[tuple[float, float], tuple[int, int], str]]:
    out = []
    for m in re.finditer(r"(?<![\d.])" + lead + _NUM + _NOT_DIGIT + r"(多|来|出头)?(?:个)?(多)?" + unit, t):
        n = number(m.group(1))
        if n is None:
            continue
        before = t[max(0, m.start() - 4):m.start()] + t[m.start():m.start(1)]
        after = (m.group(2) or "") + (m.group(3) or "")
        out.append((_qualified(n, before, after), m.span(), m.group(0)))
    return out


_AGE_UNIT = r"(?![年天日号个月周多点\d])"


def _age(t: str) -> tuple[tuple[float, float], tuple[int, int], str] | None:
    m = re.search(r"虚岁" + _NUM, t)
    if m and number(m.group(1)):
        n = number(m.group(1))[0]
        return (n - 2, n - 1), m.span(), m.group(0)
    for lead, unit in ((r"(?:快要|快|将近|差不多到|马上)", r"(?:周?岁)?" + _AGE_UNIT), ("", r"(?:周)?岁"),
                       ("年满", _AGE_UNIT), ("今年", _AGE_UNIT), (r"年龄(?:是|：|:|为)?", _AGE_UNIT),
                       ("刚过", _AGE_UNIT), ("刚满", _AGE_UNIT), ("", r"整" + _AGE_UNIT), ("满", r"周?岁"),
                       (r"(?<![\d年月日号天周交缴第])", r"了(?![解])"),
                       (r"(?<![\d年月日号天周交缴第.])", r"(?:咯|啦|哦)?$")):
        for n, span, said in _amounts(t, unit, lead):
            if re.search(r"(下个月|下月|明年|过几天|才|还没|还差|等)(?:满|到)?$", t[max(0, span[0] - 5):span[0]]):
                continue                             # 「下个月才满十六」 is an age still to come
            if lead.startswith("(?:快") and n[0] == n[1]:
                n = (n[0] - 1, n[0] - 0.01)          # 「快60了」 is still under 60
            if (10 <= n[0] < 130) or (unit not in (r"了(?![解])", r"(?:咯|啦|哦)?$") and 0 < n[0] < 130):
                return n, span, said
    return None


def _years(t: str) -> tuple[tuple[float, float], tuple[int, int], str] | None:
    m = re.search(r"(一年都没|一年也没|一年没|一天都没|一分钱都没|一分都没)(交|缴|买)", t)
    if m:
        return (0.0, 0.0), m.span(), m.group(0)
    m = re.search(r"差" + _NUM + r"年(?:满|到|够|就满)" + _NUM + r"年", t)
    if m and number(m.group(1)) and number(m.group(2)):
        v = number(m.group(2))[0] - number(m.group(1))[0]
        return (v, v), m.span(), m.group(0)
    bound = _amounts(t, "年", r"(?:不到|不足|没到|没满|未满)")
    if bound:
        return bound[0]
    for unit, lead in (("年", r"(?:交|缴|缴费|缴纳|买|参保|交费|续|交满|交够|缴满|缴够|累计)[了过满够足]?(?:了)?"
                               r"(?:整整|足足|总共|一共|共|累计|加起来)?"),
                       (r"年(?:的)?[^，。]{0,6}?(?:社保|养老保险|保险|缴费|居民养老)", ""),
                       ("年", r"(?:缴费)?年限(?:是|：|:|为)?")):
        found = _amounts(t, unit, lead)
        if found and found[0][0][0] < 80:
            return found[0]
    return None


def _days(t: str, wanted: bool) -> tuple[tuple[float, float], tuple[int, int], str] | None:
    if not (wanted or re.search(_EMPLOYER, t)):
        return None
    m = re.search(_NUM + r"个半月", t)
    if m and number(m.group(1)):
        v = number(m.group(1))[0] * 30 + 15
        return (v, v), m.span(), m.group(0)
    if "半个月" in t:
        return (15.0, 15.0), (t.index("半个月"), t.index("半个月") + 3), "半个月"
    if not re.search(r"30日内|三十日内|30天内|三十天内", t):
        for n, span, said in _amounts(t, r"(?:天|日)(?!内)", r"(?<![月\d])(?:第)?"):
            return n, span, said
    for n, span, said in _amounts(t, r"月", ""):
        if "个" in said and re.search(r"(快|快要|将近|差不多)$", t[:span[0]]):
            whole = round(n[1] + 0.01)
            return ((whole - 0.5) * 30, whole * 30 - 1.0), span, said      # 快两个月: 45 to 59 days
        if "个" in said:
            return (n[0] * 30, n[1] * 30 + (29 if "多" in said else 0)), span, said
    for n, span, said in _amounts(t, r"(?:星期|礼拜|周)(?:前|了|之前)", ""):
        return (n[0] * 7, n[1] * 7), span, said
    return None


# -- times ------------------------------------------------------------------------------------------------
def _age_on(today: date, born: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _time_facts(t: str, clause_of, today: date, wanted: set) -> tuple[list[Fact], date | None]:
    """Birth dates → age, the year contributions started → years, the day of founding or hiring → days."""
    out, said_today = [], None
    found = timeparse.mentions(t, today)
    for m in found:       # 「今天3月30日」: the date the citizen says today is, for the other dates of the turn
        start, _, _ = clause_of(m.start)
        if re.search(r"今天|今日|今儿|现在|到今", t[start:m.start] + m.text) and re.search(r"[号日]", m.text) \
                and not re.search(r"现在|今天|今日|今儿", m.text):
            said_today = m.first
    if said_today:
        today = said_today
    for m in found:
        start, end, clause = clause_of(m.start)
        after, before = t[m.end:end], t[start:m.start]
        if re.search(r"现在|今天|今日|今儿|目前|当前", m.text) or m.first == said_today:
            continue
        if re.match(r"(?:的)?[^，。]{0,3}(?:出生|生)", after) or re.search(r"(出生于|生于|出生在)$", before) or \
                (re.search(r"是$", before) and re.match(r"的", after) and m.last.year < today.year - 10):
            ages = (_age_on(today, m.last), _age_on(today, m.first))
            out.append(Fact("age", float(ages[0]), float(ages[1]), span=(m.start, m.end), said=m.text + "出生"))
            continue
        if m.first.year < today.year and (re.search(r"(从|自)$", before) or "从" in m.text) and \
                re.search(r"交|缴|参保|买", after + m.text) or re.match(r"(?:才|就)?开始(?:交|缴|参保|买)", after):
            first = m.first
            elapsed = math.floor((today - first).days / 365.25)
            out.append(Fact("years", float(elapsed), float(today.year - first.year + 1), span=(m.start, m.end),
                            said=f"从{first.year}年开始交"))
            continue
        if m.first > today:            # 「12月20号入职」 said in January: last December
            try:
                first, last = m.first.replace(year=m.first.year - 1), m.last.replace(year=m.last.year - 1)
            except ValueError:
                continue
        else:
            first, last = m.first, min(m.last, today)
        if first.year < today.year - 5:
            continue
        if re.search(_EMPLOYER, clause) or "days" in wanted:
            out.append(Fact("days", float((today - last).days), float((today - first).days),
                            span=(m.start, m.end), said=m.text))
            out.append(Fact("started", (first.isoformat(), last.isoformat()), span=(m.start, m.end), said=m.text))
    return out, said_today


# -- yes/no and category facts -----------------------------------------------------------------------------
def _patterns(clause: str, wanted: set, past: bool) -> list[tuple[int, Fact]]:
    voc = vocabulary()
    neg = voc["negation"]
    out = []
    asks = bool(neg["question_regex"].search(clause))
    unsure = bool(neg["unsure_regex"].search(clause))
    for p in voc["pattern"]:
        if p.get("wanted") and p["fact"] not in wanted:
            continue
        for m in p["regex"].finditer(clause):
            if unsure:
                out.append((m.start(), Fact(p["fact"], None, said=m.group(0))))   # 「记不清了」: unknown again
                continue
            if asks and p.get("stated"):
                continue
            if past and p.get("past"):
                continue
            state = _negation(clause, m, p.get("scope", neg["scope"]), p)
            value = p.get("value") if state is None else \
                (p.get("not_yet", p.get("negated")) if state == "not_yet" else p.get("negated"))
            if value is not None:
                out.append((m.start(), Fact(p["fact"], value, said=m.group(0))))
    return out


def _negation(clause: str, m: re.Match, scope: int, p: dict) -> str | None:
    """None (stated plainly), "not" or "not_yet", by one rule for every fact: a negation word in the `scope`
    characters before the match with no 了/也/但 … between them, inside the match (「养老金都没领过」), or right
    after it (「职工养老保险从来没交过」). Words that carry their own negation (无业、不再上学) are plain."""
    neg = vocabulary()["negation"]
    if re.fullmatch("|".join(f"(?:{w})" for w in p["words"] if neg["regex"].search(w)) or "(?!)", m.group(0)):
        return None
    before = clause[max(0, m.start() - scope):m.start()]
    cut = max(before.rfind(b) for b in neg["boundary"])
    before = before[cut + 1:] if cut >= 0 else before
    after = clause[m.end():m.end() + 8]
    post = re.match(neg["after"], after)
    for text in (before + m.group(0), post.group(0) if post else ""):
        if neg["not_yet_regex"].search(text):
            return "not_yet"
        if neg["regex"].search(text):
            return "not"
    return None


def _hukou(t: str) -> tuple[str, tuple[int, int], str] | None:
    """(province or 本省/外省, span, words): 「湖南户口」「户口在怀化」; the place nearest to 户口 wins."""
    h = vocabulary()["hukou"]
    for pattern in (r"({places})(?:省|市|县|区)?(?:的)?.{{0,4}}?(?:户口|户籍|人|本地人|籍)",
                    r"(?:户口|户籍)[^。]{{0,10}}?(?:在|是|：|:|为|迁至|迁到|迁去|迁回)[^，。]{{0,3}}?({places})"):
        hits = []
        for p in h["provinces"]:
            m = re.search(pattern.format(places="|".join((p, *h["places"].get(p, ())))), t)
            if m:
                hits.append((m.end() - m.start(), m.start(), p, m))
        if hits:
            _, _, province, m = min(hits)
            return province, m.span(), m.group(0)
    for words, value in ((h["other"], "外省"), (h["home"], "本省")):
        for w in words:
            if w in t:
                return value, (t.index(w), t.index(w) + len(w)), w
    return None


# -- a turn ------------------------------------------------------------------------------------------------
def normalise(text: str) -> str:
    t = re.sub(r"(?<=\d)[oO〇]", "0", re.sub(r"\s+", "", text))   # 「6O岁」 typed with a letter O
    for word, plain in _DIALECT.items():
        t = t.replace(word, plain)
    t = t.translate(str.maketrans({",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}))  # jionlp reads CJK marks
    return t.replace("月份", "月")


def questions(text: str) -> str:
    """The clauses of a turn that ask something (「…没领过养老金，能参加城乡居民养老吗」 asks about enrolling)."""
    neg = vocabulary()["negation"]
    return "，".join(c for c in _SPLIT.split(normalise(text)) if c and neg["question_regex"].search(c))


def elsewhere(text: str) -> bool:
    """The turn is about another authority's matter (驾照年审, 结婚证, 学生证 …): no rule applies to it."""
    return bool(vocabulary()["elsewhere"]["regex"].search(normalise(text)))


def read(text: str, today: date | None = None, wanted: set | frozenset = frozenset(),
         other: str | None = None) -> Reading:
    """Everything one turn states. `wanted`: facts the rules under discussion need (a bare 「弄好了」 is about
    certification only then); `other`: the last person other than the citizen named earlier (for 他/她)."""
    today = today or date.today()
    wanted = set(wanted)
    t = normalise(text)
    people = vocabulary()["people"]
    clauses, pos = [], 0
    for part in _SPLIT.split(t):
        if part:
            start = t.index(part, pos)
            clauses.append((start, start + len(part), part))
            pos = start + len(part)

    reading = Reading(other=other)
    persons: list[str | None] = []
    current: str | None = None
    for _, _, clause in clauses:
        kin = people["kin_regex"].search(clause) or people["for_regex"].search(clause)
        if kin:
            current = kin.group(1)
            reading.other = current
        elif (people["pronoun_regex"].search(clause) or re.search(people["for"] + "[他她]", clause)) \
                and reading.other:
            current = reading.other
        elif people["self_regex"].search(clause):
            current = SELF
        persons.append(current)
    asked = [p for (_, _, c), p in zip(clauses, persons) if vocabulary()["negation"]["question_regex"].search(c)]
    reading.person = (asked or [p for p in persons if p] or [None])[-1]

    def clause_of(offset: int):
        for (s, e, c) in clauses:
            if s <= offset < e:
                return s, e, c
        return 0, len(t), t

    def person_at(offset: int) -> str | None:
        for (s, e, _), p in zip(clauses, persons):
            if s <= offset < e:
                return p
        return None

    facts: list[tuple[int, Fact]] = []
    times, reading.today = _time_facts(t, clause_of, today, wanted)
    facts += [(f.span[0], f) for f in times]
    years_from_start = any(f.name == "years" for f in times)
    for (s, e, clause), person in zip(clauses, persons):
        age = _age(clause)
        if age and not any(f.name == "age" and s <= f.span[0] < e for f in times):
            (lo, hi), span, said = age
            facts.append((s + span[0], Fact("age", lo, hi, span=(s + span[0], s + span[1]), said=said)))
        years = None if years_from_start else _years(clause)
        if years:
            (lo, hi), span, said = years
            facts.append((s + span[0], Fact("years", lo, hi, span=(s + span[0], s + span[1]), said=said)))
        days = _days(clause, "days" in wanted or bool(re.search(_EMPLOYER, t)))
        if days:       # a day count said outright wins over one computed from a date (「到今天是第20天」)
            (lo, hi), span, said = days
            facts = [(at, f) for at, f in facts if f.name not in ("days", "started")]
            facts.append((s + span[0], Fact("days", lo, hi, span=(s + span[0], s + span[1]), said=said)))
            times = [f for f in times if f.name not in ("days", "started")]
        past = re.search(r"去年|前年|\d{4}年|[一二三四五六七八九零〇]{2,4}年", clause) and "今年" not in clause and \
            any(m.last.year < today.year for m in timeparse.mentions(clause, today))
        for at, f in _patterns(clause, wanted, past):
            facts.append((s + at, Fact(f.name, f.value, f.hi, span=(s + at, s + at + len(f.said)), said=f.said)))

    hukou = _hukou(t)     # over the whole turn: 「户口没迁，还在湖北老家」
    if hukou:
        value, span, said = hukou
        facts.append((span[0], Fact("hukou", value, span=span, said=said)))
    for at, f in sorted(facts, key=lambda x: x[0]):
        reading.facts.append(Fact(f.name, f.value, f.hi, person_at(at), f.span, f.said))
    return reading


def combine(stated: list[tuple[str, object]]) -> dict:
    """One person's facts in the order stated, [(name, value)] → {name: value}: the latest statement of each
    fact wins. A negated kind of employment (「不是机关事业单位的」 = 非机关事业单位) only undoes that kind; once
    both kinds are negated the person is 个体或灵活就业."""
    out: dict = {}
    denied: set = set()
    for name, value in stated:
        if name == "employment" and isinstance(value, str) and value.startswith("非"):
            denied.add(value[1:])
            if out.get("employment") == value[1:]:
                out["employment"] = None
            if denied >= set(vocabulary()["employment"]["kinds"]):
                out["employment"] = vocabulary()["employment"]["other"]
            continue
        if name == "employment" and value in vocabulary()["employment"]["kinds"]:
            denied.discard(value)
        if name == "certified" and value == "not_yet" and out.get("certified") is False:
            continue     # 「截止日期已经过了，我还没做」: not yet after missed is still missed
        out[name] = value
    return {k: v for k, v in out.items() if v is not None or k in ("certified", "student", "drawing")}


def extract(text: str, today: date | None = None, wanted: set | frozenset = frozenset()) -> dict:
    """The facts of one turn, whoever they are about, as {name: value} (exact numbers as numbers, ranges as
    (lo, hi)); for tests and the command line."""
    out = {}
    out = combine([(f.name, (f.value if f.value == f.hi else (f.value, f.hi)) if f.hi is not None else f.value)
                   for f in read(text, today, wanted).facts])
    return {k: v for k, v in out.items() if k != "started" and v is not None}
