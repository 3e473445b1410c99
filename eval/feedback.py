"""Citizens' 「没帮助」 clicks (the app's SQLite feedback store) as candidate dev-set lines for a person to review.

python -m eval feedback [--db PATH] [--all]   → one JSON line per question: gold left empty to fill in, the
record the bot answered with, the region, and the gold a clerk picked in the staff console (「市民反馈」) when
reviewed (gold [] and reviewed=true: out of scope); add the reviewed lines to eval/data/questions.jsonl (or oos.jsonl)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def default_db() -> Path:
    return Path(os.environ.get("SHEBAO_DATA") or REPO / "data") / "feedback.sqlite3"


def candidates(db: str | Path, include_helpful: bool = False) -> list[dict]:
    """Distinct questions marked unhelpful (or all), oldest first, as dev-set candidates. `db`: the SQLite
    file, or an SQLAlchemy URL (the PostgreSQL the replicas share)."""
    from sqlalchemy import create_engine, inspect, text

    url = str(db) if "://" in str(db) else f"sqlite:///{db}"
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        return []
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            tables = set(inspect(con).get_table_names())
            if "feedback" not in tables:
                return []
            rows = con.execute(text("SELECT id, ts, question, record_id, verdict, region FROM feedback ORDER BY id")).all()
            reviews = dict(con.execute(text("SELECT feedback_id, gold FROM review")).all()) if "review" in tables else {}
    finally:
        engine.dispose()
    out, seen = [], set()
    for fid, ts, question, record_id, verdict, region in rows:
        if (verdict != "unhelpful" and not include_helpful) or question in seen:
            continue
        seen.add(question)
        gold = json.loads(reviews[fid]) if fid in reviews else []
        out.append({"id": f"f{len(out) + 1:03d}", "question": question, "gold": gold, "style": "feedback",
                    "region": region, "answered": record_id, "verdict": verdict, "ts": ts,
                    "reviewed": fid in reviews})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval feedback", description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=os.environ.get("SHEBAO_DB_URL") or str(default_db()),
                    help="the SQLite file or an SQLAlchemy URL (default: $SHEBAO_DB_URL, else the data folder's file)")
    ap.add_argument("--all", action="store_true", help="include questions marked helpful")
    args = ap.parse_args(argv)
    try:
        rows = candidates(args.db, args.all)
    except Exception as exc:  # SQLAlchemy wraps every driver's errors; the message is for a person
        print(f"error: {args.db} is not a feedback database ({exc})", file=sys.stderr)
        return 2
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    print(f"{len(rows)} candidate questions from {args.db}", file=sys.stderr)
    return 0
