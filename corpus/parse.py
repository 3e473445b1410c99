"""Turns a read register (text or Word) into records: one builder per part, continuation rows merged."""

from __future__ import annotations

import re
from pathlib import Path

from corpus.errors import ParseWarning, RegisterFormatError
from corpus.layout import Part as DocPart, RegisterDoc, Row, squeeze
from corpus.records import Contact, Department, Part, Record, WorkItem
from corpus.sources import Source

_PHONE = re.compile(r"(?:[（(]?(0\d{2,3})[)）]?[-－—\s]?)?(?<!\d)(\d{7,8})(?!\d)")
_NUMBERED = re.compile(r"^\s*\d+\s*[.．、]\s*")
_SCHEME = re.compile(r"^[（(]\s*([一二三四五六七八九十]+)\s*[)）]\s*(.*)$")
_PART_HEAD = re.compile(r"^(\d+|[一二三四五六七八九十]+)\s*[.．、]\s*(\S.{0,13})$")
_PART_KEYS = (("对象", "object"), ("内容", "content"), ("方式", "method"), ("措施", "measures"),
              ("程序", "procedure"), ("处理", "handling"))
_CN_NUM = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    return _CN_NUM[n - 1] if n <= 10 else "十" + _CN_NUM[n - 11]


def phones_in(pieces: list[str], area: str) -> list[str]:
    """Every phone number in a cell, with the area code (「88841772\\n88841928」 gives two)."""
    out = []
    for piece in pieces:
        for code, number in _PHONE.findall(piece):
            code = code or area
            out.append(f"{code}-{number}" if code else number)
    return list(dict.fromkeys(out))


class _Table:
    """Column lookup by header name, so the same builder reads 4- and 5-column duty tables."""

    def __init__(self, part: DocPart, path: str):
        self.part, self.path, self.header = part, path, part.header

    def col(self, *names: str, nth: int = 0) -> int | None:
        found = [i for i, h in enumerate(self.header) if any(n in h for n in names)]
        return found[nth] if len(found) > nth else None

    @staticmethod
    def cell(row: Row, i: int | None, names: bool = False) -> str:
        if i is None or i >= len(row.cells):
            return ""
        return row.cells[i].text(names).strip()


def _clean_item(text: str) -> str:
    return _NUMBERED.sub("", text).strip().rstrip("；;。").strip()


def split_items(text: str, packed: bool) -> list[str]:
    """Work items in one cell: numbered lines (「1. … 2. …」) always split; 「；」 splits when the table
    packs several items per cell."""
    if not text:
        return []
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if sum(bool(_NUMBERED.match(ln)) for ln in lines) >= 2:
        chunks, cur = [], ""
        for ln in lines:
            if _NUMBERED.match(ln) and cur:
                chunks.append(cur)
                cur = ln
            else:
                cur += ln
        chunks.append(cur)
    else:
        chunks = [text.replace("\n", "")]
    if packed:
        chunks = [c for chunk in chunks for c in re.split(r"[；;]", chunk)]
    return [c for c in (_clean_item(c) for c in chunks) if c]


