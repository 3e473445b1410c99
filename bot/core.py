"""The bot: a question (and the dialogue so far) → a cited answer, region handling, out-of-scope, eligibility."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date

from corpus.sources import load_sources
from bot import cards
from bot.facts import days_between, extract
from bot.regions import Regions
from bot.rules import Rule, Verdict, evaluate, load_rules
from bot.text import clean, clean_full, for_search, mask, shorten
from index.tokenize import normalize

log = logging.getLogger("shebao.bot")

EMPTY_PROMPT = "您好！请输入您想咨询的人社业务，例如：「灵活就业怎么参保？」「社保卡丢了怎么补办？」「养老金资格认证什么时候做？」"


@dataclass
class Session:
    """One citizen's dialogue: the region and facts they gave, the rules being discussed, recent hits."""

    region: str | None = None
    facts: dict = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    hits: list = field(default_factory=list)
    turns: int = 0
    pending: str | None = None   # the question waiting for 「请问您在哪个地区」
    today: str | None = None     # ISO date the dialogue happens on (tests, replays); None = the bot's clock


@dataclass
class Answer:
    question: str
    answer: str
    hits: list = field(default_factory=list)
    out_of_scope: bool = False
    clarify: str | None = None
    eligibility: list = field(default_factory=list)
    region: str | None = None
    cited: list = field(default_factory=list)
    confidence: float | None = None

    def to_dict(self) -> dict:
        return {"question": self.question, "answer": self.answer, "hits": [h.to_dict() for h in self.hits],
                "out_of_scope": self.out_of_scope, "clarify": self.clarify,
                "eligibility": [v.to_dict() for v in self.eligibility], "region": self.region,
                "cited": self.cited, "confidence": self.confidence}


