"""Citizens' 有帮助/没帮助 clicks, kept in SQLite so the eval set can grow from them."""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

from bot.text import mask

REPO = Path(__file__).resolve().parent.parent
VERDICTS = ("helpful", "unhelpful")
_SCHEMA = """CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,           -- UTC, ISO 8601
    question TEXT NOT NULL,     -- masked as the bot masks its logs (ID and phone numbers)
    record_id TEXT,             -- the answer's top record, NULL when nothing was found
    verdict TEXT NOT NULL,      -- helpful | unhelpful
    region TEXT                 -- the region (bureau slug) the citizen chose or named, NULL for 全部
)"""


def default_path() -> Path:
    """`$SHEBAO_DATA/feedback.sqlite3`, or `data/feedback.sqlite3` in the repository (git-ignored)."""
    return Path(os.environ.get("SHEBAO_DATA") or REPO / "data") / "feedback.sqlite3"


class FeedbackStore:
    """Append-only; the file and its folder are created on the first click, not on construction."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_path()
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10)
        con.execute(_SCHEMA)
        return con

    def add(self, question: str, record_id: str | None, verdict: str, region: str | None = None) -> int:
        if verdict not in VERDICTS:
            raise ValueError(f"verdict={verdict!r}; use one of {', '.join(VERDICTS)}")
        ts = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock:
            con = self._connect()
            try:
                with con:
                    cur = con.execute(
                        "INSERT INTO feedback (ts, question, record_id, verdict, region) VALUES (?, ?, ?, ?, ?)",
                        (ts, mask(question), record_id, verdict, region))
                return cur.lastrowid
            finally:
                con.close()

    def rows(self) -> list[dict]:
        if not self.path.exists():
            return []
        con = self._connect()
        try:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute("SELECT * FROM feedback ORDER BY id")]
        finally:
            con.close()
