"""Eligibility rules as data (bot/data/rules.toml) and the one engine that evaluates them over facts."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

RULES = Path(__file__).resolve().parent / "data" / "rules.toml"
_OPS = {
    "ge": lambda a, b: a >= b, "le": lambda a, b: a <= b, "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b, "in": lambda a, b: a in b, "not_in": lambda a, b: a not in b,
}


def _shown(value, op: str = ""):
    """A fact as a sentence shows it: 61.0 → 61; an approximate 14.5 that failed 「≥15」 → 不到15, 30.5 that
    failed 「≤30」 → 30多."""
    if isinstance(value, bool) or not isinstance(value, float):
        return value
    if value.is_integer():
        return int(value)
    return f"不到{math.ceil(value)}" if op == "ge" else f"{math.floor(value)}多"


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    value: object
    fail: str
    ask: str
    fail_if: dict = field(default_factory=dict)
    fail_alt: str = ""

    def holds(self, facts: dict) -> bool:
        return _OPS[self.op](facts[self.fact], self.value)

    def failure(self, facts: dict) -> str:
        if self.fail_if and all(facts.get(k) == v for k, v in self.fail_if.items()) and self.fail_alt:
            return self.fail_alt
        values = {k: _shown(v, self.op if k == self.fact else "") for k, v in facts.items()}
        if isinstance(self.value, (int, float)) and isinstance(facts.get(self.fact), (int, float)):
            short = abs(self.value - facts[self.fact])
            values["short"] = int(short) if float(short).is_integer() else "若干"
        return self.fail.format(**values)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    sources: tuple[str, ...]
    keywords: tuple[tuple[str, ...], ...]
    statement: str
    eligible: str
    conditions: tuple[Condition, ...]

    def matches(self, text: str) -> int:
        """How many keyword groups the text contains (all words of a group must appear)."""
        return sum(all(w in text for w in group) for group in self.keywords)

    @property
    def facts(self) -> list[str]:
        return [c.fact for c in self.conditions]


@dataclass(frozen=True)
class Verdict:
    rule: str
    name: str
    verdict: str              # eligible | ineligible | need_info
    reason: str
    missing: tuple[str, ...]
    source: str
    asks: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"rule": self.rule, "name": self.name, "verdict": self.verdict, "reason": self.reason,
                "missing": list(self.missing), "source": self.source}


def load_rules(path: str | Path = RULES) -> list[Rule]:
    with Path(path).open("rb") as fh:
        data = tomllib.load(fh)
    rules = []
    for n, r in enumerate(data.get("rule", []), 1):
        try:
            conds = tuple(Condition(fact=c["fact"], op=c["op"], value=c["value"], fail=c["fail"], ask=c["ask"],
                                    fail_if=c.get("fail_if", {}), fail_alt=c.get("fail_alt", ""))
                          for c in r["conditions"])
            bad = [c.op for c in conds if c.op not in _OPS]
            if bad:
                raise ValueError(f"unknown op {bad[0]!r}; use one of {', '.join(_OPS)}")
            rules.append(Rule(id=r["id"], name=r["name"], sources=tuple(r["sources"]),
                              keywords=tuple(tuple(g) for g in r.get("keywords", [])), statement=r["statement"],
                              eligible=r["eligible"], conditions=conds))
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path}: rule #{n} is malformed: {exc}") from exc
    return rules


def evaluate(rule: Rule, facts: dict) -> Verdict:
    """ineligible when a known fact fails a condition (every failing reason given); need_info when facts are
    missing (exactly those, with the rule stated); eligible when every condition holds."""
    known = [c for c in rule.conditions if facts.get(c.fact) is not None]
    failed = [c for c in known if not c.holds(facts)]
    missing = [c for c in rule.conditions if facts.get(c.fact) is None]
    src = rule.sources[0]
    if failed:
        return Verdict(rule.id, rule.name, "ineligible", "".join(c.failure(facts) for c in failed),
                       tuple(c.fact for c in missing), src)
    if missing:
        asks = tuple(dict.fromkeys(c.ask for c in missing))
        return Verdict(rule.id, rule.name, "need_info", rule.statement, tuple(dict.fromkeys(c.fact for c in missing)),
                       src, asks)
    return Verdict(rule.id, rule.name, "eligible", rule.eligible, (), src)