class Bot:
    def __init__(self, index, rules: list[Rule] | None = None, sources=None, min_confidence: float = 0.5,
                 related: int = 3, k: int = 10, clarify_ratio: float = 0.9, today=None):
        self.index = index
        self.rules = load_rules() if rules is None else rules
        self.regions = Regions(sources or load_sources())
        self.min_confidence, self.related, self.k, self.clarify_ratio = min_confidence, related, k, clarify_ratio
        self.today = today           # a date, or a callable giving one; None = the system clock
        # 「本省户口」 in the rules means the province of the register they cite (崖州 → 海南), not the citizen's
        cited = [r.sources[0].split("-")[0] for r in self.rules if r.sources]
        self.rule_province = self.regions.province(cited[0] if cited else None)

    @classmethod
    def load(cls, folder=None, encoder: str = "use", **kw) -> Bot:
        from index.store import open_index
        return cls(open_index(folder, encoder=encoder), **kw)

    def today_for(self, session: Session) -> date:
        """The date a dialogue happens on: the session's, else the bot's, else the clock's."""
        if session.today:
            return date.fromisoformat(session.today)
        if callable(self.today):
            return self.today()
        return self.today or date.today()

    # -- eligibility ------------------------------------------------------------------------------
    def _rules_for(self, text: str, hits, session: Session, new_facts: dict) -> list[Rule]:
        by_id = {r.id: r for r in self.rules}
        scored = [(r.matches(text), r) for r in self.rules]
        named = [r for s, r in sorted(scored, key=lambda x: -x[0]) if s > 0]
        low = not hits or (hits[0].confidence or 0.0) < self.min_confidence
        current = [by_id[i] for i in session.rules if i in by_id]
        on_topic = any(h.id in r.sources for h in hits[:3] for r in current)
        if current and (new_facts or (low and not named)):
            # a turn that adds facts (or says nothing new: 「记不清了」) continues the rule under discussion, plus
            # any rule whose conditions the facts given so far now mostly answer (「交了十四年」 then 「今年62」)
            known = set(session.facts)
            complete = [r for r in self.rules if r not in current and len(set(r.facts) & known) >= 2
                        and len(set(r.facts) & known) == len(r.facts)]
            return current + [r for r in named + complete if r not in current]
        about_rule = re.search(r"年限|缴费|交了|岁|年龄|认证|登记|户口|户籍|学生|单位|退休|养老|补办", text)
        if current and (named or on_topic or about_rule):
            # a follow-up in the same dialogue (「他还能正常领养老金吗」) keeps the rule under discussion too
            return named + [r for r in current if r not in named]
        if not new_facts:
            return named
        # facts (「我今年三十岁，户口在海南」): the rules those facts are conditions of, when two or more of them
        # are, or when the turn matched no register entry; after any rule the question named
        overlap = [(len(set(r.facts) & set(new_facts)), r) for r in self.rules]
        best = max(n for n, _ in overlap)
        by_facts = [r for n, r in overlap if n == best] if best >= 2 or (best == 1 and low and not named) else []
        return named + [r for r in by_facts if r not in named]

    def check(self, facts: dict, rule_ids: list[str] | None = None) -> list[Verdict]:
        """Evaluate rules on given facts (the self-check form)."""
        return [evaluate(r, facts) for r in self.rules if rule_ids is None or r.id in rule_ids]

    # -- answering --------------------------------------------------------------------------------
    def answer(self, question: str, session: Session | None = None, region: str | None = None) -> Answer:
        started = time.perf_counter()
        session = session if session is not None else Session()
        text, truncated = clean(question)
        if not text:
            return Answer(question="", answer=EMPTY_PROMPT, region=session.region)
        session.turns += 1
        note = f"（您的问题有{len(clean_full(question))}字，超过{len(text)}字，只按前{len(text)}字回答。）\n\n" \
            if truncated else ""
        query = normalize(for_search(text))  # 繁→简 and full→half width before places, facts and rules

        named = self.regions.detect(query)
        if region and region in self.regions.sources:
            session.region = region
        if named:
            session.region = named
            if session.pending and self.regions.only_places(query):
                query = session.pending  # 「我在定安」 answers the clarifying question: ask again there
        session.pending = None
        query = self._fix(query)
        wanted = {f for r in self.rules if r.id in session.rules or r.matches(query) for f in r.facts}
        new_facts = extract(query, self.rule_province, wanted)
        session.facts.update(new_facts)
        if "start_date" in session.facts and "today_date" in session.facts and "days" not in new_facts:
            days = days_between(session.facts["start_date"], session.facts["today_date"])
            if days is not None:
                session.facts["days"] = new_facts["days"] = float(days)

        hits = self.index.search(query, k=self.k, method="hybrid", source=session.region)
        conf = hits[0].confidence if hits else 0.0
        rules = self._rules_for(query, hits, session, new_facts)
        verdicts = [evaluate(r, session.facts) for r in rules]
        if rules:
            session.rules = [r.id for r in rules]

        ans = Answer(question=text, answer="", hits=hits, region=session.region, confidence=conf)
        if verdicts and (conf < self.min_confidence or not rules[0].matches(query)):
            # a turn that only adds facts: answer with the rule's verdict, citing the rule's record
            ans.hits = session.hits or hits
            ans.answer = note + self._eligibility_text(verdicts)
            ans.eligibility, ans.cited = verdicts, [v.source for v in verdicts]
        elif not hits or conf < self.min_confidence:
            ans.out_of_scope = True
            ans.answer = note + cards.not_found()
        else:
            session.hits = hits
            clarify_lines = self._clarify(hits) if session.region is None else []
            if clarify_lines:
                ans.clarify = "请问您在哪个地区办理？（" + "、".join(self.regions.label(s) for s in self.regions.sources) + "）"
                ans.answer = note + "以下地区都有相关事项，各地承办机构和电话不同：\n\n" + "\n".join(
                    cards.short_line(r, self.regions.label(r.source)) for r in clarify_lines) + f"\n\n{ans.clarify}"
                ans.cited = [r.id for r in clarify_lines]
                session.pending = query
            else:
                top = hits[0].record
                related = [h.record for h in hits[1:] if h.confidence and h.confidence >= self.min_confidence
                           and h.id != top.id][: self.related]
                body = cards.card(top)
                if related:
                    body += "\n\n**您可能还想了解**：\n" + "\n".join(
                        f"- {shorten(r.title)}（{self.regions.label(r.source)}，`{r.id}`）" for r in related)
                ans.answer = note + body
                ans.cited = [top.id]
            if verdicts:
                ans.answer += "\n\n" + self._eligibility_text(verdicts)
                ans.cited += [v.source for v in verdicts if v.source not in ans.cited]
            ans.eligibility = verdicts
        log.info("q=%r region=%s conf=%.3f oos=%s top=%s %.0fms", mask(text), session.region, conf,
                 ans.out_of_scope, hits[0].id if hits else None, (time.perf_counter() - started) * 1000)
        return ans

    def _fix(self, text: str) -> str:
        """Pinyin-typo correction from the index (认正 → 认证), so facts and rule keywords see the right words."""
        tok = getattr(self.index, "tokenizer", None)
        return tok.correct(text) if tok is not None and hasattr(tok, "correct") else text

    def _clarify(self, hits) -> list:
        """Near-equal best matches from several bureaus (the same matter handled in each region, whatever the
        register part): the best record of each region, to ask where the citizen is."""
        top = hits[0]
        seen, out = set(), []
        for h in hits:
            if h.score < top.score * self.clarify_ratio:
                continue
            if h.record.source not in seen:
                seen.add(h.record.source)
                out.append(h.record)
        return out if len(out) > 1 else []

    @staticmethod
    def _eligibility_text(verdicts: list[Verdict]) -> str:
        label = {"eligible": "符合条件", "ineligible": "不符合条件", "need_info": "还需要了解"}
        out = []
        for v in verdicts:
            line = f"**资格判断 · {v.name}：{label[v.verdict]}**。{v.reason}"
            if v.verdict == "need_info":
                line += "\n" + "".join(f"\n- {a}" for a in v.asks)
            out.append(line + f"\n（依据：记录 `{v.source}`）")
        return "\n\n".join(out)

    def lookup(self, query: str, source: str | None = None, section: str | None = None, k: int = 20) -> list:
        """Staff lookup: hits with filters, no dialogue."""
        text, _ = clean(query)
        if not text:
            return []
        return self.index.search(for_search(text), k=k, method="hybrid", source=source or None,
                                 section=section or None)


_DEFAULT: Bot | None = None


def default_bot() -> Bot:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Bot.load()
    return _DEFAULT


def answer(question: str, session: Session | None = None, region: str | None = None) -> Answer:
    return default_bot().answer(question, session, region)
