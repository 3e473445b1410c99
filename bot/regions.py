"""Places named in a question → the bureau (source slug) to answer from; the names are data in corpus/sources.toml."""

from __future__ import annotations

import re

from corpus.sources import Source


class Regions:
    def __init__(self, sources: list[Source]):
        self.sources = {s.slug: s for s in sources}
        names = []
        for s in sources:
            for name in (*s.places, s.county, s.city, s.county.rstrip("县区市")):
                if name and len(name) >= 2:
                    names.append((name, s.slug))
        # longest names first so 「洋浦经济开发区」 wins over shorter overlaps
        self._names = sorted(set(names), key=lambda x: -len(x[0]))

    def detect(self, text: str) -> str | None:
        found = [slug for name, slug in self._names if name in text]
        return found[0] if found else None

    def in_our_provinces(self, place) -> bool:
        """True when `place` (a bot.places.PlaceName) is in a province some register is in (海南, 湖南)."""
        return any(s.province and _same_province(place.province, s.province) for s in self.sources.values())

    def without_places(self, text: str) -> str:
        """The text with every covered place name taken out (「洋浦怎么查参保缴费明细」 → 「怎么查参保缴费明细」)."""
        for name, _ in self._names:
            text = text.replace(name, "")
        return text

    def only_places(self, text: str) -> bool:
        """True when the text says no more than where the citizen is (「我在定安」「洋浦的」)."""
        rest = re.sub(r"[我在是的人这边那边呢啊吧呀哦了县区市镇省，。！？,.!?\s]", "", self.without_places(text))
        return len(rest) <= 1

    def covers(self, place) -> bool:
        """True when a register's bureau is in `place` (a bot.places.PlaceName) or `place` is in it: the same
        province, and the same city and county where the place names them."""
        for s in self.sources.values():
            if not s.province or not _same_province(place.province, s.province):
                continue
            if place.county and place.county not in (s.county, *s.places):
                continue
            if place.city and s.city and place.city != s.city:
                continue
            if place.city and not s.city and not place.county:
                continue   # a prefecture city in a province whose only registers are county-level: not ours
            return True
        return False

    def covered_labels(self) -> str:
        return "、".join(self.label(s) for s in self.sources)

    def label(self, slug: str) -> str:
        s = self.sources[slug]
        return s.places[0] if s.places else s.county

    def province(self, slug: str | None) -> str:
        if slug and slug in self.sources:
            return self.sources[slug].province.rstrip("省")
        return "海南"


def _same_province(a: str, b: str) -> bool:
    """海南省 and 海南, 北京市 and 北京 name the same province."""
    return a.rstrip("省市") == b.rstrip("省市")
