"""Eligibility rules as data (bot/data/rules.toml) and the one engine that evaluates them over facts.

A fact is a value or a (lo, hi) interval; a condition on an interval holds or fails only when the whole interval
is on one side of it, otherwise it is undecided and the verdict asks to confirm. Rules are regional: each names
the provinces whose registers support it, the record each bureau's register has for it, and the service
(office, phone) that handles it there; 本省 is the province of the citizen's bureau."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

RULES = Path(__file__).resolve().parent / "data" / "rules.toml"
_OPS = {
    "ge": lambda a, b: a >= b, "le": lambda a, b: a <= b, "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b, "in": lambda a, b: a in b, "not_in": lambda a, b: a not in b,
}
NOT_YET = "not_yet"     # 「今年还没做」: not done yet, late only once the bureau's window has passed
PENDING = (NOT_YET, "deadline_ahead")   # 「截止日期还没到」: not done, and said not to be late


def _n(x: float):
    return int(x) if float(x).is_integer() else round(x, 1)


def shown(value):
    """A fact as a sentence shows it: (61, 61) → 61, (13, 14) → 13到14, (14, 14.99) → 不到15, (61, 69) → 60多."""
    if not isinstance(value, tuple):
        return _n(value) if isinstance(value, float) else value
    lo, hi = value
    if lo == hi:
        return _n(lo)
    if round(lo * 100) % 100 == 1:
        return f"{math.floor(lo)}多"                       # 15年多: (15.01, 15.99)
    if lo % 10 == 1 and hi - lo == 8:
        return f"{_n(lo - 1)}多"                           # 六十多: (61, 69)
    if round(hi * 100) % 100 == 99:
        return f"不到{math.ceil(hi)}"                      # 不到15: (14, 14.99)
    return f"{_n(lo)}到{_n(hi)}"


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    value: object
    fail: str
    ask: str
    fail_if: dict = field(default_factory=dict)
    fail_alt: str = ""
    pending: str = ""        # said when the fact is 「not yet」 and the deadline is unknown or still ahead

    def test(self, v) -> bool | None:
        """True/False, or None when an interval straddles the threshold (or a thing is not done yet)."""
        if v in PENDING:
            return None
        if isinstance(v, tuple):
            lo, hi = v
            if self.op in ("ge", "le"):
                if _OPS[self.op](lo, self.value) and _OPS[self.op](hi, self.value):
                    return True
                if not _OPS[self.op](lo, self.value) and not _OPS[self.op](hi, self.value):
                    return False
                return None
            v = lo if lo == hi else None
            if v is None:
                return None
        return _OPS[self.op](v, self.value)

    def failure(self, facts: dict) -> str:
        if self.fail_if and all(facts.get(k) == v for k, v in self.fail_if.items()) and self.fail_alt:
            return self.fail_alt
        values = {k: shown(v) for k, v in facts.items() if not k.startswith("_")} | {"province": facts.get("_province", "本省")}
        v = facts.get(self.fact)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = (float(v), float(v))
        if isinstance(self.value, (int, float)) and isinstance(v, tuple):
            short = abs(self.value - (v[1] if self.op == "ge" else v[0]))
            values["short"] = _n(short) if v[0] == v[1] and float(short).is_integer() else "若干"
        return self.fail.format_map(_Missing(values))


class _Missing(dict):
    def __missing__(self, key):
        return "{" + key + "}"


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    sources: tuple[str, ...]
    keywords: tuple[tuple[str, ...], ...]
    statement: str
    eligible: str
    conditions: tuple[Condition, ...]
    provinces: tuple[str, ...] = ()               # where registers support it (empty: everywhere)
    cite: dict = field(default_factory=dict)      # bureau slug → its register's record for the rule
    service: dict = field(default_factory=dict)   # bureau slug → the service (office, phone) that handles it
    deadline: dict = field(default_factory=dict)  # bureau slug → "MM-DD" after which 「not yet」 is late

    def matches(self, text: str) -> int:
        """How many keyword groups the text contains (all words of a group must appear)."""
        return sum(all(w in text for w in group) for group in self.keywords)

    @property
    def facts(self) -> list[str]:
        return [c.fact for c in self.conditions]

    def applies_in(self, province: str | None) -> bool:
        return not self.provinces or province is None or province in self.provinces


@dataclass(frozen=True)
class Place:
    """Where the citizen is: their bureau (None when not known), its province (本省), and the date."""

    bureau: str | None = None
    province: str | None = None
    today: date | None = None


@dataclass(frozen=True)
class Verdict:
    rule: str
    name: str
    verdict: str              # eligible | ineligible | need_info | no_rule
    reason: str
    missing: tuple[str, ...]
    source: str
    asks: tuple[str, ...] = ()
    service: str | None = None       # the record of the service that handles it in the citizen's region
    used: tuple[str, ...] = ()       # the facts used, as the citizen said them

    def to_dict(self) -> dict:
        return {"rule": self.rule, "name": self.name, "verdict": self.verdict, "reason": self.reason,
                "missing": list(self.missing), "source": self.source, "service": self.service,
                "used": list(self.used)}


def load_rules(path: str | Path = RULES) -> list[Rule]:
    with Path(path).open("rb") as fh:
        data = tomllib.load(fh)
    rules = []
    for n, r in enumerate(data.get("rule", []), 1):
        try:
            conds = tuple(Condition(fact=c["fact"], op=c["op"], value=c["value"], fail=c["fail"], ask=c["ask"],
                                    fail_if=c.get("fail_if", {}), fail_alt=c.get("fail_alt", ""),
                                    pending=c.get("pending", ""))
                          for c in r["conditions"])
            bad = [c.op for c in conds if c.op not in _OPS]
            if bad:
                raise ValueError(f"unknown op {bad[0]!r}; use one of {', '.join(_OPS)}")
            rules.append(Rule(id=r["id"], name=r["name"], sources=tuple(r["sources"]),
                              keywords=tuple(tuple(g) for g in r.get("keywords", [])), statement=r["statement"],
                              eligible=r["eligible"], conditions=conds, provinces=tuple(r.get("provinces", ())),
                              cite={k: tuple(v) for k, v in r.get("cite", {}).items()},
                              service=dict(r.get("service", {})), deadline=dict(r.get("deadline", {}))))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path}: rule #{n} is malformed: {exc}") from exc
    return rules


def localise(rule: Rule, facts: dict, place: Place) -> dict:
    """Facts as this rule reads them where the citizen is: a 户口 province becomes 本省/外省 relative to the
    citizen's bureau's province, and 「not yet」 becomes missed once that bureau's deadline has passed."""
    out = dict(facts)
    home = place.province or "海南"
    if out.get("hukou") not in (None, "本省", "外省"):
        out["hukou"] = "本省" if out["hukou"] == home else "外省"
    day = rule.deadline.get(place.bureau or "")
    if out.get("certified") == NOT_YET and day and place.today:   # (deadline_ahead: the citizen says it is not late)
        month, dd = (int(x) for x in day.split("-"))
        if place.today > date(place.today.year, month, dd):
            out["certified"] = False
    return out


