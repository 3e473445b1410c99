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
);
CREATE TABLE IF NOT EXISTS review (   -- a clerk's verdict on one 「没帮助」: the record that answers it
    feedback_id INTEGER PRIMARY KEY REFERENCES feedback(id),
    ts TEXT NOT NULL,
    gold TEXT NOT NULL,         -- JSON list of record ids; [] = out of scope (not our business)
    reviewer TEXT
);
CREATE TABLE IF NOT EXISTS question (  -- what citizens ask, for the staff overview (masked like the logs)
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    question TEXT NOT NULL,
    region TEXT,
    record_id TEXT,             -- the record answered with, NULL when not found
    kind TEXT NOT NULL          -- answer | verdict | clarify | text (not found, prompts)
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
        con = sqlite3.connect(self.path, timeout=3)
        con.executescript(_SCHEMA)
        return con

    def _write(self, sql: str, params: tuple) -> int | None:
        """Run one INSERT; when the database cannot be written (read-only, full, locked, corrupt) the row goes
        to `<data>/feedback-fallback.jsonl` (or the temp folder) and the error is logged, never lost."""
        with self._lock:
            try:
                con = self._connect()
                try:
                    with con:
                        return con.execute(sql, params).lastrowid
                finally:
                    con.close()
            except (sqlite3.Error, OSError) as exc:
                self._fallback(sql, params, exc)
                return None

    def _fallback(self, sql: str, params: tuple, exc: Exception) -> None:
        import json
        import logging
        import tempfile
        logging.getLogger("shebao.ui").error("feedback store %s not writable (%s); kept in the fallback file",
                                             self.path, exc)
        line = json.dumps({"sql": sql.split("(")[0].strip(), "params": list(params)}, ensure_ascii=False)
        for folder in (self.path.parent, Path(tempfile.gettempdir())):
            try:
                with (folder / "feedback-fallback.jsonl").open("a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
                return
            except OSError:
                continue

    def check(self) -> str | None:
        """None when the data folder and database can be written, else a message saying what to fix."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = self._connect()
            con.close()
            return None
        except (sqlite3.Error, OSError) as exc:
            return f"{self.path}: cannot be written ({exc}); set SHEBAO_DATA to a writable folder"

    def log_question(self, question: str, region: str | None, record_id: str | None, kind: str) -> None:
        ts = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._write("INSERT INTO question (ts, question, region, record_id, kind) VALUES (?, ?, ?, ?, ?)",
                    (ts, mask(question)[:500], region, record_id, kind))

    def review(self, feedback_id: int, gold: list[str], reviewer: str | None = None) -> None:
        """A clerk's answer to one 「没帮助」: the record ids that answer it ([] = not our business)."""
        import json
        ts = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._write("INSERT OR REPLACE INTO review (feedback_id, ts, gold, reviewer) VALUES (?, ?, ?, ?)",
                    (int(feedback_id), ts, json.dumps(list(gold)), reviewer))

    def query(self, sql: str, params: tuple = ()) -> list[dict]:
        """Rows of a read-only query, as dicts ([] when there is no database yet)."""
        if not self.path.exists():
            return []
        try:
            con = self._connect()
        except (sqlite3.Error, OSError):
            return []
        try:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute(sql, params)]
        finally:
            con.close()

    def add(self, question: str, record_id: str | None, verdict: str, region: str | None = None) -> int | None:
        """Store one rating (masked); its row id, or None when it went to the fallback file."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict={verdict!r}; use one of {', '.join(VERDICTS)}")
        ts = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return self._write("INSERT INTO feedback (ts, question, record_id, verdict, region) VALUES (?, ?, ?, ?, ?)",
                           (ts, mask(question), record_id, verdict, region))

    def rows(self) -> list[dict]:
        return self.query("SELECT * FROM feedback ORDER BY id")
