"""Features of a (question, candidate record) pair for the learned ranking, and of a question for the refusal.

Evidence per field and per view, not one blended score: BM25 overall and relative to the best candidate, the
cosine of the record's best view and of its title view, and how much of the question's own words (idf-weighted,
before synonyms) the record's title and matter cover versus only its other text (materials, offices, legal basis).
A question about 身份证 shares 身份证 with the 社保卡 record's materials only; a question about 社保卡 shares it with
the title. The question's intent (index/data/intents.toml: 怎么办/去哪/电话/材料/谁管/能不能) meets the register part.
Models over these features are fitted by `python -m eval tune` (index/fusion.py scores them)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from corpus.records import Record

DATA = Path(__file__).resolve().parent / "data"

# One candidate's features (all computed per question over its candidates; shares are idf-weighted over the
# question's own distinct words):
#   sparse      BM25/(BM25+bm25_half)                 sparse_rel   BM25 / the best BM25 among the candidates
#   dense       cosine of the record's best view      dense_rel    dense − the best dense among the candidates
#   dense_title cosine of the record's title view     title_cov    share of the words found in the title
#   matter_cov  share found in the title, content or work items (what the record is about)
#   rest_only   share found only in the rest of the record (materials, offices, departments, basis)
#   key_matter  1 when the question's rarest known word is in the record's matter
#   title_extra idf share of the record's title words the question does not use (原辞退民办教师遗留问题 for
#               「被辞退了怎么办」: the record is about something more specific than the question)
#   phone       1 when the record gives a phone number
#   duty, boundary, supervision, power   1 for a record of that register part (service is the baseline)
#   group_unmet 1 when the record's short title names a group of people (index/data/groups.toml: 民办教师, 农民工,
#               女职工 …) and the question does not name it, in its words or its synonym expansions
#   expanded_cov  share (weight × idf) of the question's synonym expansions (the register words its colloquial
#               phrases stand for: 被公司开了 → 辞退 劳动争议 仲裁) found in the record's matter; 0 without expansions
#   act_service 1 for a service record when the question asks how/where/whom to do something (intents "act")
#   rule_duty   1 for a duty/boundary/supervision record when it asks what the rule is (intents "rule")
RANK_FEATURES = ("sparse", "sparse_rel", "dense", "dense_rel", "dense_title", "title_cov", "matter_cov",
                 "rest_only", "key_matter", "title_extra", "group_unmet", "expanded_cov", "phone", "duty", "boundary",
                 "supervision", "power", "act_service", "rule_duty")
PARTS = ("duty", "boundary", "supervision", "power")


@lru_cache(maxsize=4)
def _intents_file(path: str = str(DATA / "intents.toml")) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=4)
def intents(path: str = str(DATA / "intents.toml")) -> dict[str, tuple[str, ...]]:
    """{intent: words}: a question containing one of an intent's words has that intent."""
    return {name: tuple(sorted(set(words), key=len, reverse=True))
            for name, words in _intents_file(path)["intents"].items()}


@lru_cache(maxsize=4)
def aspects(path: str = str(DATA / "intents.toml")) -> frozenset[str]:
    """Words that ask about an aspect of a matter (材料, 电话, 多久 …), not the matter itself."""
    return frozenset(_intents_file(path).get("aspects", {}).get("words", []))


@lru_cache(maxsize=1)
def aspects_longest_first() -> tuple[str, ...]:
    """`aspects()`, longest first, then in character order (the same order in every process: a frozenset's is
    not), for taking them out of a text."""
    return tuple(sorted(aspects(), key=lambda a: (-len(a), a)))


@lru_cache(maxsize=4)
def groups(path: str = str(DATA / "groups.toml")) -> tuple[int, dict[str, tuple[str, ...]]]:
    """(max_title, {group: words}) from index/data/groups.toml: the groups of people a record may be restricted to."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return int(data.get("max_title", 24)), {name: tuple(words) for name, words in data["groups"].items()}


def title_groups(title: str) -> frozenset[str]:
    """The groups a record's title restricts it to (none for a title longer than max_title: a duty statement)."""
    longest, table = groups()
    if len(title) > longest:
        return frozenset()
    return frozenset(name for name, words in table.items() if any(w in title for w in words))


def question_groups(text: str, terms=()) -> set[str]:
    """The groups a question names, in its text or among its query terms (synonym expansions included)."""
    found = set()
    for name, words in groups()[1].items():
        if any(w in text for w in words) or any(any(w in t for w in words) for t in terms):
            found.add(name)
    return found


@lru_cache(maxsize=4)
def asking_longest_first(path: str = str(DATA / "intents.toml")) -> tuple[str, ...]:
    """How a question asks (index/data/intents.toml [asking]: 怎么办, 去哪, 能不能 …), longest first, then in
    character order: every department's questions ask that way (「身份证丢了怎么补办」 and 「社保卡丢了怎么补办」
    differ in their matter, not in 怎么)."""
    words = set(_intents_file(path).get("asking", {}).get("words", []))
    return tuple(sorted(words, key=lambda a: (-len(a), a)))


def question_intents(text: str) -> set[str]:
    return {name for name, words in intents().items() if any(w in text for w in words)}


def matter_text(r: Record) -> str:
    """What a record is about: its title, content and work items (not its materials, offices or basis)."""
    return " ".join([r.title, r.content] + [i.text for i in r.items])


