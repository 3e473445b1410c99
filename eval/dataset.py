"""The dev set (`eval/data/`): load the three JSONL files, validate them against the corpus, summarise.

questions.jsonl    {"id", "question", "gold": [record ids], "style", "region": slug | null}
oos.jsonl          {"id", "question", "category", "region"?: slug | null (the bureau chosen: a matter it lacks)}
eligibility.jsonl  {"id", "turns": [str, …], "rule", "verdict", "today"?: "YYYY-MM-DD", "region"?: slug | null}

An eligibility-only folder (a hold-out batch of rule cases) may leave out questions.jsonl and oos.jsonl.
Verdict "none" means the rule must not be evaluated for the last turn; rule "*" (with "none") means no rule
may be. "today" is the date the case assumes (ages, years and day counts are relative to it); "region" is the
bureau the citizen selected in the app.

Anything wrong (bad JSON, a missing field, an empty gold, a gold id not in the corpus, a repeated id or
question) raises `DatasetError` naming file:line, so a stale gold id is an error rather than a silent zero.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from corpus.records import Record

DATA = Path(__file__).resolve().parent / "data"
FILES = ("questions.jsonl", "oos.jsonl", "eligibility.jsonl")
VERDICTS = ("eligible", "ineligible", "need_info", "none")
ANY_RULE = "*"


class DatasetError(Exception):
    """A dev-set file that cannot be used as it is; the message names file:line and what to fix."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        self.path, self.line = display_path(path), line
        super().__init__(f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold: tuple[str, ...]
    style: str = ""
    region: str | None = None
    line: int = 0


@dataclass(frozen=True)
class OosQuestion:
    id: str
    question: str
    category: str
    line: int = 0
    region: str | None = None     # bureau slug selected in the app (the matter is one its register lacks)


@dataclass(frozen=True)
class EligibilityCase:
    id: str
    turns: tuple[str, ...]
    rule: str
    verdict: str
    line: int = 0
    today: str | None = None      # ISO date the case assumes; None = the bot's own clock
    region: str | None = None     # bureau slug selected in the app


@dataclass(frozen=True)
class DevSet:
    questions: tuple[Question, ...]
    oos: tuple[OosQuestion, ...]
    cases: tuple[EligibilityCase, ...]
    folder: Path


def load_dataset(records: list[Record], folder: str | Path = DATA, slugs: set[str] | None = None) -> DevSet:
    """Read and validate the three files in `folder` against `records` (the corpus the golds point into).

    `slugs`: known region slugs for questions' "region" (default: the sources present in `records`).
    """
    folder = Path(folder)
    by_source = {r.id: r.source for r in records}
    ids = set(by_source)
    slugs = slugs if slugs is not None else {r.source for r in records}
    seen_ids: dict[str, str] = {}
    seen_q: dict[str, str] = {}

    # an eligibility-only folder (a batch of rule cases kept back for measuring) needs no questions or oos
    rules_only = (folder / "eligibility.jsonl").exists() and not (folder / "questions.jsonl").exists()
    questions = []
    for path, n, row in _rows(folder / "questions.jsonl", optional=rules_only):
        _require(path, n, row, {"id": str, "question": str, "gold": list, "style": str}, optional={"region"})
        _unique(path, n, row, seen_ids, seen_q)
        gold = row["gold"]
        if not gold:
            raise DatasetError(path, f"question {row['id']!r} has an empty gold list; name at least one record id", n)
        for g in gold:
            if not isinstance(g, str):
                raise DatasetError(path, f"gold ids must be strings, got {g!r}", n)
            if g not in ids:
                raise DatasetError(path, f"gold id {g!r} is not in the corpus ({len(ids)} records); fix the id or "
                                         "drop it (`python -m corpus show ID` lists a record)", n)
        if len(set(gold)) != len(gold):
            dup = next(g for g, c in Counter(gold).items() if c > 1)
            raise DatasetError(path, f"gold lists {dup!r} twice", n)
        region = row.get("region")
        if region is not None and region not in slugs:
            raise DatasetError(path, f"region {region!r} is not a source slug; use one of "
                                     f"{', '.join(sorted(slugs))} or null", n)
        elsewhere = [g for g in gold if region is not None and by_source[g] != region]
        if elsewhere:
            raise DatasetError(path, f"region is {region!r} but gold {elsewhere[0]!r} is another bureau's record; "
                                     "a question naming a place has only that place's records as gold", n)
        questions.append(Question(row["id"], row["question"], tuple(gold), row["style"], region, n))
    if not questions and not rules_only:
        raise DatasetError(folder / "questions.jsonl", "has no questions")

    oos = []
    for path, n, row in _rows(folder / "oos.jsonl", optional=rules_only):
        _require(path, n, row, {"id": str, "question": str, "category": str}, optional={"region"})
        _unique(path, n, row, seen_ids, seen_q)
        region = row.get("region")
        if region is not None and region not in slugs:
            raise DatasetError(path, f"region {region!r} is not a source slug; use one of {', '.join(sorted(slugs))}", n)
        oos.append(OosQuestion(row["id"], row["question"], row["category"], n, region))

    cases = []
    # a retrieval-only folder (questions and out-of-scope kept back for measuring) needs no eligibility cases
    retrieval_only = (folder / "questions.jsonl").exists() and not (folder / "eligibility.jsonl").exists()
    for path, n, row in _rows(folder / "eligibility.jsonl", optional=retrieval_only):
        _require(path, n, row, {"id": str, "turns": list, "rule": str, "verdict": str},
                 optional={"today", "region", "note"})
        _unique(path, n, row, seen_ids, None)
        if row["verdict"] not in VERDICTS:
            raise DatasetError(path, f"verdict {row['verdict']!r} is not one of {', '.join(VERDICTS)}", n)
        if row["rule"] == ANY_RULE and row["verdict"] != "none":
            raise DatasetError(path, f"case {row['id']!r}: rule \"*\" (no rule at all) only goes with verdict \"none\"", n)
        today = row.get("today")
        if today is not None:
            try:
                date.fromisoformat(today)
            except (TypeError, ValueError):
                raise DatasetError(path, f"case {row['id']!r}: today {today!r} is not an ISO date such as "
                                         "2026-11-30", n) from None
        region = row.get("region")
        if region is not None and region not in slugs:
            raise DatasetError(path, f"case {row['id']!r}: region {region!r} is not a source slug; use one of "
                                     f"{', '.join(sorted(slugs))} or null", n)
        if not row["turns"] or not all(isinstance(t, str) and t.strip() for t in row["turns"]):
            raise DatasetError(path, f"case {row['id']!r}: turns must be a non-empty list of non-empty strings", n)
        cases.append(EligibilityCase(row["id"], tuple(row["turns"]), row["rule"], row["verdict"], n, today, region))

    return DevSet(tuple(questions), tuple(oos), tuple(cases), folder)


def summary(dev: DevSet, records: list[Record]) -> dict:
    """Counts: questions, oos questions, eligibility cases, and gold per source and per register part
    (a question counts once for each source and each part present among its gold records)."""
    by_id = {r.id: r for r in records}
    sources: Counter[str] = Counter()
    sections: Counter[str] = Counter()
    for q in dev.questions:
        sources.update({by_id[g].source for g in q.gold})
        sections.update({by_id[g].section for g in q.gold})
    return {"n": len(dev.questions), "oos": len(dev.oos), "cases": len(dev.cases),
            "sources": dict(sorted(sources.items())), "sections": dict(sorted(sections.items())),
            "styles": dict(sorted(Counter(q.style for q in dev.questions).items()))}


def _rows(path: Path, optional: bool = False):
    """(path, line number, dict) for each non-blank line (nothing for a missing `optional` file)."""
    if optional and not path.exists():
        return
    if not path.exists():
        raise DatasetError(path, "does not exist; the dev set needs " + ", ".join(FILES)
                           + " (see eval/data/README.md)")
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(path, f"not valid JSON ({exc.msg} at column {exc.colno})", n) from exc
            if not isinstance(row, dict):
                raise DatasetError(path, f"expected a JSON object, got {type(row).__name__}", n)
            yield path, n, row


def _require(path: Path, n: int, row: dict, fields: dict[str, type], optional: set[str] = frozenset()) -> None:
    missing = [f for f in fields if f not in row]
    if missing:
        raise DatasetError(path, f"missing field(s) {', '.join(missing)}; each line needs "
                                 f"{', '.join(list(fields) + sorted(optional))}", n)
    for name, kind in fields.items():
        if not isinstance(row[name], kind):
            raise DatasetError(path, f"field {name!r} should be a {kind.__name__}, got {row[name]!r}", n)
    for name in ("id", "question"):
        if name in fields and not row[name].strip():
            raise DatasetError(path, f"field {name!r} is empty", n)


def _unique(path: Path, n: int, row: dict, seen_ids: dict[str, str], seen_q: dict[str, str] | None) -> None:
    """Ids are unique across all three files; questions are unique across questions and oos (after
    collapsing whitespace)."""
    here = f"{path.name}:{n}"
    if row["id"] in seen_ids:
        raise DatasetError(path, f"id {row['id']!r} repeats {seen_ids[row['id']]}", n)
    seen_ids[row["id"]] = here
    if seen_q is not None:
        key = re.sub(r"\s+", "", row["question"])
        if key in seen_q:
            raise DatasetError(path, f"question {row['question']!r} repeats {seen_q[key]}; drop one", n)
        seen_q[key] = here


def display_path(path: Path | str) -> str:
    """The path relative to the working directory when it lies under it (shorter messages)."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(p)
