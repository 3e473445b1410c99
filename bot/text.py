"""Cleaning what a citizen types, and masking personal numbers before anything is logged."""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 500
_ID = re.compile(r"(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])\d{3}[0-9Xx](?![0-9])|"
                 r"(?<![0-9])\d{15}(?![0-9])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(?:0\d{2,3}[-－ ]?)?\d{7,8}(?!\d)")
_TAGS = re.compile(r"<[^>\n]{0,200}>")


def clean_full(question: str | None) -> str:
    """Control characters removed and whitespace collapsed, not cut."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in (question or ""))
    return re.sub(r"\s+", " ", text).strip()


def shorten(text: str, n: int = 40) -> str:
    """At most n characters, cut at a punctuation mark when one is near, with 「…」 when cut."""
    if len(text) <= n:
        return text
    cut = max(text.rfind(p, 0, n) for p in "，。；、")
    return (text[:cut] if cut >= n // 2 else text[:n]) + "…"


def clean(question: str | None) -> tuple[str, bool]:
    """(text, truncated): control characters removed, whitespace collapsed, cut to MAX_CHARS."""
    text = clean_full(question)
    if len(text) > MAX_CHARS:
        return text[:MAX_CHARS], True
    return text, False


def for_search(text: str) -> str:
    """What retrieval sees: markup tags and markdown punctuation removed."""
    return re.sub(r"[`*_#>\[\]()!|~]+", " ", _TAGS.sub(" ", text))


def mask(text: str) -> str:
    """ID numbers (身份证号) and phone numbers replaced by a masked form, for logs and feedback."""
    text = _ID.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 5) + m.group(0)[-2:], text)
    text = _MOBILE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-4:], text)
    return _LANDLINE.sub(lambda m: "*" * (len(m.group(0)) - 2) + m.group(0)[-2:], text)


def escape_md(text: str) -> str:
    """Text from outside (never from us) made inert in markdown and HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]#|])", r"\\\1", text)
