"""The one ASGI app: the citizen page at /, the JSON API at /api/v1 (OpenAPI page /api/docs), the staff
console at /staff (login), and the Gradio endpoint /ask(question, region) kept for existing callers.

Limits at the edge: request bodies over `MAX_BODY` (uploads to the staff console: `MAX_UPLOAD`) are refused
with a Chinese message, and the public Gradio app accepts no uploads."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from ui.accounts import Accounts, data_dir
from ui.api import Turns, router
from ui.feedback import FeedbackStore
from ui.registers import Registry

log = logging.getLogger("shebao.ui")
STATIC = Path(__file__).resolve().parent / "static"
REPLICA = os.environ.get("SHEBAO_REPLICA", "")  # set by `python -m ui serve --replicas N`: which one answered
MAX_BODY = 64 * 1024
MAX_UPLOAD = 20 * 1024 * 1024
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "X-Frame-Options": "SAMEORIGIN"}
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")


class AppState:
    """What every request reads: the bot (replaced whole when a register is published), the feedback store,
    staff accounts, the turn signer and the register registry."""

    CHECK_S = 2.0  # how often a replica looks for a corpus another replica published

    def __init__(self, bot, store: FeedbackStore | None = None, accounts: Accounts | None = None,
                 data: Path | None = None):
        self._bot = bot
        self.data = Path(data) if data else data_dir()
        if store is None:
            store = FeedbackStore(url=os.environ.get("SHEBAO_DB_URL") or f"sqlite:///{self.data / 'feedback.sqlite3'}")
            store.path = self.data / "feedback.sqlite3"
        self.store = store
        self.accounts = accounts if accounts is not None else Accounts.load(store=store)
        self.turns = Turns.from_data_dir()
        self.registry = Registry(self.data)
        self._publish = threading.Lock()
        self._seen = self._published_version()
        self._checked = time.monotonic()

    def _published_version(self):
        try:
            st = (self.data / "published" / "records.jsonl").stat()
            return st.st_ino, st.st_mtime_ns
        except OSError:
            return None

    @property
    def bot(self):
        """The bot over the newest published corpus: a register published through any replica is picked up
        here within CHECK_S seconds, without a restart (the folder is switched by one rename)."""
        now = time.monotonic()
        if now - self._checked >= self.CHECK_S:
            self._checked = now
            version = self._published_version()
            if version != self._seen and version is not None and self._publish.acquire(blocking=False):
                try:
                    self._bot = load_bot(self.data, today=getattr(self._bot, "today", None))
                    self._seen = version
                    log.info("switched to the corpus published at %s", self.data / "published")
                except Exception:  # a half-written folder: keep answering from the current corpus, try again
                    log.exception("could not load the published corpus; still answering from the previous one")
                finally:
                    self._publish.release()
        return self._bot

    @bot.setter
    def bot(self, value) -> None:
        self._bot = value

    def publish(self, upload, source) -> int:
        """Add or replace one register and switch the running bot to the rebuilt corpus; the record count."""
        from bot import Bot
        from index.store import build, open_index

        with self._publish:
            folder, sources = self.registry.publish(
                upload, source, lambda records, out: build(records, out, log=None))
            index = open_index(folder / "index", folder / "records.jsonl", rebuild=False, log=None)
            self._bot = Bot(index, sources=sources, today=getattr(self._bot, "today", None))
            self._seen = self._published_version()
            return len(index.records)


def api_docs_html(spec: dict) -> str:
    """The OpenAPI spec as one plain HTML page: each endpoint's method, path, summary and fields."""
    import html as h
    schemas = spec.get("components", {}).get("schemas", {})
    out = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{h.escape(spec['info']['title'])}"
           f"</title><link rel='stylesheet' href='/static/app.css'></head><body><main>",
           f"<h1>{h.escape(spec['info']['title'])}</h1><p>{h.escape(spec['info'].get('description', ''))}</p>",
           "<p>机器可读的描述：<a href='/api/v1/openapi.json'>/api/v1/openapi.json</a>。错误时返回 "
           "<code>{\"detail\": \"中文说明\"}</code> 和 4xx 状态码。</p>"]
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            out.append(f"<h2>{method.upper()} {h.escape(path)}</h2><p>{h.escape(op.get('summary', ''))}</p>")
            fields = []
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
            if ref:
                schema = schemas.get(ref.rsplit("/", 1)[-1], {})
                for name, prop in schema.get("properties", {}).items():
                    fields.append((name, prop.get("description", ""), name in schema.get("required", [])))
            for prm in op.get("parameters", []):
                fields.append((prm["name"], prm.get("description", ""), prm.get("required", False)))
            if fields:
                out.append("<ul>" + "".join(f"<li><code>{h.escape(n)}</code>{'（必填）' if req else ''}："
                                            f"{h.escape(d)}</li>" for n, d, req in fields) + "</ul>")
    out.append("<h2>例子</h2><pre>curl -X POST http://127.0.0.1:7860/api/v1/ask -H 'Content-Type: application/json' "
               "-d '{\"question\": \"灵活就业怎么参保？\", \"state\": null}'</pre>"
               "<p>把返回的 <code>state</code> 原样放进下一轮请求，就能继续同一段对话。</p></main></body></html>")
    return "".join(out)