class Builder:
    def __init__(self, doc: RegisterDoc, source: Source, warnings: list[ParseWarning]):
        self.doc, self.source, self.warnings = doc, source, warnings
        self.path = doc.path

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(ParseWarning(self.path, line, message))

    def record(self, section: str, n: int, serial: str, title: str, first: int, last: int, **kw) -> Record:
        s = self.source
        return Record(id=f"{s.slug}-{section}-{n}", source=s.slug, bureau=s.bureau, region=s.region,
                      section=section, n=n, serial=serial, title=title, file=self.path, lines=(first, last), **kw)

    # 四、公共服务事项 -------------------------------------------------------------------------------
    def services(self, part: DocPart) -> list[Record]:
        t = _Table(part, self.path)
        c_serial, c_item = t.col("序号"), t.col("服务事项", "事项")
        c_content, c_office, c_phone = t.col("内容"), t.col("承办", "机构"), t.col("电话")
        area = re.sub(r"\D", "", part.meta.get("区号", "")) or self.source.area_code
        area = area if not area or area.startswith("0") else "0" + area
        rows: list[dict] = []
        for row in part.rows:
            serial, title = t.cell(row, c_serial), t.cell(row, c_item, names=False).replace("\n", "")
            content, office = t.cell(row, c_content), t.cell(row, c_office, names=True)
            phone_pieces = row.cells[c_phone].pieces if c_phone is not None and c_phone < len(row.cells) else []
            phones = phones_in(phone_pieces, area)
            contact = Contact(office.replace("\n", ""), tuple(phones)) if office or phones else None
            if serial or title:
                if not serial:
                    self.warn(row.line, f"service 「{title}」 has no serial number; kept as a new entry")
                if not title:
                    self.warn(row.line, f"service {serial} has no item name")
                rows.append(dict(serial=serial, title=title, content=content, contacts=[], first=row.line, last=row.end))
            elif content or not rows:
                if not rows:
                    self.warn(row.line, "service row without a serial number or item before any service; kept")
                prev = rows[-1] if rows else dict(serial="", title="")
                rows.append(dict(serial=prev["serial"], title=prev["title"], content=content, contacts=[],
                                 first=row.line, last=row.end))
            if contact:
                rows[-1]["contacts"].append(contact)
                rows[-1]["last"] = row.end
            if not phones:
                self.warn(row.line, f"service 「{rows[-1]['title']}」 row has no phone number")
        return [self.record("service", n, r["serial"], r["title"], r["first"], r["last"], content=r["content"],
                            contacts=tuple(r["contacts"])) for n, r in enumerate(rows, 1)]

    # 一、部门职责 -----------------------------------------------------------------------------------
    def duties(self, part: DocPart) -> list[Record]:
        t = _Table(part, self.path)
        c_serial, c_duty = t.col("序号"), t.col("主要职责", "职责")
        c_iserial = t.col("序号", nth=1)
        c_item, c_remark = t.col("工作事项", "事项"), t.col("备注")
        item_rows = sum(bool(t.cell(r, c_item)) for r in part.rows)
        n_duties = sum(bool(t.cell(r, c_serial) or t.cell(r, c_duty)) for r in part.rows) or 1
        packed = c_iserial is None and item_rows / n_duties < 1.5
        duties: list[dict] = []
        for row in part.rows:
            serial, text = t.cell(row, c_serial), t.cell(row, c_duty).replace("\n", "")
            prev = duties[-1] if duties else None
            if serial or text:
                same = prev and serial == prev["serial"] and (not text or squeeze(text) == squeeze(prev["title"]))
                if not same:
                    if not serial:
                        self.warn(row.line, "duty row has no serial number; kept as a new duty")
                    duties.append(dict(serial=serial, title=text, items=[], first=row.line, last=row.end))
            elif not duties:
                self.warn(row.line, "work item before any main duty; kept under an untitled duty")
                duties.append(dict(serial="", title="", items=[], first=row.line, last=row.end))
            cur = duties[-1]
            remark = t.cell(row, c_remark).replace("\n", "")
            iserial = t.cell(row, c_iserial)
            for text in split_items(t.cell(row, c_item), packed):
                cur["items"].append(WorkItem(text, remark, iserial))
            cur["last"] = row.end
        return [self.record("duty", n, d["serial"], d["title"], d["first"], d["last"], content=d["title"],
                            items=tuple(d["items"])) for n, d in enumerate(duties, 1)]

    # 二、职责边界 -----------------------------------------------------------------------------------
    def boundaries(self, part: DocPart) -> list[Record]:
        t = _Table(part, self.path)
        c_serial, c_matter, c_dept = t.col("序号"), t.col("管理事项", "事项"), t.col("相关部门", "部门")
        c_div, c_basis, c_case = t.col("职责分工", "分工"), t.col("依据"), t.col("案例")
        out: list[dict] = []
        for row in part.rows:
            serial, matter = t.cell(row, c_serial), t.cell(row, c_matter).replace("\n", "")
            case = t.cell(row, c_case)
            dept = Department(t.cell(row, c_dept, names=True).replace("\n", ""), t.cell(row, c_div),
                              t.cell(row, c_basis), case if case.strip("。") else "")
            if serial or matter or not out:
                if not serial:
                    self.warn(row.line, f"boundary 「{matter}」 has no serial number; kept as a new matter")
                out.append(dict(serial=serial, title=matter, depts=[], first=row.line, last=row.end))
            if dept.name or dept.division:
                out[-1]["depts"].append(dept)
            out[-1]["last"] = row.end
        return [self.record("boundary", n, b["serial"], b["title"], b["first"], b["last"],
                            departments=tuple(b["depts"])) for n, b in enumerate(out, 1)]

    # 三、事中事后监管 -------------------------------------------------------------------------------
    @staticmethod
    def _part_heading(text: str) -> tuple[str, str] | None:
        """(number, heading) when the line heads a part of a scheme (「1.监督检查对象」, 「五、监督检查措施及处理」)."""
        m = _PART_HEAD.match(text.strip())
        if not m or re.search(r"[，。；;,]", m.group(2)):
            return None
        head = m.group(2)
        if any(k in head for k, _ in _PART_KEYS) or head in ("标准规范",):
            return m.group(1), head
        return None

    def _is_scheme(self, lines: list[tuple[int, str]], i: int, expected: int) -> bool:
        m = _SCHEME.match(lines[i][1])
        if not m or m.group(1) != cn_number(expected) or re.search(r"[，。；;]", m.group(2)):
            return False
        for _, text in lines[i + 1: i + 6]:
            head = self._part_heading(text)
            if head:
                return head[0] in ("1", "一")
            if _SCHEME.match(text):
                return False
        return False

    def supervision(self, part: DocPart) -> list[Record]:
        lines = part.lines
        starts = []
        expected = 1
        for i in range(len(lines)):
            if self._is_scheme(lines, i, expected):
                starts.append(i)
                expected += 1
        if not starts and lines:
            starts = [0]  # one scheme with a plain title line (临高)
        out = []
        for n, s in enumerate(starts, 1):
            end = starts[n] if n < len(starts) else len(lines)
            block = lines[s:end]
            m = _SCHEME.match(block[0][1])
            title = m.group(2).strip() if m else block[0][1]
            body = block[1:]
            if body and not self._part_heading(body[0][1]) and len(body[0][1]) <= 12 \
                    and not re.search(r"[，。；：:,]", body[0][1]) and not body[0][1].startswith("为"):
                title += body[0][1]
                body = body[1:]
            intro, parts, cur = [], [], None
            for no, text in body:
                head = self._part_heading(text)
                if text.startswith("单位：") or text.startswith("单位:"):
                    continue
                if head:
                    names = [key for word, key in _PART_KEYS if word in head[1]] or ["other"]
                    cur = dict(name="+".join(names), heading=head[1], lines=[])
                    parts.append(cur)
                elif cur is None:
                    intro.append(text)
                else:
                    cur["lines"].append(text)
            if not parts:
                self.warn(block[0][0], f"supervision scheme 「{title}」 has no parts (监督检查对象 …)")
            out.append(self.record(
                "supervision", n, cn_number(n) if m else "", title, block[0][0], block[-1][0],
                content="\n".join(intro),
                parts=tuple(Part(p["name"], p["heading"], "\n".join(p["lines"])) for p in parts)))
        return out

    def build(self) -> list[Record]:
        parts = self.doc.parts
        out: list[Record] = []
        for kind, fn in (("service", self.services), ("duty", self.duties), ("boundary", self.boundaries),
                         ("supervision", self.supervision)):
            if kind in parts:
                out += fn(parts[kind])
        return out


def records_from(doc: RegisterDoc, source: Source) -> tuple[list[Record], list[ParseWarning]]:
    warnings: list[ParseWarning] = []
    if not doc.parts:
        raise RegisterFormatError(doc.path, "no register parts found")
    return Builder(doc, source, warnings).build(), warnings


def parse_file(path: str | Path, source: Source, display: str | None = None) -> tuple[list[Record], list[ParseWarning]]:
    """Parse one register, text (.txt) or Word (.docx), into records and warnings."""
    path = Path(path)
    if not path.exists():
        raise RegisterFormatError(path, "no such file")
    if path.suffix.lower() == ".docx":
        from corpus.wordfile import read_docx
        doc, warnings = read_docx(path, display)
    else:
        from corpus.text import read_text
        doc, warnings = read_text(path, display)
    records, more = records_from(doc, source)
    return records, warnings + more
