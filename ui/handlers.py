"""What the staff console's controls and the Gradio API do: plain methods on `Handlers`, callable from tests
without a browser (the citizen page talks to ui/api.py).

Every handler is wrapped by `guarded`: an exception is logged with its traceback and the person sees a
friendly message with the 12333 hotline instead. Everything rendered as markdown has its angle brackets
escaped (`inert`), so no text becomes live HTML.
"""

import functools
import html
import logging
import re
from typing import NamedTuple

import gradio as gr

from bot import Session
from bot.text import mask
from bot.cards import HOTLINE, card, provenance, source_line
from corpus.records import SECTION_NAMES
from ui.feedback import FeedbackStore

log = logging.getLogger("shebao.ui")

ALL = "全部"
OOPS = (f"抱歉，系统暂时出了点问题，请稍后再试；也可以拨打人社服务热线 **{HOTLINE}**"
        f"（[{HOTLINE}](tel:{HOTLINE})）咨询。")
VERDICT_LABEL = {"eligible": "【符合条件】", "ineligible": "【不符合条件】", "need_info": "【还需要了解】",
                 "no_rule": "【本地无此规定】"}
BLANK_CHECK = "请至少填写一项您知道的情况（年龄、缴费年限、户籍等），不清楚的可以不填，系统只判断与所填情况有关的规定。"
LOOKUP_HEADERS = ["编号", "事项", "单位", "承办机构", "电话", "相关度"]
YES_NO = ("是", "否")
UNKNOWN = "不清楚"
_FIELD_NAMES = {"age": "年龄", "years": "累计缴费年限", "days": "天数"}


class LookupView(NamedTuple):
    rows: list
    record: str
    plain: str


def guarded(fallback):
    """Run the handler; on any exception log the traceback and return `fallback(*args)` instead.
    `gr.Error` is meant for the person (a bad API argument) and passes through."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kw):
            try:
                return fn(*args, **kw)
            except gr.Error:
                raise
            except Exception:
                log.exception("handler %s failed", fn.__name__)
                return fallback(*args, **kw)
        return inner
    return wrap


def inert(markdown: str) -> str:
    """Our markdown with every `<` escaped: no element in it can become live HTML (blockquote `>` stays)."""
    return markdown.replace("<", "&lt;")


def plain(markdown: str) -> str:
    """Markdown → text a clerk can paste into a chat or an SMS: links become their text, marks are dropped."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"^#{1,6}\s*", "", text, flags=re.M)
    text = re.sub(r"^>\s?", "", text, flags=re.M)
    text = html.unescape(text.replace("**", "").replace("`", ""))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def facts_from_form(age=None, years=None, student=None, hukou=None, employment=None, drawing=None,
                    days=None, certified=None) -> dict:
    """The self-check form's fields → the rule engine's facts; an empty or 「不清楚」 field is left out (a blank
    box is unknown, never 0; an age of 0 is a blank box, since no one of 0 asks about these rules)."""
    facts: dict = {}
    for key, value in (("age", age), ("years", years), ("days", days)):
        if value is not None and value != "" and not (key == "age" and float(value) == 0):
            number = int(float(value))
            if number < 0:
                raise ValueError(f"{_FIELD_NAMES[key]}不能是负数，请重新填写。")
            facts[key] = number
    for key, value in (("student", student), ("drawing", drawing), ("certified", certified)):
        if value in YES_NO:
            facts[key] = value == "是"
    if hukou in ("本省", "外省"):
        facts["hukou"] = hukou
    if employment in ("机关事业单位", "企业职工", "个体或灵活就业"):
        facts["employment"] = employment
    return facts


