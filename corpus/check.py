"""`python -m corpus check FILE`: what a clerk adding a register should look at before building."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from corpus.parse import read_register, records_from
from corpus.records import SECTION_NAMES
from corpus.sources import Source

FIELD_NAMES = {"serial": "序号", "code": "事项编码", "complaint_phone": "监督投诉电话", "category": "类别",
               "subtitle": "子项名称", "title": "事项名称", "content": "内容", "basis": "依据", "office": "承办机构",
               "phone": "电话", "time_limit": "办理时限", "channel": "渠道", "fee": "收费", "remark": "备注",
               "ignore": "不使用（公开方式等）"}


def report(path: str | Path, source: Source) -> str:
    """A plain-text report in Chinese and field names: format, parts with row counts, each column's field,
    unknown columns, warnings, records without an office or a phone. Raises RegisterFormatError as parse does."""
    doc, warnings = read_register(path)
    records, more = records_from(doc, source)
    warnings = warnings + more
    out = [f"文件: {Path(doc.path).name}（{doc.format}）", f"区号: {source.area_code or '（未给出；用 --area-code 或 sources.toml）'}"]
    counts = Counter(r.section for r in records)
    out.append("登记表部分:")
    for part in doc.parts:
        where = f"，{part.place}" if part.place else ""
        out.append(f"  {SECTION_NAMES[part.kind]}（第{part.line}行起{where}）: {len(part.rows) or len(part.lines)} 行")
        for h, f in zip(part.header, part.fields):
            if h:
                out.append(f"    {h} → {FIELD_NAMES.get(f, f) + f'（{f}）' if f else '未识别，不使用：如需要，请加进 corpus/data/columns.toml'}")
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
