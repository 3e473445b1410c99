"""What the app keeps: citizens' 有帮助/没帮助 ratings, clerks' reviews of them (dev-set cases), the questions
log behind the staff overview, and staff accounts. SQLite in the data folder by default; PostgreSQL (or any
SQLAlchemy URL) when `SHEBAO_DB_URL` is set, so every replica writes to the same place. Questions are stored
masked as the logs are. The schema is created and migrated on first use (`MIGRATIONS`, recorded in
`schema_version`)."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

from bot.text import mask

REPO = Path(__file__).resolve().parent.parent
VERDICTS = ("helpful", "unhelpful")
log = logging.getLogger("shebao.ui")


def default_path() -> Path:
    """`$SHEBAO_DATA/feedback.sqlite3`, or `data/feedback.sqlite3` in the repository (git-ignored)."""
    return Path(os.environ.get("SHEBAO_DATA") or REPO / "data") / "feedback.sqlite3"


def _metadata():
    from sqlalchemy import Column, Integer, MetaData, String, Table, Text

    md = MetaData()
    Table("feedback", md,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("ts", String(32), nullable=False),          # UTC, ISO 8601
          Column("question", Text, nullable=False),         # masked (ID and phone numbers)
          Column("record_id", String(120)),                 # the answer's top record, NULL when nothing was found
          Column("verdict", String(16), nullable=False),    # helpful | unhelpful
          Column("region", String(40)),                     # bureau slug the citizen chose or named, NULL for 全部
          Column("turn", String(64)))                       # the rated answer's one-time token (unique, v3)
    Table("review", md,                                     # a clerk's verdict on one 「没帮助」
          Column("feedback_id", Integer, primary_key=True),
          Column("ts", String(32), nullable=False),
          Column("gold", Text, nullable=False),             # JSON list of record ids; [] = not our business
          Column("reviewer", String(80)))
    Table("question", md,                                   # what citizens ask, for the staff overview
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("ts", String(32), nullable=False),
          Column("question", Text, nullable=False),
          Column("region", String(40)),
          Column("record_id", String(120)),
          Column("kind", String(16), nullable=False))       # answer | verdict | clarify | text
    Table("account", md,                                    # staff accounts (scrypt hashes)
          Column("name", String(80), primary_key=True),
          Column("password", String(200), nullable=False))
    Table("schema_version", md, Column("version", Integer, primary_key=True), Column("ts", String(32)))
    return md


# Each migration: (version, what it does, function(connection, metadata)). Add new ones at the end.
def _v1(con, md):
    md.create_all(con, tables=[md.tables[t] for t in ("feedback", "review", "question")], checkfirst=True)


def _v2(con, md):
    md.create_all(con, tables=[md.tables["account"]], checkfirst=True)


def _v3(con, md):
    from sqlalchemy import inspect, text
    if "turn" not in {c["name"] for c in inspect(con).get_columns("feedback")}:
        con.execute(text("ALTER TABLE feedback ADD COLUMN turn VARCHAR(64)"))
    con.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS feedback_turn ON feedback (turn)"))


MIGRATIONS = ((1, "feedback, review and question tables", _v1), (2, "staff accounts", _v2),
              (3, "one rating per answer across replicas (feedback.turn unique)", _v3))


class AlreadyRated(Exception):
    """This answer (its turn token) was rated before, through this replica or another."""


class FeedbackStore:
    """Append-mostly store. Nothing is created on construction; the database (and its folder, for SQLite) on
    the first write. `url`: an SQLAlchemy URL (default `SHEBAO_DB_URL`, else SQLite at `path`)."""

    def __init__(self, path: str | Path | None = None, url: str | None = None):
        self.path = Path(path) if path else default_path()
        self.url = url or (None if path else os.environ.get("SHEBAO_DB_URL")) or f"sqlite:///{self.path}"
        self._engine = None
        self._lock = threading.Lock()
        self._md = _metadata()

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def _connect(self):
        from sqlalchemy import create_engine, insert, select

        if self._engine is None:
            if self.is_sqlite:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(self.url, connect_args={"timeout": 3})
            else:
                engine = create_engine(self.url, pool_pre_ping=True, pool_size=5, max_overflow=5)
            with engine.begin() as con:
                self._md.tables["schema_version"].create(con, checkfirst=True)
                done = {r[0] for r in con.execute(select(self._md.tables["schema_version"].c.version))}
                for version, _, step in MIGRATIONS:
                    if version not in done:
                        step(con, self._md)
                        con.execute(insert(self._md.tables["schema_version"]).values(version=version, ts=_now()))
            self._engine = engine
        return self._engine

    def _write(self, table: str, values: dict, replace_key: str | None = None) -> int | None:
        """One row in; when the database cannot take it (read-only, full, locked, corrupt, unreachable) the row
        goes to `<data>/feedback-fallback.jsonl` (or the temp folder) and the error is logged, never lost."""
        from sqlalchemy import delete, insert
        from sqlalchemy.exc import IntegrityError, SQLAlchemyError

        with self._lock:
            try:
                engine = self._connect()
                t = self._md.tables[table]
                with engine.begin() as con:
                    if replace_key:
                        con.execute(delete(t).where(t.c[replace_key] == values[replace_key]))
                    result = con.execute(insert(t).values(**values))
                    pk = result.inserted_primary_key
                    return pk[0] if pk else None
            except IntegrityError as exc:
                if table == "feedback" and values.get("turn"):
                    same = self._same_rating(engine, values)
                    if same is not None:   # the same rating sent twice (nginx retried it after a replica died
                        return same        # having stored it): stored once, answered as stored
                    raise AlreadyRated(values["turn"]) from exc
                self._fallback(table, values, exc)
                return None
            except (SQLAlchemyError, OSError) as exc:
                self._engine = None
                self._fallback(table, values, exc)
                return None

    def _fallback(self, table: str, values: dict, exc: Exception) -> None:
        log.error("feedback store %s not writable (%s); kept in the fallback file", self.where, exc)
        line = json.dumps({"table": table, "values": values}, ensure_ascii=False)
        for folder in (self.path.parent, Path(tempfile.gettempdir())):
            try:
                with (folder / "feedback-fallback.jsonl").open("a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
                return
            except OSError:
                continue

    @property
    def where(self) -> str:
        """The database, for messages (a PostgreSQL URL without its password)."""
        if self.is_sqlite:
            return str(self.path)
        from sqlalchemy.engine import make_url
        return make_url(self.url).render_as_string(hide_password=True)

    def check(self) -> str | None:
        """None when the database can be written, else a message saying what to fix."""
        from sqlalchemy.exc import SQLAlchemyError
        try:
            self._connect()
            return None
        except (SQLAlchemyError, OSError) as exc:
            self._engine = None
            fix = "set SHEBAO_DATA to a writable folder" if self.is_sqlite else "check SHEBAO_DB_URL and the server"
            return f"{self.where}: cannot be used ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); {fix}"

    # -- writes -----------------------------------------------------------------------------------
    def _same_rating(self, engine, values: dict) -> int | None:
        """The id of the stored rating of this turn when it has the same verdict, else None."""
        from sqlalchemy import select
        t = self._md.tables["feedback"]
        with engine.connect() as con:
            row = con.execute(select(t.c.id, t.c.verdict).where(t.c.turn == values["turn"])).first()
        return row.id if row is not None and row.verdict == values["verdict"] else None

    def add(self, question: str, record_id: str | None, verdict: str, region: str | None = None,
            turn: str | None = None) -> int | None:
        """Store one rating (masked); its row id, or None when it went to the fallback file. `turn`: the
        answer's token; AlreadyRated when that answer was rated before with another verdict (the same rating
        again — a retried request — returns the stored row's id)."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict={verdict!r}; use one of {', '.join(VERDICTS)}")
        return self._write("feedback", dict(ts=_now(), question=mask(question), record_id=record_id,
                                            verdict=verdict, region=region, turn=turn))

    def log_question(self, question: str, region: str | None, record_id: str | None, kind: str) -> None:
        self._write("question", dict(ts=_now(), question=mask(question)[:500], region=region, record_id=record_id,
                                     kind=kind))

    def review(self, feedback_id: int, gold: list[str], reviewer: str | None = None) -> None:
        """A clerk's answer to one 「没帮助」: the record ids that answer it ([] = not our business)."""
        self._write("review", dict(feedback_id=int(feedback_id), ts=_now(), gold=json.dumps(list(gold)),
                                   reviewer=reviewer), replace_key="feedback_id")

    def set_account(self, name: str, password_hash: str) -> None:
        self._write("account", dict(name=name, password=password_hash), replace_key="name")

    # -- reads ------------------------------------------------------------------------------------
    def _rows(self, stmt) -> list[dict]:
        from sqlalchemy.exc import SQLAlchemyError
        if self.is_sqlite and not self.path.exists():
            return []
        try:
            with self._connect().connect() as con:
                return [dict(r._mapping) for r in con.execute(stmt)]
        except (SQLAlchemyError, OSError) as exc:
            self._engine = None
            log.error("feedback store %s not readable (%s)", self.where, exc)
            return []

    def rows(self) -> list[dict]:
        from sqlalchemy import select
        t = self._md.tables["feedback"]
        return [{k: v for k, v in r.items() if k != "turn"} for r in self._rows(select(t).order_by(t.c.id))]

    def feedback(self, feedback_id: int) -> dict | None:
        from sqlalchemy import select
        t = self._md.tables["feedback"]
        rows = self._rows(select(t).where(t.c.id == int(feedback_id)))
        return rows[0] if rows else None

    def pending(self) -> list[dict]:
        """「没帮助」 ratings no clerk has reviewed yet, oldest first."""
        from sqlalchemy import select
        f, r = self._md.tables["feedback"], self._md.tables["review"]
        stmt = (select(f).outerjoin(r, r.c.feedback_id == f.c.id)
                .where(f.c.verdict == "unhelpful", r.c.feedback_id.is_(None)).order_by(f.c.id))
        return self._rows(stmt)

    def reviews(self) -> dict[int, list[str]]:
        from sqlalchemy import select
        t = self._md.tables["review"]
        return {row["feedback_id"]: json.loads(row["gold"]) for row in self._rows(select(t))}

    def questions(self) -> list[dict]:
        from sqlalchemy import select
        t = self._md.tables["question"]
        return self._rows(select(t).order_by(t.c.id))

    def accounts(self) -> dict[str, str]:
        from sqlalchemy import select
        return {r["name"]: r["password"] for r in self._rows(select(self._md.tables["account"]))}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
