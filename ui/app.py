"""The Gradio app: three tabs wired to `ui.handlers.Handlers`, two named API endpoints, and how to serve it."""

from __future__ import annotations

import socket

import gradio as gr

from bot.cards import HOTLINE
from ui.feedback import FeedbackStore
from ui.handlers import ALL, LOOKUP_HEADERS, UNKNOWN, Handlers

TITLE = "社保问答"
EXAMPLES = ["灵活就业怎么参保？", "社保卡丢了怎么补办？", "养老金资格认证什么时候做？",
            "我60岁了，交了12年，能领养老金吗？", "定安县劳动用工备案要带什么材料？", "洋浦的单位怎么办理社保登记？"]
# How many bot calls (chat turns, /ask, /lookup, self-checks together) run at once; the rest wait in the queue.
CONCURRENCY = 4
QUEUE_SIZE = 256
CSS = """
#chat .message a[href^="tel:"], #record a[href^="tel:"] { font-weight: 600; white-space: nowrap; }
#clarify { border-left: 4px solid var(--color-accent); padding-left: 0.75em; }
"""
INTRO = ("# {title}\n人社服务事项咨询：答案来自各人社局公开的登记表，写明承办机构、电话和出处。"
         "目前收录 {n} 个单位；答不上来时请拨打人社服务热线 **{hotline}**。")


