"""Staff lookup: by record id, by phone number (any written form, with or without the area code), or by words."""

from __future__ import annotations

import re

from index.hybrid import Hit

_ID = re.compile(r"^[a-z0-9_]+-(service|power|duty|boundary|supervision)-\d+$")


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def find(bot, query: str, source: str | None = None, section: str | None = None, k: int = 20) -> list[Hit]:
    """Hits for a clerk's query: an exact record id first; a query that is mostly a phone number (7+ digits)
    matches records whose phones end with those digits (those hits carry extra["match"] = "id" or "phone");
    anything else goes to the index."""
    q = (query or "").strip()
    records = [r for r in bot.index.records if (not source or r.source == source) and (not section or r.section == section)]
    if _ID.match(q.lower()):
        return [Hit(r.id, 1.0, r, extra={"match": "id"}) for r in records if r.id == q.lower()][:k]
    number = digits(q)
    if len(number) >= 7 and len(number) >= len(re.sub(r"\s", "", q)) * 0.6:
        tail = number[-8:] if len(number) > 8 else number
        found = [r for r in records if any(digits(p).endswith(tail) for p in r.phones + list(r.complaint_phones))]
        return [Hit(r.id, 1.0, r, extra={"match": "phone"}) for r in found][:k]
    return bot.lookup(q, source=source, section=section, k=k)


def strength(score: float, best: float) -> str:
    """A score as words a clerk can use: 最相关 / 相关 / 可能相关."""
    if best <= 0:
        return "可能相关"
    ratio = score / best
    return "最相关" if ratio >= 0.98 else "相关" if ratio >= 0.8 else "可能相关"