class Handlers:
    def __init__(self, bot, feedback: FeedbackStore | None = None):
        self.bot = bot
        self.feedback = feedback if feedback is not None else FeedbackStore()
        self.sources = bot.regions.sources          # slug → corpus.sources.Source, manifest order

    # -- choices ----------------------------------------------------------------------------------
    def region_choices(self) -> list[tuple[str, str]]:
        return [(ALL, ALL)] + [(f"{self.bot.regions.label(s)}｜{src.bureau}", s) for s, src in self.sources.items()]

    @staticmethod
    def section_choices() -> list[tuple[str, str]]:
        return [(ALL, ALL)] + [(name, key) for key, name in SECTION_NAMES.items()]

    def _source(self, value: str | None) -> str | None:
        if value in (None, "", ALL, "all"):
            return None
        if value not in self.sources:
            raise gr.Error(f"source={mask(str(value)[:40])!r} 不是已收录的单位；请用 {'、'.join(self.sources)} 之一，留空表示全部。")
        return value

    @staticmethod
    def _section(value: str | None) -> str | None:
        if value in (None, "", ALL, "all"):
            return None
        if value not in SECTION_NAMES:
            raise gr.Error(f"section={mask(str(value)[:40])!r} 不是登记表的部分；请用 {'、'.join(SECTION_NAMES)} 之一，留空表示全部。")
        return value

    # -- API: /ask --------------------------------------------------------------------------------
    @guarded(lambda self, question="", region="": OOPS)
    def ask(self, question: str, region: str = "") -> str:
        """One question, no dialogue: the answer as markdown (register record, office, tap-to-call phones,
        source). region: a bureau slug (yazhou, dingan, yangpu, hongjiang, lingao) or empty for all."""
        return inert(self.bot.answer(question, Session(), region=self._source(region)).answer)

    # -- 窗口查询 / API: /lookup -------------------------------------------------------------------
    @guarded(lambda self, query="", source="", section="": [])
    def lookup(self, query: str, source: str = "", section: str = "") -> list[list]:
        """Staff lookup: rows of [id, title, bureau, office, phones, score], best first. source: a bureau slug
        or empty; section: service, duty, boundary, supervision or empty."""
        from ui.lookup import find
        rows = []
        for h in find(self.bot, query, source=self._source(source), section=self._section(section)):
            r = h.record
            offices = "、".join(c.office for c in r.contacts if c.office) or "、".join(r.offices) or r.bureau
            rows.append([r.id, r.title, r.bureau, offices, "、".join(r.phones), round(float(h.score), 3)])
        return rows

    @guarded(lambda self, record_id=None: (OOPS, ""))
    def record(self, record_id: str | None) -> tuple[str, str]:
        """One record in full (its card ends with the provenance: register part, file and lines) and a plain
        answer text to copy."""
        r = self.bot.index.get(record_id) if record_id else None
        if r is None:
            return "请选择一条记录。", ""
        md = card(r)
        where = f"第{r.serial}项" if r.serial else ""
        to_copy = plain(md.replace(source_line(r), f"依据：{r.bureau}《{SECTION_NAMES[r.section]}》{where}"))
        return inert(f"{md}\n\n{provenance(r)}"), "您好！" + to_copy

    @guarded(lambda self, query="", source=ALL, section=ALL: LookupView([], OOPS, ""))
    def search(self, query: str, source: str = ALL, section: str = ALL) -> LookupView:
        rows = self.lookup(query, source, section)
        if not rows:
            return LookupView([], "没有找到相关记录。请换个说法，或把筛选条件改为「全部」。", "")
        return LookupView(rows, *self.record(rows[0][0]))

    def pick(self, evt: gr.SelectData) -> tuple[str, str]:
        """A click on a results row: show that row's record."""
        return self.record((evt.row_value or [None])[0])

    # -- 资格自测 ---------------------------------------------------------------------------------
    @guarded(lambda self, *a, **k: OOPS)
    def check(self, age=None, years=None, student=None, hukou=None, employment=None, drawing=None,
              days=None, certified=None, region: str | None = None) -> str:
        """The self-check form: the verdict and reason of each rule some of whose facts were given, with what is
        still needed and the record cited; a blank form judges nothing. `region`: the citizen's bureau (本省 is
        its province), or None."""
        try:
            facts = facts_from_form(age, years, student, hukou, employment, drawing, days, certified)
        except ValueError as exc:
            return f"**请检查**：{exc}"
        if not facts:
            return BLANK_CHECK
        out = []
        for v in self.bot.check(facts, region=self._source(region)):
            block = [f"#### {VERDICT_LABEL[v.verdict]}{v.name}", v.reason]
            if v.verdict == "need_info" and v.asks:
                block.append("还需要了解：\n" + "\n".join(f"- {a}" for a in v.asks))
            r = self.bot.index.get(v.source)
            cited = f"{r.bureau}「{r.title}」" if r else ""
            block.append(f"依据：{cited}")
            out.append("\n\n".join(block))
        return inert("\n\n---\n\n".join(out) or "目前没有可判断的规则。")
