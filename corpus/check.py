"""`python -m corpus check FILE`: what a clerk adding a register should look at before building."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from corpus.parse import read_register, records_from
from corpus.records import SECTION_NAMES
from corpus.sources import Source


def report(path: str | Path, source: Source) -> str:
    """A plain-text report in Chinese and field names: format, parts with row counts, each column's field,
    unknown columns, warnings, records without an office or a phone. Raises RegisterFormatError as parse does."""
    doc, warnings = read_register(path)
    records, more = records_from(doc, source)
    warnings = warnings + more
    out = [f"文件: {doc.path}（{doc.format}）", f"区号: {source.area_code or '（未给出；用 --area-code 或 sources.toml）'}"]
    counts = Counter(r.section for r in records)
    out.append("登记表部分:")
    for part in doc.parts:
        where = f"，{part.place}" if part.place else ""
        out.append(f"  {SECTION_NAMES[part.kind]}（第{part.line}行起{where}）: {len(part.rows) or len(part.lines)} 行")
        for h, f in zip(part.header, part.fields):
            if h:
                out.append(f"    {h} → {f or '未识别（不使用）'}")
        for note in part.remarks:
            out.append(f"    表注: {note}")
    for section, n in counts.items():
        out.append(f"{SECTION_NAMES[section]}: {n} 条")
    no_office = [r.id for r in records if not r.offices]
    no_phone = [r.id for r in records if r.section in ("service", "power") and not r.phones]
    out.append(f"没有承办机构: {len(no_office)} 条" + (f"（{'、'.join(no_office[:10])}）" if no_office else ""))
    out.append(f"没有电话: {len(no_phone)} 条" + (f"（{'、'.join(no_phone[:10])}）" if no_phone else ""))
    out.append(f"警告: {len(warnings)} 条")
    out += [f"  {w}" for w in warnings]
    return "\n".join(out)
