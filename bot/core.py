"""The bot: a question (and the dialogue so far) → a cited answer, region handling, out-of-scope, eligibility."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field, replace
from datetime import date

from corpus.sources import load_sources
from bot import cards
from bot.facts import SELF, Fact, combine, questions, read, vocabulary
from bot.facts import elsewhere as fact_elsewhere
from bot.places import elsewhere
from bot.regions import Regions
from bot.rules import Place, Rule, Verdict, evaluate, load_rules, shown
from bot.text import clean, clean_full, for_search, mask, shorten
from index.encoders import DEFAULT_ENCODER
from index.features import question_intents
from index.tokenize import normalize

log = logging.getLogger("shebao.bot")

CONTACT = re.compile(r"电话|联系方式|怎么联系|哪里办|哪儿办|去哪|在哪|地址|窗口")
# a turn that starts by pointing back at what was just said (「这个还算在规定时间里吗」「那样影响领钱不」)
REFERS_BACK = re.compile(r"\s*(这|那个|那样|那种)")


class FollowUps:
    """Aspect words of a follow-up question (bot/data/followups.toml), longest first."""

    def __init__(self, path=None):
        import tomllib
        from pathlib import Path
        path = Path(path) if path else Path(__file__).resolve().parent / "data" / "followups.toml"
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        self.aspects = sorted(set(data.get("aspects", [])), key=len, reverse=True)
        self.filler = set(data.get("filler", ""))

    def only_aspects(self, text: str) -> bool:
        """True when nothing but aspect words, particles and punctuation remain (「那要带什么材料呢？」)."""
        i, seen = 0, False
        while i < len(text):       # left to right, the longest aspect at each place (需要|多久, not 需|要多久)
            a = next((a for a in self.aspects if text.startswith(a, i)), None)
            if a is not None:
                i, seen = i + len(a), True
            elif text[i] in self.filler or not text[i].isalnum():
                i += 1
            else:
                return False
        return seen


_FOLLOWUPS: FollowUps | None = None


def followups() -> FollowUps:
    global _FOLLOWUPS
    if _FOLLOWUPS is None:
        _FOLLOWUPS = FollowUps()
    return _FOLLOWUPS


EMPTY_PROMPT = "您好！请输入您想咨询的人社业务，例如：「灵活就业怎么参保？」「社保卡丢了怎么补办？」「养老金资格认证什么时候做？」"


@dataclass
class Session:
    """One citizen's dialogue, JSON in and out: the region, the facts each person was said to have (in the
    order stated, so the latest wins), who the dialogue is about, the rules being discussed, recent hits."""

    region: str | None = None
    people: dict = field(default_factory=dict)   # person → [{"name", "value", "hi", "said"}, …]
    person: str = SELF                            # whom the questions are about now
    other: str | None = None                      # the last person other than the citizen named (他/她)
    rules: list[str] = field(default_factory=list)
    hits: list = field(default_factory=list)
    turns: int = 0
    pending: str | None = None   # the question waiting for 「请问您在哪个地区」
    today: str | None = None     # ISO date the dialogue happens on (tests, replays); None = the bot's clock
    said_today: str | None = None  # the date the citizen said today is (「今天都4月20号了」)
    last: str = ""                 # the previous turn (its topic carries over to a bare 「能参加不」)

    def add(self, fact: Fact, person: str) -> None:
        self.people.setdefault(person, []).append(
            {"name": fact.name, "value": list(fact.value) if isinstance(fact.value, tuple) else fact.value,
             "hi": fact.hi, "said": fact.said})

    def stated(self, person: str | None = None) -> list[dict]:
        return self.people.get(person or self.person, [])

    @property
    def facts(self) -> dict:
        """The current person's facts, the latest statement of each: numbers as (lo, hi) intervals."""
        stated = [(f["name"], (float(f["value"]), float(f["hi"])) if f["hi"] is not None else
                   tuple(f["value"]) if isinstance(f["value"], list) else f["value"]) for f in self.stated()]
        facts = combine(stated)
        adult = vocabulary()["inference"]["adult_not_student"]
        if "student" not in facts and facts.get("employment") and "age" in facts and facts["age"][0] >= adult:
            facts["student"] = False     # a working adult who mentions no school is taken as not a student
        return {k: v for k, v in facts.items() if k != "started"}


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
                 related: int = 3, k: int = 10, clarify_ratio: float = 0.8, today=None, lead_within: int = 3,
                 lead_ratio: float = 0.6, lead_service_within: int = 5, lead_title_extra: float = 0.6,
                 group_within: int = 2, elsewhere_gap: float = 0.5, elsewhere_score: float = 0.6,
                 elsewhere_ratio: float = 0.8, elsewhere_floor: float = 0.1):
        self.index = index
        self.rules = load_rules() if rules is None else rules
        self.regions = Regions(sources or load_sources())
        # clarify_ratio: another bureau's best record at least this share of the best score (a probability since the
        # ranking is learned) makes the bot ask where the citizen is (16% of the no-region questions of the fitted sets;
        # 0.5 asked 35% and made 「灵活就业怎么参保」 ask, for a 洋浦 duty record about employees' enrolment)
        self.min_confidence, self.related, self.k, self.clarify_ratio = min_confidence, related, k, clarify_ratio
        self.today = today           # a date, or a callable giving one; None = the system clock
        # a service record this far down, scoring at least lead_ratio of the best, leads a duty record of its bureau
        self.lead_within, self.lead_ratio = lead_within, lead_ratio
        self.lead_service_within = lead_service_within   # a service covering the matter this far down leads (_lead)
        # ... or covers as much with a title mostly made of the question's words (at most this idf share of other words)
        self.lead_title_extra = lead_title_extra
        self.group_within = group_within   # a record for a group the question does not name yields to one this near
        # the chosen bureau lacks the matter when another bureau's best record covers this much more of the question
        # (title or matter share), holds its rarest word, scores at least elsewhere_score and the chosen bureau's best
        # scores at most elsewhere_ratio of it (_elsewhere; chosen on the region-selected questions of the fitted
        # sets: it turns away 3 of the 690 answerable ones, one of which the chosen bureau answered right, and 5 of the
        # 26 eval/real3 not_in_region questions the refusal lets through)
        self.elsewhere_gap, self.elsewhere_score, self.elsewhere_ratio = elsewhere_gap, elsewhere_score, elsewhere_ratio
        self.elsewhere_floor = elsewhere_floor   # ... or when the chosen bureau's best is no likely answer at all
        self._phones_by_source: dict[str, list[str]] = {}
        self._rule_words: dict[tuple[str, ...], set[str]] = {}
        # 「本省户口」 in the rules means the province of the register they cite (崖州 → 海南), not the citizen's
        cited = [r.sources[0].split("-")[0] for r in self.rules if r.sources]
        self.rule_province = self.regions.province(cited[0] if cited else None)

    @classmethod
    def load(cls, folder=None, encoder: str = DEFAULT_ENCODER, **kw) -> Bot:
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
        """The rules a turn is about: those its words name, or those the dialogue is already on (when the turn
        adds facts, or says nothing else); never because a fact word appears in an unrelated question."""
        if fact_elsewhere(text):
            return []
        by_id = {r.id: r for r in self.rules}
        asked = questions(text)
        named = self._named(asked) or self._named(text)     # what the turn asks names the rule, if it does
        if not named and not session.rules and session.last and not fact_elsewhere(session.last):
            # 「想问下城乡居民养老保险的事」 then 「…能参加不」: the question and the topic before it together
            named = [r for r in self._named(session.last + "，" + asked) if not r.matches(session.last)]
        low = not hits or (hits[0].confidence or 0.0) < self.min_confidence
        current = [by_id[i] for i in session.rules if i in by_id]
        on_topic = any(h.id in r.sources for h in hits[:3] for r in current)
        known = set(session.facts)
        # facts given so far that answer every condition of a rule (「交了十四年」 then 「今年62」)
        complete = [r for r in self.rules if new_facts and len(set(r.facts) & known) >= 2
                    and set(r.facts) <= known]
        about_rule = re.search(r"年限|缴费|交了|岁|年龄|认证|登记|户口|户籍|学生|单位|退休|养老|补办", text)
        if current and not new_facts and not named and not on_topic and not low and not about_rule \
                and self._matter(text) and not self._about(text, current) and not REFERS_BACK.match(text):
            # 「社保卡掉了咋办」 after a pension verdict: a matter the index places on its own, away from the
            # rule's records, ends the rule's dialogue (「这个还算在规定时间里吗」 points back: it does not)
            session.rules = []
            return complete
        if current and (new_facts or (low and not named)):
            return current + [r for r in named + complete if r not in current]
        if current and (named or on_topic or about_rule or (asked and not CONTACT.search(text))):
            # a follow-up question in the same dialogue (「他现在还能正常领不」「那我的资格怎么样」)
            return named + [r for r in current if r not in named]
        if low and not current and not new_facts:
            # a question the index cannot place, with no facts: a rule's keyword alone (能领, 按月) does not make it
            # the rule's question (「居住证办理要多久才能领证」, 「失业金能领几个月」); it must share a word with the
            # rule's name or statement, and not ask for a figure (「最高档一年交多少钱」: the rules state none)
            if "amount" in question_intents(text):
                return []
            named = [r for r in named if self._about(text, [r])]
        return named + [r for r in complete if r not in named]

    def _about(self, text: str, rules: list[Rule]) -> bool:
        """True when a turn shares a word with the rules' own names and statements (「那我的资格怎么样」 after a
        certification verdict, 「他还能正常领不」 after a pension one)."""
        tok = self.index.tokenizer
        key = tuple(r.id for r in rules)
        if key not in self._rule_words:
            self._rule_words[key] = {t for r in rules for t in tok.tokens(f"{r.name} {r.statement}")}
        return bool(self._rule_words[key] & set(tok.tokens(text)))

    def _matter(self, text: str) -> bool:
        """True when a turn names a matter of its own: a word the registers use that is no aspect word
        (材料, 电话 …) — 「社保卡掉了咋办」 does, 「那我该怎么办」「电话多少」 do not."""
        vocab = getattr(getattr(self.index, "bm25", None), "vocab", None)
        if vocab is None or followups().only_aspects(text):
            return False
        aspects = set(followups().aspects)
        return any(t in vocab and t not in aspects for t in self.index.tokenizer.tokens(text))

    def _named(self, text: str) -> list[Rule]:
        scored = [(r.matches(text), r) for r in self.rules]
        return [r for s, r in sorted(scored, key=lambda x: -x[0]) if s > 0]

    def place(self, session: Session) -> Place:
        """Where the citizen is for the rules: their bureau, its province (本省), and today's date."""
        province = self.regions.province(session.region) if session.region else self.rule_province
        return Place(session.region, province, self._day(session))

    def _day(self, session: Session) -> date:
        return date.fromisoformat(session.said_today) if session.said_today else self.today_for(session)

    def check(self, facts: dict, rule_ids: list[str] | None = None, region: str | None = None) -> list[Verdict]:
        """Evaluate rules on given facts (the self-check form): only the rules some of whose facts were given."""
        province = self.regions.province(region) if region else self.rule_province
        place = Place(region, province, date.today())
        return [evaluate(r, facts, place) for r in self.rules
                if (rule_ids is None or r.id in rule_ids) and set(r.facts) & set(facts)]

    def _read(self, query: str, session: Session) -> dict:
        """The turn's facts into the session, each under the person it is about; returns the facts of the
        person the turn asks about ({name: value})."""
        wanted = {f for r in self.rules if r.id in session.rules or r.matches(query) for f in r.facts}
        reading = read(query, self._day(session), wanted, session.other)
        if reading.today:
            session.said_today = reading.today.isoformat()
        for f in reading.facts:
            session.add(f, f.person or session.person)
        session.person = reading.person or session.person
        session.other = reading.other
        if reading.today:          # a date said to be today: day counts from the dates said before
            for stated in session.people.values():
                for f in [f for f in stated if f["name"] == "started"]:
                    first, last = (date.fromisoformat(d) for d in f["value"])
                    if first > reading.today:
                        first, last = first.replace(year=first.year - 1), last.replace(year=last.year - 1)
                    stated.append({"name": "days", "value": float((reading.today - last).days),
                                   "hi": float((reading.today - first).days), "said": f["said"]})
        new = {f.name for f in reading.facts if (f.person or session.person) == session.person}
        return {k: v for k, v in session.facts.items() if k in new}

    def _used(self, rule: Rule, session: Session) -> tuple[str, ...]:
        """The facts a verdict used, as the citizen said them (「1966年出生（今年59到60周岁）」)."""
        latest = {f["name"]: f for f in session.stated()}
        out = []
        for name in rule.facts:
            f = latest.get(name)
            if not f or f["value"] is None:
                continue
            said = f["said"]
            if f["hi"] is not None:
                value = shown((float(f["value"]), float(f["hi"])))
                unit = {"age": "周岁", "years": "年", "days": "天"}.get(name, "")
                if str(value) not in said:
                    said += f"（{'今年' if name == 'age' else '到今天'}{value}{unit}）"
            out.append(said)
        who = "" if session.person == SELF else f"{session.person}："
        return tuple(f"{who}{x}" for x in out)

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
        if region and region in self.regions.sources:
            session.region = region
        query = self._fix(query)
        new_facts = self._read(query, session)
        place_text = query
        for f in session.stated():     # 「户口在怀化」 says where the household is, not the citizen's bureau (places
            # outside every register are looked for in the whole turn: bot.places skips 户口在/老家 contexts itself)
            if f["name"] == "hukou":
                place_text = place_text.replace(f["said"], "")
        named = self.regions.detect(place_text)
        if not named:
            # in a rule's dialogue, or when a citizen with a chosen bureau tells their story (「以前在深圳交过5年」),
            # a place named is context; so is a place in a province whose rules we have, for a question that states
            # facts and names a rule (「我儋州的，28岁，能参加城乡居民养老保险不」: the rules are province-wide) without
            # asking where or how to do it there (「文昌的退休人员资格认证在哪做」 is 文昌's office, not ours).
            # Otherwise a question about 北京 or 海口 is not one our registers answer.
            other = None if session.rules or (new_facts and session.region) else elsewhere(query, self.regions.covers)
            if other is not None and new_facts and "act" not in question_intents(query) \
                    and any(r.matches(f"{session.last}，{query}") for r in self.rules) \
                    and self.regions.in_our_provinces(other):
                other = None
            if other is not None:   # 「北京市朝阳区社保卡丢了」「北京灵活就业社保缴费标准」: not our registers' places
                log.info("place not covered: %s", other.label)
                return Answer(question=text, answer=note + cards.other_place(other.label, self.regions.covered_labels()),
                              out_of_scope=True, region=session.region)
        if named:
            session.region = named
            if self.regions.only_places(query):
                if session.pending:        # 「我在定安」 answers the clarifying question: ask again there
                    query = session.pending
                elif session.last and not session.rules:   # 「那崖州呢？」: the last matter, in the place named
                    query = self.regions.without_places(session.last)
                else:                      # 「我在定安」 as a first turn: the region is chosen, ask what about
                    session.pending = None
                    return Answer(question=text, region=named, answer=note + f"好的，按{self.regions.label(named)}"
                                  f"（{self.regions.sources[named].bureau}）为您解答。" + EMPTY_PROMPT.replace("您好！", ""))
        session.pending = None

        hits = self.index.search(query, k=self.k, method="hybrid", source=session.region)
        conf = hits[0].confidence if hits else 0.0
        follow = self._follow_up(query, hits, session) if not new_facts else None
        if follow is not None:   # 「要带什么材料」 after 「社保卡丢了怎么补办」: the same matter, this aspect of it
            hits, conf = follow, follow[0].confidence or 0.0
        hits = self._lead(hits, "act" in question_intents(query))
        rules = self._rules_for(query, hits, session, new_facts)
        place = self.place(session)
        verdicts = [self._verdict(r, session, place) for r in rules]
        if rules:
            session.rules = [r.id for r in rules]
        session.last = query

        ans = Answer(question=text, answer="", hits=hits, region=session.region, confidence=conf)
        service = self._contact_turn(query, session, new_facts) if not rules else None
        if service is not None:
            # 「电话多少」 after a verdict: the service that handles the rule in the citizen's region
            ans.hits = [h for h in hits if h.id == service.id] or hits
            ans.answer = note + cards.card(service)
            ans.cited = [service.id]
        elif verdicts and (conf < self.min_confidence or not rules[0].matches(query)):
            # a turn that only adds facts: answer with the rule's verdict, citing the rule's record
            ans.hits = session.hits or hits
            ans.answer = note + self._eligibility_text(verdicts, session)
            ans.eligibility, ans.cited = verdicts, self._cites(verdicts, session)
        elif session.region and hits and follow is None and not verdicts \
                and (other := self._elsewhere(query, hits[0], session.region)) is not None:
            # 「我在定安，想给刚出生的孩子办医保」: 定安's register lists no such service; 洋浦's does (also when
            # 定安's best is too weak to answer at all: the citizen learns where it is listed, not only 12333)
            ans.out_of_scope = True
            ans.answer = note + cards.not_in_region(
                self.regions.label(session.region), self.regions.sources[session.region].bureau,
                "\n".join(cards.short_line(h.record, self.regions.label(h.record.source)) for h in other),
                self.bureau_phones(session.region))
            ans.cited = [h.id for h in other]
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
                if not top.phones:   # a duty, boundary or supervision record: give the bureau's number to call
                    phones = self.bureau_phones(top.source)
                    if phones:
                        body += f"\n\n**咨询电话**：{'、'.join(cards.tel(p) for p in phones)}（{top.bureau}）"
                if related:
                    body += "\n\n**您可能还想了解**：\n" + "\n".join(
                        f"- {shorten(r.title)}（{self.regions.label(r.source)}，`{r.id}`）" for r in related)
                ans.answer = note + body
                ans.cited = [top.id]
            if verdicts:
                ans.answer += "\n\n" + self._eligibility_text(verdicts, session)
                ans.cited += [c for c in self._cites(verdicts, session) if c not in ans.cited]
            ans.eligibility = verdicts
        log.info("q=%r region=%s conf=%.3f oos=%s top=%s %.0fms", mask(text), session.region, conf,
                 ans.out_of_scope, hits[0].id if hits else None, (time.perf_counter() - started) * 1000)
        return ans

    def _follow_up(self, query: str, hits, session: Session) -> list | None:
        """Hits for a follow-up about the matter of the previous answer, else None. A follow-up is a turn made
        only of aspect words (bot/data/followups.toml: 材料, 在哪, 电话 …), or a turn the index cannot place on
        its own, all of whose words the registers use, that read together with the previous question lands on
        the previous answer's record."""
        if not session.hits or not session.last or session.rules:
            return None
        previous = session.hits[0]
        aspect_only = followups().only_aspects(query)
        confident = hits and (hits[0].confidence or 0.0) >= self.min_confidence
        if confident and not aspect_only:
            return None
        vocab = getattr(getattr(self.index, "bm25", None), "vocab", None)
        tokens = self.index.tokenizer.tokens(query) if vocab is not None else []
        aspects = set(followups().aspects)
        if not aspect_only and any(t not in aspects for t in tokens):
            return None   # 「今天天气怎么样」「被公司开了怎么办」: a turn with words of its own is a new question
        both = self.index.search(f"{session.last}，{query}", k=self.k, method="hybrid", source=session.region)
        if both and both[0].id == previous.id and (both[0].confidence or 0.0) >= self.min_confidence:
            return both
        if aspect_only:
            return [previous] + [h for h in both if h.id != previous.id]
        return None

    def _lead(self, hits: list, act: bool = False) -> list:
        """What a citizen can act on leads: when the best hit is a duty, boundary or supervision record, a
        confident service record comes first (its office and phone) and the duty record follows, if it is
        - of the same bureau, among the first `lead_within` hits and scoring at least `lead_ratio` of the best, or
        - for a question asking how, where or whom (`act`: intents "act"), among the first `lead_service_within`
          hits, its matter holding the question's rarest word and its title more of the question's words than the
          best hit's title, or as much with fewer other words, at most `lead_title_extra` of them (features
          key_matter, title_cov, title_extra; 「老板不发工资怎么办」: 受理劳动保障违法行为的举报、投诉 before
          统一发放工资职责).
        (lead_ratio 0.6: on the real and team-written questions, promoting every confident service within 3 lost 4
        points of top-1 against gold written by people who preferred service records when they answered.)"""
        if hits and hits[0].extra.get("group_unmet") and self.group_within:
            # 「被辞退了怎么办」: a record for a group the question does not name (原辞退民办教师) does not lead a
            # confident record for everyone among the next `group_within` that covers the question as well
            # (its matter holds as much of the question's words and its rarest one if the first does)
            first = hits[0].extra
            for h in hits[1:1 + self.group_within]:
                if not h.extra.get("group_unmet") and (h.confidence or 0.0) >= self.min_confidence \
                        and h.extra.get("matter_cov", 0.0) >= first.get("matter_cov", 0.0) \
                        and h.extra.get("key_matter", 0.0) >= first.get("key_matter", 0.0):
                    hits = [h] + [x for x in hits if x is not h]
                    break
        if not hits or hits[0].record.section == "service":
            return hits
        top = hits[0]
        t_cov = top.extra.get("title_cov", 0.0)
        for n, h in enumerate(hits[1:max(self.lead_within, self.lead_service_within)], start=1):
            if h.record.section != "service" or (h.confidence or 0.0) < self.min_confidence \
                    or h.extra.get("group_unmet"):
                continue
            same = n < self.lead_within and h.record.source == top.record.source \
                and h.score >= self.lead_ratio * top.score
            h_cov, h_extra = h.extra.get("title_cov", 0.0), h.extra.get("title_extra", 1.0)
            covers = act and n < self.lead_service_within and h.extra.get("key_matter", 0.0) >= 1.0 \
                and (h_cov > t_cov or (h_cov >= t_cov and h_extra <= self.lead_title_extra
                                       and h_extra < top.extra.get("title_extra", 1.0)))
            if same or covers:
                return [h] + [x for x in hits if x is not h]
        return hits

    def _elsewhere(self, query: str, best, region: str) -> list | None:
        """Other bureaus' records for a matter the chosen bureau's register does not list, else None: the best
        record over all bureaus, when it is another bureau's and covers `elsewhere_gap` more of the question (its
        title or its matter, index/features.py title_cov / matter_cov) than `best` (the chosen bureau's best hit)
        or `best` scores at most `elsewhere_floor`, holds the question's rarest word when `best` does, scores at
        least `elsewhere_score`, and `best` scores at most `elsewhere_ratio` of it. With it, the next other bureaus'
        hit among the first three when confident."""
        if best.score > self.elsewhere_ratio:   # no other record can score enough more (scores are at most 1)
            return None
        others = self.index.search(query, k=3, method="hybrid")
        other = next((h for h in others if h.record.source != region), None)
        if other is None or others[0].record.source == region or not best.extra or not other.extra:
            return None
        a, o = best.extra, other.extra
        gap = max(o.get("title_cov", 0.0) - a.get("title_cov", 0.0), o.get("matter_cov", 0.0) - a.get("matter_cov", 0.0))
        if (gap >= self.elsewhere_gap or best.score <= self.elsewhere_floor) \
                and o.get("key_matter", 0.0) >= a.get("key_matter", 0.0) \
                and other.score >= self.elsewhere_score and best.score <= self.elsewhere_ratio * other.score \
                and (other.confidence or 0.0) >= self.min_confidence:
            more = [h for h in others if h.record.source != region and h is not other
                    and (h.confidence or 0.0) >= self.min_confidence][:1]
            return [other] + more
        return None

    def bureau_phones(self, source: str) -> list[str]:
        """The number a bureau's register gives most often (its main consulting line), for records without one;
        counted once per bureau."""
        if source not in self._phones_by_source:
            from collections import Counter
            counts = Counter(p for r in self.index.records if r.source == source for p in r.phones)
            self._phones_by_source[source] = [p for p, _ in counts.most_common(1)]
        return self._phones_by_source[source]

    def _fix(self, text: str) -> str:
        """Pinyin-typo correction from the index (认正 → 认证), so facts and rule keywords see the right words."""
        tok = getattr(self.index, "tokenizer", None)
        return tok.correct(text) if tok is not None and hasattr(tok, "correct") else text

    def _clarify(self, hits) -> list:
        """Near-equal best matches from several bureaus (the same matter handled in each region): the best record
        of each region, to ask where the citizen is. When the best is a service, only other bureaus' services
        count: another bureau's duty record is no office a citizen could go to instead."""
        top = hits[0]
        seen, out = set(), []
        for h in hits:
            if h.score < top.score * self.clarify_ratio:
                continue
            if top.record.section == "service" and h.record.section != "service":
                continue
            if h.record.source not in seen:
                seen.add(h.record.source)
                out.append(h.record)
        return out if len(out) > 1 else []

    def _contact_turn(self, query: str, session: Session, new_facts: dict):
        """The service record to show when a turn only asks how to reach the office of the rule under
        discussion (「电话多少」「去哪办」), else None."""
        if new_facts or not session.rules or not CONTACT.search(query) or len(query) > 20:
            return None
        rule = next((r for r in self.rules if r.id == session.rules[0]), None)
        slug = session.region or (rule.sources[0].split("-")[0] if rule else None)
        rid = (rule.service.get(slug or "") if rule else None) or self._any_service(slug)
        return self.index.get(rid) if rid and hasattr(self.index, "get") else None

    def _verdict(self, rule: Rule, session: Session, place: Place) -> Verdict:
        v = evaluate(rule, session.facts, place)
        if v.verdict == "no_rule":
            v = replace(v, service=self._any_service(session.region))
        return replace(v, used=self._used(rule, session)) if v.verdict != "no_rule" else v

    def _any_service(self, slug: str | None) -> str | None:
        """A service of the bureau with a phone (for a bureau none of whose services handles the rule)."""
        records = getattr(self.index, "records", [])
        return next((r.id for r in records if r.source == slug and r.section == "service" and r.phones), None)

    def _cites(self, verdicts: list[Verdict], session: Session) -> list[str]:
        return list(dict.fromkeys(x for v in verdicts for x in (v.source, v.service) if x))

    def _contact(self, record_id: str | None) -> str:
        r = self.index.get(record_id) if record_id and hasattr(self.index, "get") else None
        if r is None:
            return ""
        c = next((c for c in r.contacts if c.phones), None)
        office = (c.office if c and c.office else r.bureau)
        phones = "、".join(cards.tel(p) for p in (c.phones if c else r.phones)[:2])
        who = f"{office}（{r.bureau}）" if office != r.bureau else r.bureau
        return who + (f"，电话 {phones}" if phones else "") + f"，办理「{shorten(r.title)}」"

    def _eligibility_text(self, verdicts: list[Verdict], session: Session | None = None) -> str:
        label = {"eligible": "符合条件", "ineligible": "不符合条件", "need_info": "还需要了解"}
        out = []
        region = session.region if session else None
        for v in verdicts:
            src = self.index.get(v.source) if hasattr(self.index, "get") else None
            whose = src.bureau if src else "登记表"
            if v.verdict == "no_rule":
                here = self.regions.label(region) if region else "您所在地"
                line = (f"**{v.name}**：{here}的登记表里没有这项规定，这里不作判断。{whose}的登记表是这样写的："
                        f"「{v.reason}」这是{whose}（{self.regions.province(src.source) if src else ''}）的规定，"
                        f"不一定适用于{here}。")
                contact = self._contact(v.service)
                if contact:
                    line += f"\n\n请向当地咨询确认：{contact}"
                out.append(line + (f"\n（规定出处：{whose}登记表「{shorten(src.title)}」）" if src else ""))
                continue
            line = f"**资格判断 · {v.name}：{label[v.verdict]}**。{v.reason}"
            if v.used:
                line += f"\n\n按您说的：{'、'.join(v.used)}。（说得不对可以直接更正）"
            if v.verdict == "need_info":
                line += "\n" + "".join(f"\n- {a}" for a in v.asks)
            contact = self._contact(v.service)
            if contact:
                line += f"\n\n下一步：{contact}"
            out.append(line + (f"\n（依据：{whose}登记表「{shorten(src.title)}」）" if src else ""))
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
