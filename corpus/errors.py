"""Errors and warnings a maintainer can act on: each names the file and line."""

from dataclasses import dataclass


class RegisterFormatError(Exception):
    """A register file that cannot be parsed at all (empty, binary, no known parts)."""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path, self.line = str(path), line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ParseWarning:
    """A row that was kept but looks wrong (missing serial number, no phone …)."""

    file: str
    line: int
    message: str
    place: str = ""  # where a person finds it in Word/Excel/PDF: 「第2个表格第5行」

    def __str__(self) -> str:
        where = f" ({self.place})" if self.place else ""
        return f"{self.file}:{self.line}{where}: {self.message}"