def load_bot(data: Path | None = None, today=None):
    """The bot over the published corpus in the data folder when a register was added from the console, else
    over the shipped corpus (built on first start)."""
    from bot import Bot
    from corpus.sources import load_sources
    from index.store import open_index

    data = Path(data or data_dir())
    published = data / "published"
    registry = Registry(data)
    if registry.stale():   # a register added with `python -m corpus build` since the console published one
        from index.store import build
        log.warning("the shipped corpus changed since registers were added from the console; rebuilding %s",
                    published)
        registry.rebuild(lambda records, out: build(records, out, log=None))
    if (published / "records.jsonl").exists() and (published / "sources.toml").exists():
        index = open_index(published / "index", published / "records.jsonl", rebuild=False, log=None)
        return Bot(index, sources=load_sources(published / "sources.toml"), today=today)
    return Bot.load(today=today)


def _public_blocks(app_state) -> gr.Blocks:
    """The Gradio API kept for existing callers: /ask(question, region) → markdown."""
    from ui.handlers import Handlers

    with gr.Blocks(title="社保问答", analytics_enabled=False) as demo:
        gr.Markdown("社保问答接口。市民请访问首页。")

        def ask(question: str, region: str = "") -> str:
            """One question, no dialogue: the answer as markdown (register record, office, tap-to-call phones,
            source). region: a bureau slug (see /api/v1/regions) or empty for all."""
            return Handlers(app_state.bot, app_state.store).ask(question, region)

        gr.api(ask, api_name="ask", concurrency_id="bot")
    demo.queue(default_concurrency_limit=4, max_size=256)
    return demo


def create_app(app_state: AppState) -> FastAPI:
    from ui.staff import CSS as STAFF_CSS, build_staff

    app = FastAPI(title="社保问答 API", version="1.0", docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json",
                  description="人社服务事项问答。对话状态 state 由调用方保存，每轮原样带回。")

    @app.middleware("http")
    async def limits(request: Request, call_next):
        path = request.url.path
        if path.endswith("/gradio_api/upload") and not path.startswith("/staff/"):
            return JSONResponse({"detail": "不接受文件上传。"}, status_code=403)
        limit = MAX_UPLOAD if path.startswith("/staff/") else MAX_BODY
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return JSONResponse({"detail": f"请求内容太大（上限 {limit // 1024} KB）。"}, status_code=413)
        if length is None and request.method in ("POST", "PUT", "PATCH") and \
                request.headers.get("transfer-encoding", "").lower() == "chunked" and not path.startswith("/staff/"):
            return JSONResponse({"detail": "请求需注明内容长度。"}, status_code=411)
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if REPLICA:
            response.headers["X-Shebao-Replica"] = REPLICA
        return response

    from fastapi.exceptions import RequestValidationError

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse({"detail": "请求内容不是有效的 JSON，请检查后重试。"}, status_code=422)
        fields = "、".join(dict.fromkeys(str(x) for e in errors[:5] for x in e.get("loc", [])
                                         if isinstance(x, str) and x != "body"))
        return JSONResponse({"detail": f"请求内容不符合要求（{fields or '格式'}），请检查后重试。"}, status_code=422)

    app.include_router(router(app_state), prefix="/api/v1")

    @app.get("/api/docs", include_in_schema=False)
    def docs():
        """The API described from its OpenAPI spec, rendered here (no scripts or styles from a CDN: works
        offline, as government networks are)."""
        from fastapi.responses import HTMLResponse
        return HTMLResponse(api_docs_html(app.openapi()), headers={"Content-Security-Policy": PAGE_CSP})
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": PAGE_CSP,
                                                            "Cache-Control": "no-cache"})

    if app_state.accounts:
        app = gr.mount_gradio_app(app, build_staff(app_state), path="/staff", auth=app_state.accounts.check,
                                  auth_message="窗口工作台：请用工作人员账号登录。", footer_links=[], css=STAFF_CSS,
                                  ssr_mode=False, mcp_server=False, show_error=False, max_file_size=MAX_UPLOAD)
    else:
        @app.get("/staff/", include_in_schema=False)
        def no_staff():
            from fastapi.responses import HTMLResponse
            return HTMLResponse(
                "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>窗口工作台</title>"
                "<link rel='stylesheet' href='/static/app.css'></head><body><main><h1>窗口工作台尚未开通</h1>"
                "<p>还没有工作人员账号。请管理员在服务器上运行 <code>python -m ui passwd 用户名</code>"
                "（或设置环境变量 <code>SHEBAO_STAFF=用户名:密码</code>），然后重新启动本服务。</p>"
                "<p><a href='/'>返回市民咨询</a></p></main></body></html>", status_code=503,
                headers={"Content-Security-Policy": PAGE_CSP})
    app = gr.mount_gradio_app(app, _public_blocks(app_state), path="", footer_links=[], ssr_mode=False,
                              mcp_server=False, show_error=False, max_file_size=0)
    return app


def serve(app_state: AppState, host: str = "127.0.0.1", port: int = 0):
    """Run the app in a background thread (tests, the load script); returns (server, url). Stop with
    `server.should_exit = True`."""
    import socket
    import time

    import uvicorn

    if not port:
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    config = uvicorn.Config(create_app(app_state), host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError(f"the app did not start on {host}:{port}")
    return server, f"http://{host}:{port}"
