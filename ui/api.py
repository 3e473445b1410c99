"""The versioned JSON API (`/api/v1`), served by the same ASGI app as the pages: ask (dialogue state in and
out, so any replica answers any turn), self-check, feedback, regions, health, and the staff lookup (HTTP Basic
with a staff account). Errors are JSON `{"detail": "<Chinese message>"}` with a 4xx status."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from bot.text import clean, mask
from ui import citizen, state
from ui.accounts import Accounts, data_dir
from ui.render import md_html

log = logging.getLogger("shebao.ui")
MAX_QUESTION = 2_000   # characters accepted; the bot reads the first 500 and says it cut the rest


class AskIn(BaseModel):
    question: str = Field(max_length=MAX_QUESTION, description="市民的问题")
    region: str | None = Field(None, max_length=40, description="单位代码（如 yazhou），不填表示全部")
    state: dict | None = Field(None, description="上一轮返回的 state，原样带回；新对话不填")


class CheckIn(BaseModel):
    age: float | None = Field(None, ge=0, le=130, description="年龄（周岁）")
    years: float | None = Field(None, ge=0, le=80, description="累计缴费年限（年）")
    student: str | None = Field(None, max_length=10, description="是 / 否 / 不清楚")
    hukou: str | None = Field(None, max_length=10, description="本省 / 外省 / 不清楚")
    employment: str | None = Field(None, max_length=20, description="机关事业单位 / 企业职工 / 个体或灵活就业 / 不清楚")
    drawing: str | None = Field(None, max_length=10, description="是否已在领取养老金：是 / 否 / 不清楚")
    days: float | None = Field(None, ge=0, le=100_000, description="单位成立（或员工入职）至今的天数")
    certified: str | None = Field(None, max_length=10, description="今年是否已做资格认证：是 / 否 / 不清楚")
    region: str | None = Field(None, max_length=40, description="单位代码（本省即该单位所在的省），不填表示未选")


class FeedbackIn(BaseModel):
    turn: str = Field(max_length=4_000, description="ask 返回的 turn，原样带回")
    verdict: str = Field(pattern="^(helpful|unhelpful)$", description="helpful 或 unhelpful")


class Turns:
    """Signed turn tokens: a rating must name an answer this server (or a replica sharing the secret) gave,
    and each answer can be rated once. Keeps scripts from filling the feedback table."""

    def __init__(self, secret: bytes, remember: int = 50_000):
        self.secret, self.used, self.remember = secret, OrderedDict(), remember
        self._lock = threading.Lock()

    @classmethod
    def from_data_dir(cls) -> Turns:
        import os
        env = os.environ.get("SHEBAO_SECRET")
        if env:
            return cls(env.encode("utf-8"))
        path = data_dir() / "secret.key"
        try:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(secrets.token_bytes(32))
                path.chmod(0o600)
            return cls(path.read_bytes())
        except OSError:
            return cls(secrets.token_bytes(32))

    def sign(self, payload: dict) -> str:
        body = base64.urlsafe_b64encode(json.dumps(payload, ensure_ascii=False).encode("utf-8")).decode()
        mac = hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{body}.{mac}"

    def open(self, token: str) -> dict:
        body, _, mac = token.rpartition(".")
        want = hmac.new(self.secret, body.encode(), hashlib.sha256).hexdigest()[:32]
        if not body or not hmac.compare_digest(mac, want):
            raise HTTPException(400, "这条评价对应的回答无效，请先提问再评价。")
        with self._lock:
            if mac in self.used:
                raise HTTPException(409, "这条回答您已经评价过了，谢谢！")
            self.used[mac] = time.time()
            while len(self.used) > self.remember:
                self.used.popitem(last=False)
        return json.loads(base64.urlsafe_b64decode(body))


def router(app_state) -> APIRouter:
    """`app_state` has .bot (swapped atomically when a register is published), .store, .accounts, .turns."""
    api = APIRouter()

    def staff(request: Request) -> str:
        accounts: Accounts = app_state.accounts
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            try:
                name, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                name = password = ""
            if accounts.check(name, password):
                return name
        raise HTTPException(401, "窗口查询需要工作人员账号登录。", headers={"WWW-Authenticate": 'Basic realm="staff"'})

    def region_of(bot, value: str | None) -> str | None:
        if value in (None, "", "全部", "all"):
            return None
        if value not in bot.regions.sources:
            raise HTTPException(422, f"region「{mask(value[:40])}」不是已收录的单位；可用：{'、'.join(bot.regions.sources)}，"
                                     "不填表示全部。")
        return value

    @api.get("/health", summary="健康检查")
    def health() -> dict:
        bot = app_state.bot
        return {"status": "ok", "records": len(bot.index.records), "regions": len(bot.regions.sources)}

    @api.get("/regions", summary="收录的单位")
    def regions() -> list[dict]:
        bot = app_state.bot
        return [{"slug": s, "label": bot.regions.label(s), "bureau": src.bureau, "region": src.region}
                for s, src in bot.regions.sources.items()]

    @api.post("/ask", summary="提问（对话状态由调用方保存并带回）")
    def ask(body: AskIn) -> dict:
        bot = app_state.bot
        text, _ = clean(body.question)
        try:
            session = state.load(body.state, set(bot.regions.sources), bot.index)
        except state.StateError as exc:
            raise HTTPException(422, str(exc)) from exc
        region = region_of(bot, body.region)
        if not text:
            return {"question": "", "answer": "请先输入您的问题。", "view": {"kind": "text", "html": "<p>请先输入您的问题。</p>",
                    "related": [], "clarify": None, "region": region}, "state": state.dump(session),
                    "region": region, "out_of_scope": False, "clarify": None, "eligibility": [], "cited": [],
                    "turn": None}
        ans = bot.answer(body.question, session, region=region)
        view = citizen.view(ans, bot, session.region)
        record = ans.cited[0] if ans.cited else None
        app_state.store.log_question(text, ans.region, record, view["kind"])
        turn = app_state.turns.sign({"q": text[:300], "r": record, "g": ans.region, "t": int(time.time()),
                                      "n": secrets.token_hex(8)})   # one token per answer, even for the same question
        return {"question": text, "answer": ans.answer, "view": view, "state": state.dump(session),
                "region": ans.region, "out_of_scope": ans.out_of_scope, "clarify": ans.clarify,
                "eligibility": [v.to_dict() for v in ans.eligibility], "cited": ans.cited, "turn": turn}

    @api.post("/check", summary="资格自测（不填的项目视为不清楚）")
    def check(body: CheckIn) -> dict:
        from ui.handlers import Handlers, facts_from_form
        bot = app_state.bot
        form = body.model_dump()
        region = region_of(bot, form.pop("region"))
        try:
            facts = facts_from_form(**form)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        markdown = Handlers(bot, app_state.store).check(**form, region=region)
        return {"facts": {k: (list(v) if isinstance(v, tuple) else v) for k, v in facts.items()},
                "markdown": markdown, "html": md_html(markdown)}

    @api.post("/feedback", summary="对一条回答评价：有帮助 / 没帮助")
    def feedback(body: FeedbackIn) -> dict:
        from ui.feedback import AlreadyRated
        turn = app_state.turns.open(body.turn)
        try:
            app_state.store.add(turn.get("q", ""), turn.get("r"), body.verdict, turn.get("g"), turn=turn.get("n"))
        except AlreadyRated as exc:
            raise HTTPException(409, "这条回答您已经评价过了，谢谢！") from exc
        log.info("feedback %s q=%r record=%s", body.verdict, mask(turn.get("q", "")), turn.get("r"))
        return {"saved": True, "message": "已记录您的评价，谢谢！我们会据此改进回答。"}

    @api.get("/lookup", summary="窗口查询（需工作人员账号）")
    def lookup(q: str = "", source: str | None = None, section: str | None = None, k: int = 20,
               _: str = Depends(staff)) -> list[dict]:
        bot = app_state.bot
        if len(q) > 200:
            raise HTTPException(422, "查询内容太长，请控制在200字以内。")
        if not 1 <= k <= 100:
            raise HTTPException(422, "k 需在 1 到 100 之间。")
        from ui.lookup import find
        hits = find(bot, q, source=region_of(bot, source), section=section or None, k=k)
        return [{"id": h.id, "title": h.record.title, "bureau": h.record.bureau, "section": h.record.section,
                 "offices": h.record.offices, "phones": h.record.phones, "score": round(float(h.score), 4)}
                for h in hits]

    return api
