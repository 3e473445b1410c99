"""The harness: ask every dev question of each method, score the rankings, check the gate.

A method is any object with a `name` and `ask(question) -> Answer` (ranked record ids, plus the bot's
out-of-scope flag); the bot also has `judge(turns, rule)` for eligibility cases. `IndexMethod` and
`BotMethod` wrap the real index and bot; tests pass fakes.
"""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus.records import Record
from eval import metrics as m
from eval.dataset import DevSet, summary

INDEX_METHODS = ("bm25", "dense", "hybrid")
ALL_METHODS = INDEX_METHODS + ("bot",)
K = 10
THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"
RETRIEVAL_KEYS = ("top1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10")


@dataclass
class Answer:
    ids: list[str]
    out_of_scope: bool | None = None
    phone: bool | None = None     # the answer gives a number to call (the bot only)


PHONE = re.compile(r"tel:|\d{3,4}-\d{7,8}|12333")


class IndexMethod:
    """One retrieval method of the hybrid index (bm25, dense or hybrid)."""

    def __init__(self, idx, method: str):
        self.idx, self.name = idx, method

    def ask(self, question: str, region: str | None = None) -> Answer:
        """`region`: the bureau a citizen chose in the app (the search is restricted to it)."""
        return Answer([h.id for h in self.idx.search(question, k=K, method=self.name, source=region)])


class BotMethod:
    """The whole bot: its cited hits, its out-of-scope flag, and its eligibility verdicts."""

    name = "bot"

    def __init__(self, bot, session_cls):
        self.bot, self.session_cls = bot, session_cls

    def ask(self, question: str, region: str | None = None) -> Answer:
        """`region`: the bureau a citizen chose in the app, as the app passes it."""
        d = self.bot.answer(question, region=region).to_dict()
        return Answer([h["id"] for h in d["hits"]][:K], bool(d["out_of_scope"]),
                      None if d["out_of_scope"] else bool(PHONE.search(d["answer"])))

    def judge(self, turns: Sequence[str], rule: str, today: str | None = None, region: str | None = None) -> str:
        """Verdict of `rule` in the last answer of a fresh dialogue, "none" when the rule was not evaluated.
        For rule "*": "none" when no rule was evaluated, else the first evaluated rule as "rule=verdict".
        `today` (ISO date) is the date the dialogue happens on; `region` the bureau chosen in the app."""
        session = self.session_cls(region=region, today=today)
        d = None
        for turn in turns:
            d = self.bot.answer(turn, session).to_dict()
        listed = d["eligibility"]
        if rule == "*":
            return f"{listed[0]['rule']}={listed[0]['verdict']}" if listed else "none"
        return next((e["verdict"] for e in listed if e["rule"] == rule), "none")


def load_methods(names: Sequence[str], bot_optional: bool = False, log: Callable[[str], None] = print,
                 records: list | None = None) -> list:
    """The named methods, in `ALL_METHODS` order. With bot_optional, a bot that cannot be imported yet is
    skipped with a note instead of raising. `records`: index only these (the registers a dev set was written
    for) instead of the whole corpus; the index is cached under index/store/eval-<hash>/."""
    unknown = [n for n in names if n not in ALL_METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; choose from {','.join(ALL_METHODS)}")
    out: list = []
    idx = sources = None
    if records is not None:
        import hashlib

        from corpus.build import write_records
        from corpus.sources import load_sources
        from index.store import STORE, open_index
        digest = hashlib.sha256("".join(r.to_json() for r in records).encode("utf-8")).hexdigest()[:12]
        folder = STORE / f"eval-{digest}"
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "records.jsonl").exists():
            write_records(records, folder / "records.jsonl")
        idx = open_index(folder / "index", folder / "records.jsonl", log=log)
        slugs = {r.source for r in records}
        sources = [s for s in load_sources() if s.slug in slugs]
    if any(n in INDEX_METHODS for n in names):
        from index.store import open_index
        idx = idx or open_index()
        out += [IndexMethod(idx, n) for n in INDEX_METHODS if n in names]
    if "bot" in names:
        try:
            from bot import Bot, Session
        except ImportError as exc:
            if not bot_optional:
                raise ImportError(f"the bot cannot be imported yet ({exc}); run with "
                                  "--methods bm25,dense,hybrid") from exc
            log(f"note: bot skipped, it cannot be imported yet ({exc})")
        else:
            out.append(BotMethod(Bot(idx, sources=sources) if idx is not None and sources else Bot.load(), Session))
    return out


@dataclass
class Outcome:
    """What one method returned: rankings per dev question, flags, verdicts, and timings."""

    name: str
    ranked: list[list[str]]
    in_flags: list[bool | None]
    oos_flags: list[bool | None] = field(default_factory=list)
    phones: list[bool | None] = field(default_factory=list)   # per in-scope question: answered with a phone
    verdicts: list[str | None] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def collect(method, dev: DevSet) -> Outcome:
    """Ask `method` every question (and, for the bot, every oos question and eligibility case)."""
    if dev.questions:
        method.ask(dev.questions[0].question)  # warm-up, untimed: lazy model loads are not query latency
    out = Outcome(method.name, [], [])
    for q in dev.questions:
        t = time.perf_counter()
        a = method.ask(q.question, **({"region": q.region} if q.region else {}))
        out.seconds.append(time.perf_counter() - t)
        out.ranked.append(list(a.ids))
        out.in_flags.append(a.out_of_scope)
        out.phones.append(a.phone)
    if any(f is not None for f in out.in_flags):  # the method flags out-of-scope questions: ask those too
        for q in dev.oos:
            t = time.perf_counter()
            out.oos_flags.append(method.ask(q.question, **({"region": q.region} if q.region else {})).out_of_scope)
            out.seconds.append(time.perf_counter() - t)
    if hasattr(method, "judge"):
        # the date and region a case assumes are passed only when it states them (fakes take turns and rule)
        for c in dev.cases:
            t = time.perf_counter()
            out.verdicts.append(method.judge(c.turns, c.rule, **{k: v for k, v in (("today", c.today),
                                                                                 ("region", c.region)) if v is not None}))
            if not dev.questions:   # an eligibility-only set: the dialogues are what is timed
                out.seconds.append(time.perf_counter() - t)
    return out


