"""The dialogue state a browser (or an integrator) keeps between turns: `bot.Session` as JSON, checked on the
way in. Any server process can continue any dialogue; nothing of it stays on the server."""

from __future__ import annotations

import dataclasses
import json

from bot import Session

MAX_BYTES = 32_000   # a real dialogue's state is ~1 KB; anything near this is not ours
MAX_ITEMS = 60       # per list or dict in the state
MAX_TEXT = 1_000     # per string
SERVER_ONLY = {"today"}  # the date a dialogue happens on is the server's, never the client's


class StateError(ValueError):
    """A state the client sent that cannot be a dialogue of ours; the message is for the person."""


def dump(session: Session) -> dict:
    """The session as plain JSON data (dict). Index hits are kept as {"id", "score"}: the records stay on
    the server, so the state stays small (about 1 KB)."""
    out = {}
    for f in dataclasses.fields(session):
        value = getattr(session, f.name)
        if f.name == "hits":
            value = [{"id": h.id, "score": round(float(h.score), 6)} for h in value if hasattr(h, "record")]
        out[f.name] = value
    return json.loads(json.dumps(out, ensure_ascii=False, default=list))


def _fits(value, default, depth: int = 0) -> bool:
    if depth > 6:
        return False
    if value is None:
        return True
    if isinstance(value, bool) or isinstance(default, bool):
        return isinstance(value, bool) and (default is None or isinstance(default, bool))
    if isinstance(value, (int, float)):
        return default is None or isinstance(default, (int, float))
    if isinstance(value, str):
        return len(value) <= MAX_TEXT and (default is None or isinstance(default, str))
    if isinstance(value, list):
        return (default is None or isinstance(default, (list, tuple))) and len(value) <= MAX_ITEMS and \
            all(_fits(v, None, depth + 1) for v in value)
    if isinstance(value, dict):
        return (default is None or isinstance(default, dict)) and len(value) <= MAX_ITEMS and \
            all(isinstance(k, str) and len(k) <= 100 and _fits(v, None, depth + 1) for k, v in value.items())
    return False


def load(data, regions: set[str], index=None) -> Session:
    """A Session from client JSON (dict, JSON text or None). Unknown keys are ignored; a field of the wrong
    type, an oversized state or an unknown region raises StateError with a Chinese message. Hits are looked up
    in `index` by id (ids no longer in the index are dropped)."""
    if data in (None, "", {}):
        return Session()
    if isinstance(data, str):
        if len(data) > MAX_BYTES:
            raise StateError("对话记录太长，请点「新的咨询」重新开始。")
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise StateError("对话记录已损坏，请点「新的咨询」重新开始。") from exc
    if not isinstance(data, dict) or len(json.dumps(data, ensure_ascii=False)) > MAX_BYTES:
        raise StateError("对话记录格式不对或太长，请点「新的咨询」重新开始。")
    session = Session()
    for f in dataclasses.fields(Session):
        if f.name not in data or f.name in SERVER_ONLY:
            continue
        value, default = data[f.name], getattr(session, f.name)
        if not _fits(value, default):
            raise StateError(f"对话记录中的「{f.name}」格式不对，请点「新的咨询」重新开始。")
        setattr(session, f.name, value)
    if session.hits:
        from index.hybrid import Hit
        hits = []
        for h in session.hits:
            r = index.get(h.get("id")) if index is not None and isinstance(h, dict) else None
            if r is not None:
                hits.append(Hit(r.id, float(h.get("score") or 0.0), r))
        session.hits = hits
    if session.region is not None and session.region not in regions:
        raise StateError("对话记录中的地区不在收录范围内，请重新选择地区。")
    return session
