"""Turns a read register (text or Word) into records: one builder per part, continuation rows merged."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from corpus.errors import ParseWarning, RegisterFormatError
from corpus.layout import Part as DocPart, RegisterDoc, lay_out
from corpus.tables import Row
from corpus.vocab import squeeze, vocabulary
from corpus.records import Contact, Department, Part, Record, WorkItem
from corpus.sources import Source

_PHONE = re.compile(r"(?:[（(]?(0\d{2,3})[)）]?[-－—\s]?)?(?<!\d)(\d{7,8})(?!\d)")
_HOTLINE = re.compile(r"(?<![\d-])(1\d{4})(?!\d)")
_NUMBERED = re.compile(r"^\s*\d+\s*[.．、]\s*")
_SCHEME = re.compile(r"^[（(]\s*([一二三四五六七八九十]+)\s*[)）]\s*(.*)$")
_PART_HEAD = re.compile(r"^(\d+|[一二三四五六七八九十]+)\s*[.．、]\s*(\S.{0,13})$")
_PART_KEYS = (("对象", "object"), ("内容", "content"), ("方式", "method"), ("措施", "measures"),
              ("程序", "procedure"), ("处理", "handling"))
_CN_NUM = "一二三四五六七八九十"
_SERIAL_MARK = re.compile(r"[.．、\s]+$")
_MARKS = re.compile(r"[■□√☑✓▲●○◆]")
_OUTLINE = re.compile(r"^\s*(\d+(?:\.\d+)+[.．、]?|\d+[.．、]|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+[、．])\s*(?=\S)")


def _clean_name(text: str) -> str:
    """An item name as one line without its outline number (「1.1机关事业单位社会保险登记」 → the name)."""
    return _OUTLINE.sub("", text.replace("\n", "")).strip()


def _pieces(row: Row, j: int) -> list[str]:
    """A cell's lines, a cell merged from above included (a phone merged over several rows)."""
    if j >= len(row.cells) or row.cells[j].merged == "left":
        return []
    return row.cells[j].pieces


def cn_number(n: int) -> str:
    return _CN_NUM[n - 1] if n <= 10 else "十" + _CN_NUM[n - 11]


def phones_in(pieces: list[str], area: str, hotlines: bool = False) -> list[str]:
    """Every phone number in a cell, with the area code (「88841772\n88841928」 gives two). With
    hotlines=True the five-digit government hotlines (12345, 12333) count too."""
    out = []
    for piece in pieces:
        for code, number in _PHONE.findall(piece):
            code = code or area
            out.append(f"{code}-{number}" if code else number)
        if hotlines:
            out += _HOTLINE.findall(piece)
    return list(dict.fromkeys(out))


