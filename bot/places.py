"""Places in China a question names (provinces, prefecture cities, counties and districts), from jionlp's
administrative-division data, so the bot can tell a citizen asking about 北京市朝阳区 or 深圳 that the
registers it answers from are other places' — instead of answering with another bureau's office."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace

# Words before a place that say it is where someone's household or home is, not where they ask about.
_HOME = re.compile(r"(户口|户籍|老家|籍贯|祖籍|出生在|出生于|生于)[^，。,.；;！？!?]{0,6}$")


# A county-level city's or county's short name (万宁 for 万宁市, 澄迈 for 澄迈县) is a place unless jieba's dictionary
# counts it this often as a word (大冶 558 is kept; 江山 1 224, 长安 5 355, 和平 7 998, 合作 13 478 are words first).
COMMON = 600

# Words right after a place that make it someone's household: 「我是广东户口」「湖南籍」「四川户籍的」.
_HOUSEHOLD_AFTER = re.compile(r"(?:省|市|县|区)?(?:户口|户籍|籍)")

# 「X人才」「X人社」「X人民」…: 人 starting a word after a place, not someone from that place.
_PERSON_WORDS = set("才社员民力事口身")


@dataclass(frozen=True)
class PlaceName:
    name: str          # as written in the question
    province: str      # 北京市, 广东省 …
    city: str | None   # 深圳市 (None for a province)
    county: str | None
    start: int

    @property
    def label(self) -> str:
        """「北京市朝阳区」; just the name as written when the division is ambiguous (province unknown)."""
        if not self.province:
            return self.name
        return "".join(dict.fromkeys(x for x in (self.province, self.city, self.county) if x))


class Gazetteer:
    """Names → divisions. Provinces and cities by full name and short name (深圳市, 深圳), counties and
    districts by full name; county-level cities, and the counties of the provinces whose registers we hold, also by
    their short name when it is no common word (万宁, 琼海, 澄迈, 陵水; `COMMON`) and stands as a word in the text.
    Loaded once, lazily."""

    _lock = threading.Lock()
    _names: list[tuple[str, str, str | None, str | None]] | None = None
    _shorts: frozenset[str] = frozenset()   # short names, found only as whole words of the text

    @classmethod
    def names(cls) -> list[tuple[str, str, str | None, str | None]]:
        with cls._lock:
            if cls._names is None:
                from bot.timeparse import _jio   # jionlp imported once, its banners kept off stdout
                data = _jio().china_location_loader()
                import jieba
                jieba.setLogLevel(60)
                jieba.initialize()
                freq = jieba.dt.FREQ
                out = []
                shorts_all: set[str] = set()
                try:
                    from corpus.sources import load_sources
                    ours = {src.province for src in load_sources()}
                except Exception:   # no manifest: county short names nowhere
                    ours = set()
                for prov, pv in data.items():
                    for n in _forms(pv):
                        out.append((n, prov, None, None))
                    for city, cv in pv.items():
                        if city.startswith("_"):
                            continue
                        if "直辖" not in city:
                            for n in _forms(cv):
                                out.append((n, prov, city, None))
                        for county, xv in cv.items():
                            if not county.startswith("_") and len(county) >= 3:
                                out.append((county, prov, None if "直辖" in city else city, county))
                                # county-level cities anywhere; counties where our provinces' citizens name their
                                # neighbours so (澄迈, 陵水)
                                named_short = county.endswith("市") or (county.endswith("县") and prov in ours)
                                for short in ({county[:-1]} | set(_forms(xv)[1:])) if named_short else ():
                                    # 万宁, 琼海, 五指山 (county-level cities), 澄迈, 屯昌, 陵水 (counties of the
                                    # provinces we cover; 自治县 by jionlp's alias) by their short name, unless that
                                    # is a common word (和平, 江山, 合作); elsewhere a county's short name is too often
                                    # part of other words (交城 in 交城居保, 修水 in 修水库); districts' (朝阳) too
                                    if len(short) >= 2 and short != county and freq.get(short, 0) < COMMON:
                                        out.append((short, prov, None if "直辖" in city else city, county))
                                        shorts_all.add(short)
                cls._names = sorted(set(out), key=lambda x: -len(x[0]))
                cls._shorts = frozenset(shorts_all)
            return cls._names

    def find(self, text: str) -> list[PlaceName]:
        """Places named in `text`, longest names first, never overlapping, in text order. A name several
        divisions share (朝阳区: 北京 and 长春) gives one PlaceName for each."""
        taken = [False] * len(text)
        spans: set[tuple[int, int]] = set()
        found = []
        cuts: set[int] | None = None
        for name, prov, city, county in self.names():
            start = text.find(name)
            while start >= 0:
                end = start + len(name)
                if name in self._shorts:   # 交城 in 「交城乡居民养老」, 修水 in 「修水库」: not a word there
                    if cuts is None:
                        cuts = _word_cuts(text)
                    if start not in cuts or end not in cuts:
                        start = text.find(name, start + 1)
                        continue
                if (start, end) in spans or not any(taken[start:end]):
                    for i in range(start, end):
                        taken[i] = True
                    spans.add((start, end))
                    found.append(PlaceName(name, prov, city, county, start))
                start = text.find(name, end)
        return sorted(found, key=lambda p: p.start)


def _word_cuts(text: str) -> set[int]:
    """Offsets in `text` where jieba's words start or end."""
    import jieba
    cuts, pos = {0}, 0
    for w in jieba.cut(text):
        pos += len(w)
        cuts.add(pos)
    return cuts


def _forms(entry: dict) -> list[str]:
    names = [entry.get("_full_name", "")]
    alias = entry.get("_alias")
    names += alias if isinstance(alias, list) else [alias] if alias else []
    return [n for n in names if n and len(n) >= 2]


def _specific(p: PlaceName) -> tuple:
    return (p.county is not None, p.city is not None)


def elsewhere(text: str, covered) -> PlaceName | None:
    """The most specific place `text` names that no register covers and that is not someone's household or
    home (「户口在怀化」), else None. A name several divisions share is read in the province the question's
    other places agree on; alone, it is kept as written (朝阳区). `covered(place)` says whether a register
    covers a place."""
    spans: dict[int, list[PlaceName]] = {}
    for p in Gazetteer().find(text):
        end = p.start + len(p.name)
        native = text[end:end + 1] == "人" and text[end + 1:end + 2] not in _PERSON_WORDS   # 香港人, not 海口人才
        native = native or _HOUSEHOLD_AFTER.match(text, end) is not None                  # 广东户口, 湖南籍
        if _HOME.search(text[max(0, p.start - 8):p.start]) or native:
            continue   # 「户口在怀化」「老家长沙」「我是香港人」「广东户口」: where someone is from, not what they ask about
        spans.setdefault(p.start, []).append(p)
    sure = {c[0].province for c in spans.values() if len({x.province for x in c}) == 1}
    resolved: list[tuple[PlaceName, bool]] = []     # (place, a register covers it)
    for cands in spans.values():
        agree = [c for c in cands if c.province in sure] if len({x.province for x in cands}) > 1 else cands
        if agree:
            best = max(agree, key=_specific)
            resolved.append((best, covered(best)))
        else:
            resolved.append((replace(cands[0], province="", city=None, county=None), any(map(covered, cands))))
    outside = [p for p, ok in resolved if not ok]
    if not outside:
        return None
    first = outside[0]
    if not first.province:
        return first
    return max((p for p in outside if p.province == first.province), key=_specific)