def evaluate(rule: Rule, facts: dict, place: Place | None = None) -> Verdict:
    """ineligible when a known fact fails a condition (every failing reason given); need_info when facts are
    missing or undecided (asking exactly for those, with the rule stated); eligible when every condition holds.
    Where the citizen's bureau's province has no such rule: no_rule, the rule stated as its register writes it."""
    place = place or Place()
    src = (rule.cite.get(place.bureau or "") or rule.sources)[0]
    service = rule.service.get(place.bureau or "") or rule.service.get(src.split("-")[0])
    if not rule.applies_in(place.province):
        return Verdict(rule.id, rule.name, "no_rule", rule.statement, (), rule.sources[0], (), service)
    facts = localise(rule, facts, place) | {"_province": place.province or "本省"}
    known = [c for c in rule.conditions if facts.get(c.fact) is not None]
    results = [c.test(facts[c.fact]) for c in known]
    failed = [c for c, r in zip(known, results) if r is False]
    unsure = [c for c, r in zip(known, results) if r is None]
    missing = [c for c in rule.conditions if facts.get(c.fact) is None]
    if failed:
        return Verdict(rule.id, rule.name, "ineligible", "".join(c.failure(facts) for c in failed),
                       tuple(c.fact for c in missing + unsure), src, (), service)
    if missing or unsure:
        asks = tuple(dict.fromkeys([c.pending for c in unsure if c.pending and facts[c.fact] in PENDING]
                                   + [f"请再确认一下：{c.ask}" for c in unsure
                                      if not (c.pending and facts[c.fact] in PENDING)]
                                   + [c.ask for c in missing]))
        asks = tuple(a.format_map(_Missing({"province": place.province or "本省"})) for a in asks)
        return Verdict(rule.id, rule.name, "need_info", rule.statement,
                       tuple(dict.fromkeys(c.fact for c in missing + unsure)), src, asks, service)
    return Verdict(rule.id, rule.name, "eligible", rule.eligible, (), src, (), service)