class RecordTerms:
    """Each record's title, matter and whole-record word sets, made as records become candidates (cached)."""

    def __init__(self, tokenizer, bigrams):
        self.tok, self.bigrams = tokenizer, bigrams
        self._sets: dict[int, tuple[frozenset, frozenset, frozenset]] = {}
        self._title_words: dict[int, tuple[str, ...]] = {}
        self._groups: dict[int, frozenset[str]] = {}

    def groups(self, i: int, r: Record) -> frozenset[str]:
        """`title_groups` of record i (cached)."""
        if i not in self._groups:
            self._groups[i] = title_groups(r.title)
        return self._groups[i]

    def extra(self, i: int, own: set[str], idf_of=None) -> float:
        """The idf-weighted share of record i's title words (made by `of`) that are not among `own`."""
        words = self._title_words.get(i, ())
        w = [(idf_of(t) if idf_of else 1.0, t in own) for t in words]
        total = sum(x for x, _ in w)
        return sum(x for x, used in w if not used) / total if total else 0.0

    def of(self, i: int, r: Record) -> tuple[frozenset, frozenset, frozenset]:
        if i not in self._sets:
            words = self.tok.tokens(r.title)
            self._title_words[i] = tuple(dict.fromkeys(words))
            title = set(words) | set(self.bigrams(r.title))
            matter = title | set(self.tok.tokens(matter_text(r))) | set(self.bigrams(matter_text(r)))
            whole = matter | set(self.tok.tokens(r.body())) | set(self.bigrams(r.body()))
            self._sets[i] = (frozenset(title), frozenset(matter), frozenset(whole))
        return self._sets[i]


def matter_words(tokens: list[str], places=frozenset()) -> list[str]:
    """The words of a question that name its matter, distinct: without aspect words (`aspects()`: 材料, 电话 …),
    numbers (a phone, an ID, a year or an amount is a fact about the citizen, not a matter) and `places` (洋浦 says
    where, which the region does; a record's title naming 洋浦 is no closer to the matter); all distinct words
    when nothing else is left."""
    words = list(dict.fromkeys(tokens))
    return [t for t in words if _names_matter(t) and t not in places] or words


def _names_matter(word: str) -> bool:
    """False for an aspect word (材料, 电话 …) and for a word with a digit (a phone, an ID, a year, an amount)."""
    return word not in aspects() and not any(c.isdigit() for c in word)


def expansion_weights(terms: dict[str, float], own: dict[str, float], idf_of) -> dict[str, float]:
    """The query terms a synonym expansion added (weight below 1, not among the question's own matter words, no
    aspect word or number), each weighted by its weight × idf: what the citizen's colloquial phrases stand for."""
    return {t: w * idf_of(t) for t, w in terms.items() if w < 1.0 and t not in own and _names_matter(t)}


def own_weights(tokens: list[str], vocab: dict, idf, places=frozenset()) -> dict[str, float]:
    """The question's `matter_words` (without `places`) with their idf (a word no record uses weighs the largest
    idf)."""
    top = float(idf.max()) if len(idf) else 1.0
    return {t: float(idf[vocab[t]]) if t in vocab else top for t in matter_words(tokens, places)}


def candidate_features(bm25: dict[int, float], dense: dict[int, float], records: list[Record], terms: RecordTerms,
                       own: dict[str, float], asked: set[str], bm25_half: float,
                       dense_title: dict[int, float] | None = None, vocab: dict | None = None,
                       idf_of=None, expanded: dict[str, float] | None = None,
                       named: set[str] | None = None, concepts: dict[str, frozenset] | None = None) -> dict[int, dict]:
    """RANK_FEATURES of every candidate in the union of both lists (a candidate missing from one side scores 0).
    `own` is `own_weights` of the question, `asked` its `question_intents`; `idf_of(word)` weighs title words
    (1 each when not given); `expanded` is {expansion word: weight × idf} (`expansion_weights`), `named` the
    question's `question_groups`, `concepts` {own word: the register words it stands for} (Tokenizer.concepts): a
    record using one of those covers the word (医保 is covered by 医疗保险)."""
    ids = set(bm25) | set(dense)
    bmax = max(bm25.values(), default=0.0) or 1.0
    dmax = max(dense.values(), default=0.0)
    total = sum(own.values()) or 1.0
    known = [t for t in own if vocab is None or t in vocab]
    key = max(known, key=lambda t: (own[t], t)) if known else None
    act, rule = "act" in asked, "rule" in asked
    expanded, named, concepts = expanded or {}, named or set(), concepts or {}
    etotal = sum(expanded.values())
    used = set(own).union(*concepts.values()) if concepts else set(own)

    def covered(t: str, words: frozenset) -> bool:
        return t in words or any(e in words for e in concepts.get(t, ()))
    out = {}
    for i in ids:
        r = records[i]
        b, d = bm25.get(i, 0.0), dense.get(i, 0.0)
        title, matter, whole = terms.of(i, r)
        f = {"sparse": b / (b + bm25_half) if b > 0 else 0.0, "sparse_rel": b / bmax, "dense": d,
             "dense_rel": d - dmax, "dense_title": (dense_title or {}).get(i, d),
             "title_cov": sum(w for t, w in own.items() if covered(t, title)) / total,
             "matter_cov": sum(w for t, w in own.items() if covered(t, matter)) / total,
             "rest_only": sum(w for t, w in own.items() if covered(t, whole) and not covered(t, matter)) / total,
             "key_matter": 1.0 if key is not None and covered(key, matter) else 0.0,
             "title_extra": terms.extra(i, used, idf_of),
             "group_unmet": 1.0 if (g := terms.groups(i, r)) and not (g & named) else 0.0,
             "expanded_cov": sum(w for t, w in expanded.items() if t in matter) / etotal if etotal else 0.0,
             "phone": 1.0 if r.phones else 0.0}
        f.update({s: 1.0 if r.section == s else 0.0 for s in PARTS})
        f["act_service"] = 1.0 if act and r.section == "service" else 0.0
        f["rule_duty"] = 1.0 if rule and r.section in ("duty", "boundary", "supervision") else 0.0
        out[i] = f
    return out