def retrieval_scores(ranked: Sequence[Sequence[str]], golds: Sequence[Sequence[str]]) -> dict[str, float]:
    """top1, recall@3/5/10, mrr@10, ndcg@10 (each the mean over questions, rounded to 4 decimals)."""
    return {"n": len(golds),
            "top1": _r(m.mean([m.hit_at(r, g, 1) for r, g in zip(ranked, golds)])),
            **{f"recall@{k}": _r(m.mean([m.hit_at(r, g, k) for r, g in zip(ranked, golds)])) for k in (3, 5, 10)},
            "mrr@10": _r(m.mean([m.reciprocal_rank(r, g, 10) for r, g in zip(ranked, golds)])),
            "ndcg@10": _r(m.mean([m.ndcg(r, g, 10) for r, g in zip(ranked, golds)]))}


def score(outcomes: Sequence[Outcome], dev: DevSet, records: list[Record]) -> dict:
    """The results object (`--json`), without the report and plot paths."""
    by_id = {r.id: r for r in records}
    golds = [set(q.gold) for q in dev.questions]
    groups = {"sources": lambda g: {by_id[i].source for i in g}, "sections": lambda g: {by_id[i].section for i in g}}
    res: dict = {"dataset": summary(dev, records), "methods": {}, "rules": {"accuracy": None, "n": len(dev.cases)},
                 "oos": {}, "latency": {}}
    for o in outcomes:
        s = retrieval_scores(o.ranked, golds) if golds else {"n": 0}   # an eligibility-only set ranks nothing
        for key, of in (groups.items() if golds else ()):
            names = sorted({n for g in golds for n in of(g)})
            s[key] = {n: retrieval_scores(*zip(*[(r, g) for r, g in zip(o.ranked, golds) if n in of(g)]))
                      for n in names}
        if o.oos_flags:
            res["oos"] = {k: _r(v) for k, v in m.oos_scores(o.oos_flags, o.in_flags).items()}
            res["oos"].update(n_oos=len(o.oos_flags), n_in=len(o.in_flags))
            answered = [p for p in o.phones if p is not None]
            res["oos"]["with_phone"] = _r(sum(answered) / len(answered)) if answered else None
            s["oos"] = res["oos"]
        if o.verdicts:
            right = sum(v == c.verdict for v, c in zip(o.verdicts, dev.cases))
            res["rules"] = {"accuracy": _r(m.accuracy(o.verdicts, [c.verdict for c in dev.cases])),
                            "n": len(dev.cases), "correct": right, "method": o.name}
        if golds:
            res["methods"][o.name] = s
        ms = [t * 1000 for t in o.seconds]
        if not ms:
            continue
        res["latency"][o.name] = {"mean_ms": round(m.mean(ms), 1), "p95_ms": round(m.percentile(ms, 95), 1),
                                  "n": len(ms)}
    return res


def run(methods: Sequence, dev: DevSet, records: list[Record], out_dir: str | Path,
        log: Callable[[str], None] = print) -> dict:
    """Collect, score, and write the report and plot; returns the results with their paths."""
    from eval.report import write_report
    outcomes = []
    for method in methods:
        log(f"asking {method.name} {len(dev.questions)} questions …")
        outcomes.append(collect(method, dev))
    res = score(outcomes, dev, records)
    md, png = write_report(res, outcomes, dev, records, out_dir)
    res["report"], res["plot"] = str(md), str(png)
    return res


def load_thresholds(path: str | Path = THRESHOLDS) -> dict:
    with Path(path).open("rb") as fh:
        return tomllib.load(fh)


def gate_failures(res: dict, thresholds: dict) -> tuple[list[str], list[str]]:
    """(failures, notes). A figure below its threshold fails; a figure that could not be measured fails only
    when its threshold is above 0 (0.0 means "not gated yet")."""
    fails, notes = [], []
    checks = [(f"{name} {metric}", res["methods"].get(name, {}).get(metric), floor)
              for name, table in thresholds.get("methods", {}).items() for metric, floor in table.items()]
    checks += [(f"rules {metric}", res["rules"].get(metric), floor)
               for metric, floor in thresholds.get("rules", {}).items()]
    for label, value, floor in checks:
        if value is None:
            (fails if floor > 0 else notes).append(f"{label} was not measured (threshold {floor})")
        elif value < floor:
            fails.append(f"{label} = {value:.4f} is below the threshold {floor:.4f} in eval/thresholds.toml")
    for name, others in thresholds.get("not_worse", {}).items():
        for metric, rivals in others.items():
            mine = res["methods"].get(name, {}).get(metric)
            for rival in rivals:
                theirs = res["methods"].get(rival, {}).get(metric)
                if mine is None or theirs is None:
                    notes.append(f"{name} vs {rival} on {metric}: not both measured")
                elif mine < theirs:
                    fails.append(f"{name} {metric} = {mine:.4f} is worse than {rival}'s {theirs:.4f}")
    return fails, notes


def _r(x: float) -> float:
    return round(x, 4)