def build_app(bot, feedback: FeedbackStore | None = None) -> gr.Blocks:
    """The whole interface for one loaded bot. Nothing is launched; see `launch` and `serve`."""
    h = Handlers(bot, feedback)
    bot_calls = {"concurrency_id": "bot"}
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(INTRO.format(title=TITLE, n=len(h.sources), hotline=HOTLINE))
        with gr.Tabs():
            with gr.Tab("市民咨询", id="chat"):
                region = gr.Dropdown(h.region_choices(), value=ALL, label="地区",
                                     info="选择您办理业务的地区；提问时说出地名，这里也会自动切换。")
                chatbot = gr.Chatbot(label="咨询", elem_id="chat", height=560, sanitize_html=True,
                                     render_markdown=True, allow_tags=False, latex_delimiters=[],
                                     feedback_options=None, buttons=["copy"], layout="bubble",
                                     placeholder="您好！请在下方输入问题，或点击示例问题。")
                clarify = gr.Markdown(elem_id="clarify")
                with gr.Row():
                    box = gr.Textbox(show_label=False, placeholder="请输入您的问题，例如：灵活就业怎么参保？",
                                     scale=5, elem_id="question", autofocus=True)
                    send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
                gr.Examples(EXAMPLES, inputs=box, label="示例问题（点击填入）")
                with gr.Row():
                    good = gr.Button("有帮助", size="sm")
                    bad = gr.Button("没帮助", size="sm")
                    new = gr.Button("新的咨询", size="sm")
                status = gr.Markdown()
                session, turn = gr.State(None), gr.State(None)

            with gr.Tab("窗口查询", id="lookup"):
                with gr.Row():
                    query = gr.Textbox(label="查询", placeholder="事项名称或关键词，如：劳动用工备案", scale=3,
                                       elem_id="lookup-query")
                    source = gr.Dropdown(h.region_choices(), value=ALL, label="单位", scale=2, elem_id="lookup-source")
                    section = gr.Dropdown(h.section_choices(), value=ALL, label="登记表部分", scale=1)
                    find = gr.Button("查询", variant="primary", scale=1, elem_id="lookup-go")
                table = gr.Dataframe(headers=LOOKUP_HEADERS,
                                     datatype=["str", "str", "str", "str", "str", "number"], interactive=False,
                                     wrap=True, max_height=360, label="查询结果（点击一行查看全文）",
                                     column_widths=["14%", "30%", "18%", "18%", "14%", "6%"], elem_id="lookup-table")
                with gr.Row():
                    record = gr.Markdown("查询后，这里显示记录全文和出处（登记表文件与行号）。", label="记录全文", elem_id="record",
                                         container=True)
                    to_copy = gr.Textbox(label="可直接复制的答复", lines=14, buttons=["copy"], interactive=False,
                                         elem_id="to-copy")

            with gr.Tab("资格自测", id="check"):
                gr.Markdown("填写您知道的情况（不清楚的可以不填），系统按登记表中的条件逐条判断。")
                with gr.Row():
                    age = gr.Number(label="年龄（周岁）", precision=0, minimum=0, maximum=130)
                    years = gr.Number(label="累计缴费年限（年）", precision=0, minimum=0, maximum=80)
                with gr.Row():
                    student = gr.Radio(["是", "否", UNKNOWN], value=UNKNOWN, label="是否在校学生")
                    hukou = gr.Radio(["本省", "外省", UNKNOWN], value=UNKNOWN, label="户籍",
                                     info="本省：户口在办理地所在的省")
                with gr.Row():
                    employment = gr.Radio(["机关事业单位", "企业职工", "个体或灵活就业", UNKNOWN], value=UNKNOWN,
                                          label="工作情况")
                    drawing = gr.Radio(["是", "否", UNKNOWN], value=UNKNOWN, label="是否已在领取养老金")
                with gr.Accordion("单位参保登记、养老金资格认证", open=False):
                    with gr.Row():
                        days = gr.Number(label="单位成立（或员工入职）至今的天数", precision=0, minimum=0)
                        certified = gr.Radio(["是", "否", UNKNOWN], value=UNKNOWN, label="今年是否已做领取养老金资格认证")
                run_check = gr.Button("开始自测", variant="primary")
                verdicts = gr.Markdown(elem_id="verdicts")

        # citizen chat
        chat_in = [box, chatbot, session, region, turn]
        chat_out = [chatbot, session, region, clarify, box, turn, status]    # the fields of handlers.ChatView
        for trigger in (send.click, box.submit):
            trigger(h.chat, chat_in, chat_out, api_visibility="private", **bot_calls)
        region.input(h.pick_region, [region, chatbot, session, turn], chat_out, api_visibility="private", **bot_calls)
        new.click(h.new_chat, None, chat_out, api_visibility="private", queue=False)
        good.click(h.helpful, turn, [status, turn], api_visibility="private")
        bad.click(h.unhelpful, turn, [status, turn], api_visibility="private")
        # staff lookup
        for trigger in (find.click, query.submit):
            trigger(h.search, [query, source, section], [table, record, to_copy], api_visibility="private", **bot_calls)
        table.select(h.pick, None, [record, to_copy], api_visibility="private")
        # self-check
        run_check.click(h.check, [age, years, student, hukou, employment, drawing, days, certified], verdicts,
                        api_visibility="private", **bot_calls)
        # for integrators (shown on the API page)
        gr.api(h.ask, api_name="ask", **bot_calls)
        gr.api(h.lookup, api_name="lookup", **bot_calls)

    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    return demo


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, **kw):
    """Serve on host:port with our CSS; no extra file paths, no share link, no server-side rendering."""
    return demo.launch(server_name=host, server_port=port, css=CSS, share=False, ssr_mode=False, mcp_server=False,
                       show_error=False, **kw)


def serve(bot=None, host: str = "127.0.0.1", port: int | None = None, feedback: FeedbackStore | None = None,
          quiet: bool = True) -> tuple[gr.Blocks, str]:
    """Load the bot if not given, warm it up, and serve in the background (for tests and the load script).
    Returns (demo, url); stop with `demo.close()`."""
    if bot is None:
        from bot import Bot
        bot = Bot.load()
    warm_up(bot)
    demo = build_app(bot, feedback)
    _, url, _ = launch(demo, host, port or free_port(host), prevent_thread_lock=True, quiet=quiet)
    return demo, url


def warm_up(bot) -> None:
    """Load the lazily loaded encoder once, before concurrent requests could each try to."""
    bot.lookup("社会保险")
