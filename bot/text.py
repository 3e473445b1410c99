"""Cleaning what a citizen types, and masking personal numbers before anything is logged."""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 500
# Personal numbers as people write them, matched on a copy whose digits, 「＋」, dashes and spaces are ASCII (same
# length, so positions carry over): groups split by one dash or space, a +86 / 0086 prefix.
_S = r"[- ]?"
_ID = re.compile(r"(?<![0-9])[1-9]\d{5}" + _S + r"(?:19|20)\d{2}" + _S + r"(?:0[1-9]|1[0-2])" + _S
                 + r"(?:[0-2]\d|3[01])" + _S + r"\d{3}[0-9Xx](?![0-9A-Za-z])|(?<![0-9])\d{15}(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9+])(?:(?:\+|00)86" + _S + r")?1[3-9]\d" + _S + r"\d{4}" + _S + r"\d{4}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(?:\(0\d{2,3}\)|0\d{2,3}" + _S + r")?\d{7,8}(?![0-9])")
_ASCII = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "Ｘ": "X", "ｘ": "x", "＋": "+",
                        "－": "-", "—": "-", "–": "-", "‐": "-", "‑": "-", "\u3000": " ", "\u00a0": " ",
                        "（": "(", "）": ")"})
_TAGS = re.compile(r"<[^>\n]{0,200}>")


def clean_full(question: str | None) -> str:
    """Control characters → space, invisible format characters (zero-width space, soft hyphen, BOM …) removed,
    lone surrogates → U+FFFD, whitespace collapsed; not cut. (Search then applies index.tokenize.unify.)"""
    text = re.sub("[\ud800-\udfff]", "\ufffd", question or "")
    text = "".join("" if unicodedata.category(ch) == "Cf" else
                   " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
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
    """What retrieval, places, facts and rules see: markup tags and markdown punctuation removed, then the
    index's one Unicode normalisation for questions (NFKC, invisible characters gone, lone surrogates replaced,
    spaces inside Chinese runs dropped: index.tokenize.query_text)."""
    from index.tokenize import query_text
    return query_text(re.sub(r"[`*_#>\[\]()!|~]+", " ", _TAGS.sub(" ", text)))


def mask(text: str) -> str:
    """ID numbers (身份证号) and phone numbers replaced by a masked form, for logs and feedback: however they are
    written (138-1234-5678, 138 1234 5678, full-width digits, +8613812345678, 110101 19900307 1234). An ID keeps
    its first 3 and last 2 digits, a mobile its first 3 and last 4, a landline its last 2."""
    out = list(text)
    seen = text.translate(_ASCII)

    def hide(pattern: re.Pattern, keep_head: int, keep_tail: int, whole: bool = False) -> None:
        nonlocal seen
        for m in pattern.finditer(seen):
            pos = [m.start() + i for i, ch in enumerate(m.group(0)) if whole or ch.isalnum()]
            if m.group(0).startswith(("+86", "0086")):
                pos = pos[2 if m.group(0)[0] == "+" else 4:]  # the country code is no part of the number
            for n, i in enumerate(pos):
                if keep_head <= n < len(pos) - keep_tail:
                    out[i] = "*"
            seen = seen[:m.start()] + "".join("*" if i in pos else seen[i]
                                               for i in range(m.start(), m.end())) + seen[m.end():]

    hide(_ID, 3, 2)
    hide(_MOBILE, 3, 4)
    hide(_LANDLINE, 0, 2, whole=True)  # area code and separator too, as before: 0898-88841728 → ***********28
    return "".join(out)


def escape_md(text: str) -> str:
    """Text from outside (never from us) made inert in markdown and HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]#|])", r"\\\1", text)
