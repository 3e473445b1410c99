"""The register vocabulary (`corpus/data/columns.toml`): header names → record fields, heading words → parts.

Data, not code: a bureau's new header name is one line in the TOML file. `Vocabulary.load()` reads it once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

VOCABULARY = Path(__file__).resolve().parent / "data" / "columns.toml"

# Numbering in front of a heading: 四、 （四） (四) 4、 4. 四． 第四部分 第四章 一是 …
_NUMBERING = re.compile(r"^(第[一二三四五六七八九十\d]+(部分|章|节|编)|[（(][一二三四五六七八九十\d]+[)）]|"
                        r"[一二三四五六七八九十]+[、．.]|\d+[、．.]?)\s*")
# A line that says something about the table below it: 「区号：0898」「部门名称：…」「单位：…」.
META_LINE = re.compile(r"^\s*(区号|部门名称|单位)\s*[:：]\s*(.+?)\s*$")
_SENTENCE = re.compile(r"[，,。；;：:！？!?]")
MAX_HEADING = 32


def squeeze(text: str) -> str:
    """Remove all whitespace (「序\\n号」 → 「序号」, 「部 门 职 责」 → 「部门职责」)."""
    return re.sub(r"\s+", "", text or "")


@dataclass(frozen=True)
class Vocabulary:
    """fields: name → (exact names, contained words), in file order; parts: kind → (heading words, signals)."""

    fields: tuple[tuple[str, frozenset[str], tuple[str, ...]], ...]
    parts: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]
    content_labels: tuple[tuple[str, str], ...] = ()

    @classmethod
    def load(cls, path: str | Path = VOCABULARY) -> Vocabulary:
        """Read the TOML file; ValueError naming the file when an entry is malformed."""
        path = Path(path)
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        fields, parts = [], []
        for name, entry in data.get("fields", {}).items():
            names, contains = entry.get("names", []), entry.get("contains", [])
            if not isinstance(names, list) or not isinstance(contains, list):
                raise ValueError(f"{path}: fields.{name} needs lists `names` and `contains`")
            fields.append((name, frozenset(squeeze(n) for n in names), tuple(squeeze(c) for c in contains)))
        for kind, entry in data.get("parts", {}).items():
            parts.append((kind, tuple(entry.get("headings", [])), tuple(entry.get("signals", []))))
        labels = tuple((squeeze(k), str(v)) for k, v in data.get("content_labels", {}).items())
        return cls(tuple(fields), tuple(parts), labels)

    def content_label(self, header: str) -> str | None:
        """What a citizen is told a content column holds (「公开的内容」), or None for conditions and materials."""
        last = squeeze(header.split("/")[-1])
        return dict(self.content_labels).get(last)

    def field_of(self, header: str) -> str | None:
        """The field one header name means: each level of 「公开事项/二级事项」 from the most specific, exact
        names first, then contained words; None for an unknown header."""
        levels = [squeeze(x) for x in header.split("/") if squeeze(x)]
        for level in reversed(levels):
            for name, names, _ in self.fields:
                if level in names:
                    return name
        for level in reversed(levels):
            for name, _, contains in self.fields:
                if any(c in level for c in contains):
                    return name
        return None

    def heading_kind(self, line: str) -> str | None:
        """The part a heading line opens (「（四）公共服务事项登记表」 → service), or None for any other line."""
        text = squeeze(line)
        if not text or len(text) > MAX_HEADING or _SENTENCE.search(_NUMBERING.sub("", text)):
            return None
        body = _NUMBERING.sub("", text)
        for kind, words, _ in self.parts:
            if any(w in body for w in words):
                return kind
        return None

    def signal_kind(self, header: list[str]) -> str | None:
        """The part a table's header decides by itself (职权名称 → power, 主要职责 → duty), or None."""
        joined = "|".join(squeeze(h) for h in header)
        for kind, _, signals in self.parts:
            if signals and any(s in joined for s in signals):
                return kind
        return None

    def is_header_row(self, cells: list[str]) -> bool:
        """True when a row reads as a table header: it starts with 序号, or two or more of its cells are
        header names this vocabulary knows."""
        texts = [squeeze(c) for c in cells if squeeze(c)]
        if not texts:
            return False
        if texts[0] in ("序号", "序"):
            return True
        known = sum(1 for t in texts if any(t in names for _, names, _ in self.fields))
        return known >= 2 and known >= len(texts) / 2


@lru_cache(maxsize=4)
def vocabulary(path: str = str(VOCABULARY)) -> Vocabulary:
    """The vocabulary, loaded once per process."""
    return Vocabulary.load(path)
