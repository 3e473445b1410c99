"""One reader per file format, each returning the same `Document` (corpus.tables). The format is taken from
the file's first bytes, not its name, so a .doc renamed .docx or a .txt saved as UTF-16 still reads."""

from __future__ import annotations

import zipfile
from pathlib import Path

from corpus.errors import RegisterFormatError
from corpus.tables import Document

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FORMATS = ".txt (UTF-8, GB18030/GBK, UTF-16), .docx, .xlsx, .pdf, and .doc/.xls/.wps via LibreOffice"


def sniff(path: Path) -> str:
    """"docx", "xlsx", "pdf", "ole" (an old binary Office file) or "txt"."""
    head = path.read_bytes()[:8]
    if head.startswith(b"PK") and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(OLE):
        return "ole"
    return "txt"


def read_document(path: str | Path, display: str | None = None) -> Document:
    """Read any supported register file into blocks; RegisterFormatError (file, what to do) otherwise."""
    path = Path(path)
    name = display or str(path)
    if not path.exists():
        raise RegisterFormatError(name, "no such file")
    if path.stat().st_size == 0:
        raise RegisterFormatError(name, "the file is empty")
    kind = sniff(path)
    suffix = path.suffix.lower()
    if kind == "txt" and suffix in (".docx", ".xlsx"):
        raise RegisterFormatError(name, f"not a Word .docx or Excel .xlsx file (it is not a zip package); "
                                        f"readable formats: {FORMATS}")
    if kind == "zip":
        raise RegisterFormatError(name, f"a zip package that is neither a Word .docx nor an Excel .xlsx; "
                                        f"readable formats: {FORMATS}")
    if kind == "docx":
        from corpus.readers.word import read_docx
        return read_docx(path, name)
    if kind == "xlsx":
        from corpus.readers.excel import read_xlsx
        return read_xlsx(path, name)
    if kind == "pdf":
        from corpus.readers.pdf import read_pdf
        return read_pdf(path, name)
    if kind == "ole":
        from corpus.readers.legacy import convert
        target = "xlsx" if suffix in (".xls", ".et") else "docx"
        converted, tmp = convert(path, name, target)
        with tmp:
            if target == "xlsx":
                from corpus.readers.excel import read_xlsx
                return read_xlsx(converted, name)
            from corpus.readers.word import read_docx
            return read_docx(converted, name)
    from corpus.readers.text import read_text
    return read_text(path, name)
