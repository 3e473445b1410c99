"""One sanitising step for everything a browser shows: text is escaped, markdown is rendered with raw HTML
off, and the only live links are our own `tel:` links. Citizen text and register text go through here alike."""

from __future__ import annotations

import html
import re
from functools import lru_cache

_TEL = re.compile(r"^tel:\+?[\d-]{3,20}$")


@lru_cache(maxsize=1)
def _md():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image"])
    md.validateLink = lambda url: bool(_TEL.match(url))  # no http(s), mailto, data: or javascript: links
    return md


def md_html(markdown: str) -> str:
    """Markdown → HTML with no raw HTML, no images and no links but `tel:`; a refused link stays its text."""
    return _md().render(markdown or "")


def text_html(text: str) -> str:
    """Plain text → escaped HTML paragraphs (line breaks kept); nothing in it can become a link or markup."""
    parts = [html.escape(p) for p in (text or "").split("\n") if p.strip()]
    return "".join(f"<p>{p}</p>" for p in parts)


def tel_link(phone: str) -> str:
    """`0898-88841728` → a tap-to-call link showing the number with its area code."""
    digits = re.sub(r"[^\d+]", "", phone)
    return f'<a class="tel" href="tel:{html.escape(digits)}">{html.escape(phone)}</a>'
