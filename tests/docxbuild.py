"""Builds a Word register from a parsed text register, the way bureaus keep them: part headings as
paragraphs, tables with the serial and duty cells vertically merged over their continuation rows."""

from __future__ import annotations

import docx

from corpus.layout import RegisterDoc

HEADINGS = {"duty": "一、部门职责登记表", "boundary": "二、与相关部门的职责边界登记表",
            "supervision": "三、事中事后监管制度", "service": "四、公共服务事项登记表"}


def write_docx(doc: RegisterDoc, path, merge: bool = True) -> None:
    out = docx.Document()
    for kind in ("duty", "boundary", "supervision", "service"):
        parts = doc.of(kind)
        if not parts:
            continue
        part = parts[0]
        out.add_paragraph(HEADINGS[kind])
        for key, value in part.meta.items():
            out.add_paragraph(f"{key}：{value}")
        if kind == "supervision":
            for _, text in part.lines:
                out.add_paragraph(text)
            continue
        table = out.add_table(rows=1 + len(part.rows), cols=len(part.header))
        for j, name in enumerate(part.header):
            table.cell(0, j).text = name
        top = {}
        for i, row in enumerate(part.rows, 1):
            for j, cell in enumerate(row.cells):
                pieces = [p for p in cell.pieces if p.strip()]
                target = table.cell(i, j)
                if pieces:
                    target.text = pieces[0]
                    for p in pieces[1:]:
                        target.add_paragraph(p)
                    top[j] = i
                elif merge and j < 2 and top.get(j) and all(not c.pieces or c.empty for c in row.cells[:2]):
                    table.cell(top[j], j).merge(target)
    out.save(str(path))
