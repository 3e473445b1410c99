"""Time expressions in a turn, relative to a base date, read by jionlp (loaded once, lazily: importing it
takes about half a second; parsing a turn well under a millisecond).

Only turns with a time cue are parsed at all, so questions without dates never load it."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime

_CUE = re.compile(r"\d{2,4}年|[零〇一二两三四五六七八九十\d]{2}年[生出的人]|[月号日周天]|礼拜|星期|前天|昨天|今年|去年|前年|月初|月底")
_JIO = None
LOAD_SECONDS: list[float] = []   # how long loading jionlp took (once per process), for the benchmark


@dataclass(frozen=True)
class Mention:
    text: str
    start: int
    end: int
    first: date       # earliest day the expression can mean
    last: date        # latest day
    kind: str         # time_point | time_span | time_delta | time_period


def _jio():
    global _JIO
    if _JIO is None:
        import contextlib
        import io
        import logging
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):     # jionlp and jiojio print banners on import
            import jionlp
        # jionlp logs every string it cannot parse as an error with a traceback on the root logger; a turn
        # with no date in it is not an error for us
        logging.getLogger().addFilter(lambda record: "jionlp" not in record.pathname)
        _JIO = jionlp
        LOAD_SECONDS.append(time.perf_counter() - started)
    return _JIO


def has_time(text: str) -> bool:
    return bool(_CUE.search(text))


def mentions(text: str, today: date) -> list[Mention]:
    """Dates and spans named in `text`, as day intervals relative to `today` (a delta such as 「30天」 is left
    to the amount readers and not returned)."""
    if not has_time(text):
        return []
    base = time.mktime((today.year, today.month, today.day, 12, 0, 0, 0, 0, -1))
    try:
        found = _jio().ner.extract_time(text, time_base=base)
    except Exception:          # jionlp raises on some odd strings; a turn without dates is still a turn
        return []
    out = []
    for m in found:
        detail = m.get("detail", {})
        kind, span = detail.get("type"), detail.get("time")
        if kind not in ("time_point", "time_span") or not isinstance(span, list) or len(span) != 2:
            continue
        try:
            first = datetime.strptime(span[0][:10], "%Y-%m-%d").date()
            last = datetime.strptime(span[1][:10], "%Y-%m-%d").date()
        except (TypeError, ValueError):
            continue
        out.append(Mention(m["text"], m["offset"][0], m["offset"][1], first, last, kind))
    return out + _bare_months(text, today, out)


_MONTH = re.compile(r"(?<![\d年])(1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九])月(?![\d一二三四五六七八九十]|份?[\d一二三四五六七八九十]+[号日])")


def _bare_months(text: str, today: date, found: list[Mention]) -> list[Mention]:
    """「8月成立的」: a month named alone, which jionlp leaves out; the latest such month up to today."""
    out = []
    for m in _MONTH.finditer(text):
        if any(f.start <= m.start() < f.end for f in found):
            continue
        word = m.group(1)
        month = int(word) if word.isdigit() else {"十": 10, "十一": 11, "十二": 12}.get(
            word, "一二三四五六七八九".find(word) + 1)
        year = today.year if month <= today.month else today.year - 1
        last = date(year + (month == 12), month % 12 + 1, 1).toordinal() - 1
        out.append(Mention(m.group(0), m.start(), m.end(), date(year, month, 1), date.fromordinal(last),
                           "time_span"))
    return out