class _Table:
    """Column lookup by header words, for the seeds' duty and boundary tables (4- and 5-column variants)."""

    def __init__(self, part: DocPart, path: str):
        self.part, self.path, self.header = part, path, part.header

    def col(self, *names: str, nth: int = 0) -> int | None:
        found = [i for i, h in enumerate(self.header) if any(n in h for n in names)]
        return found[nth] if len(found) > nth else None

    @staticmethod
    def cell(row: Row, i: int | None, names: bool = False, inherit: bool = False) -> str:
        """A cell's text; a cell covered by a merge from above reads as empty unless `inherit`."""
        if i is None or i >= len(row.cells):
            return ""
        c = row.cells[i]
        if c.merged == "left" or (c.merged == "above" and not inherit):
            return ""
        return c.text(names).strip()


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

    def warn(self, line: int, message: str, place: str = "") -> None:
        self.warnings.append(ParseWarning(self.path, line, message, place))

    def record(self, section: str, n: int, serial: str, title: str, first: int, last: int, **kw) -> Record:
        s = self.source
        return Record(id=f"{s.slug}-{section}-{n}", source=s.slug, bureau=s.bureau, region=s.region,
                      section=section, n=n, serial=serial, title=title, file=self.path, lines=(first, last), **kw)

    # 四、公共服务事项, 基层政务公开标准目录, 权力清单 ------------------------------------------------
    def _area(self, part: DocPart) -> str:
        area = re.sub(r"\D", "", part.meta.get("区号", "")) or self.source.area_code
        return area if not area or area.startswith("0") else "0" + area

    def services(self, part: DocPart, section: str = "service", start: int = 1) -> list[Record]:
        """One record per row that names an item (the most specific 事项 level with text of its own); a row
        naming none continues the record above (more content or contacts). Upper levels (一级事项, 职权类型)
        are the category and carry down over merged or empty cells; so do an office and phone merged over
        several rows (or, in a text export where merges are invisible, left empty on every later row)."""
        t = _Table(part, self.path)
        c_serial = part.col("serial")
        cats, titles, subs = part.cols("category"), part.cols("title"), part.cols("subtitle")
        area = self._area(part)
        out: list[dict] = []
        carried: dict[int, str] = {}
        complaint_cols = part.cols("complaint_phone")
        if part.rows and not part.cols("phone"):
            self.warn(part.line, f"the {section} table has no phone column ({'、'.join(h for h in part.header if h)}); "
                                 f"{len(part.rows)} rows have no phone", part.place)
        for row in part.rows:
            serial = _SERIAL_MARK.sub("", t.cell(row, c_serial))
            levels = []
            for j in cats:
                own = _clean_name(t.cell(row, j, inherit=True))
                if own:
                    carried[j] = own
                levels.append(carried.get(j, ""))
            named = [(j, _clean_name(t.cell(row, j))) for j in titles + subs]
            named = [(j, x) for j, x in named if x]
            title = named[-1][1] if named else ""
            if title and len(named) > 1 and named[-1][0] in subs:
                levels += [x for j, x in named[:-1] if j in titles]
            category = "/".join(dict.fromkeys(x for x in levels if x and x != title))
            if not title and serial and category and not any(t.cell(row, j) for j in titles + subs):
                title, category = category, ""  # a 一级事项 with no second level
            content = self._joined(t, row, part, "content")
            labels = {vocabulary().content_label(part.header[j]) for j in part.cols("content")}
            office = "、".join(dict.fromkeys(x for x in (t.cell(row, j, names=True, inherit=True).replace("\n", "")
                                                      for j in part.cols("office")) if x))
            phone_pieces = [p for j in part.cols("phone") for p in _pieces(row, j)]
            phones = phones_in(phone_pieces, area)
            complaint = phones_in([p for j in complaint_cols for p in _pieces(row, j)], area, hotlines=True)
            extra = dict(basis=self._joined(t, row, part, "basis", inherit=True),
                         time_limit=self._joined(t, row, part, "time_limit", inherit=True),
                         channel=_MARKS.sub("", self._joined(t, row, part, "channel", inherit=True, sep="、")).strip(),
                         code=t.cell(row, part.col("code")), fee=self._joined(t, row, part, "fee", inherit=True),
                         remark=self._joined(t, row, part, "remark"))
            if serial or title:
                if not title:
                    self.warn(row.line, f"{section} row {serial} names no item (no 服务事项/事项名称 text); "
                                        f"skipped", row.place)
                    continue
                if not serial and c_serial is not None:
                    self.warn(row.line, f"{section} 「{title}」 has no serial number; kept as a new entry", row.place)
                if not office and not phones and out and not part.merges_known and out[-1]["contacts"]:
                    office, phones = out[-1]["contacts"][0].office, list(out[-1]["contacts"][0].phones)
                shown = dict(content_label=labels.pop()) if len(labels) == 1 and None not in labels else {}
                out.append(dict(serial=serial, title=title, category=category, content=content, contacts=[],
                                complaint=complaint, extra=extra, shown=shown, first=row.line, last=row.end))
            elif content or not out:
                if not out:
                    self.warn(row.line, f"{section} row with no serial number or item before any item; skipped",
                              row.place)
                    continue
                prev = out[-1]
                out.append(dict(prev, content=content, contacts=[], first=row.line, last=row.end))
            contact = Contact(office, tuple(phones)) if office or phones else None
            if contact and contact not in out[-1]["contacts"]:
                out[-1]["contacts"].append(contact)
            out[-1]["last"] = row.end
            out[-1]["complaint"] = list(dict.fromkeys(out[-1]["complaint"] + complaint))
            if not phones and part.cols("phone"):
                self.warn(row.line, f"{section} 「{out[-1]['title']}」 row has no phone number", row.place)
        return [self.record(section, n, r["serial"], r["title"], r["first"], r["last"], content=r["content"],
                            contacts=tuple(r["contacts"]), category=r["category"],
                            complaint_phones=tuple(r["complaint"]), extra=r.get("shown", {}), **r["extra"])
                for n, r in enumerate(out, start)]

    @staticmethod
    def _joined(t: _Table, row: Row, part: DocPart, name: str, inherit: bool = False, sep: str = "") -> str:
        """The text of every column mapped to `name`; labelled by header when there are several. `sep`
        joins a cell's lines (default: glued back as wrapped text)."""
        cols = part.cols(name)

        def text(j: int) -> str:
            if sep and j < len(row.cells) and (inherit or not row.cells[j].merged):
                return sep.join(p.strip() for p in _pieces(row, j) if p.strip())
            return t.cell(row, j, inherit=inherit)

        texts = [(part.header[j].split("/")[-1], text(j)) for j in cols]
        texts = [(h, x) for h, x in texts if x]
        if len(texts) == 1:
            return texts[0][1]
        return "\n".join(f"{h}：{x}" for h, x in texts)

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

    def powers(self, part: DocPart) -> list[Record]:
        """权力清单/权责清单 rows (职权类型, 职权名称, 职权依据, 行使主体) as records of section "power"."""
        return self.services(part, section="power")

    def build(self) -> list[Record]:
        """Records of every part, parts of one kind numbered on in document order."""
        out: list[Record] = []
        for kind, fn in (("service", self.services), ("power", self.powers), ("duty", self.duties),
                         ("boundary", self.boundaries), ("supervision", self.supervision)):
            n = 0
            for part in self.doc.of(kind):
                for r in fn(part):
                    n += 1
                    out.append(replace(r, id=f"{self.source.slug}-{r.section}-{n}", n=n))
        return out


def records_from(doc: RegisterDoc, source: Source) -> tuple[list[Record], list[ParseWarning]]:
    warnings: list[ParseWarning] = []
    if not doc.parts:
        raise RegisterFormatError(doc.path, "no register parts found")
    return Builder(doc, source, warnings).build(), warnings


def read_register(path: str | Path, display: str | None = None) -> tuple[RegisterDoc, list[ParseWarning]]:
    """Any supported file (see corpus.readers.FORMATS) laid out into register parts."""
    from corpus.readers import read_document

    return lay_out(read_document(path, display))


def parse_file(path: str | Path, source: Source, display: str | None = None) -> tuple[list[Record], list[ParseWarning]]:
    """Parse one register (.txt, .docx, .xlsx, .pdf, .doc …) into records and `file:line` warnings.

    Raises RegisterFormatError (file, line when known, what to do) for a file that is no register at all."""
    doc, warnings = read_register(path, display)
    records, more = records_from(doc, source)
    if not records:
        raise RegisterFormatError(doc.path, "no records: every table row lacks an item name (see the warnings)")
    return records, warnings + more
