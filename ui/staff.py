"""The staff console (mounted at /staff behind a login): 窗口查询, 登记表 (upload → report and difference →
publish without a restart), 市民反馈 (review 「没帮助」 into dev-set cases), 概览 (what citizens ask)."""

from __future__ import annotations

import html
import logging

import gradio as gr

from corpus.check import report
from corpus.records import SECTION_NAMES
from corpus.sources import Source
from ui.handlers import ALL, Handlers
from ui.lookup import find, strength
from ui.render import tel_link

log = logging.getLogger("shebao.ui")
CSS = """
.result { border: 1px solid #c9ced6; border-radius: 10px; padding: 10px 12px; margin: 8px 0; }
.result h4 { margin: 0 0 4px; font-size: 1.05rem; } .result p { margin: 2px 0; }
.result .tag { color: #4a4a4a; font-size: 0.9rem; } a.tel { font-weight: 700; white-space: nowrap; }
"""


def results_html(hits) -> str:
    """Lookup results as cards (readable at 390 px): title, bureau, office, tap-to-call phones, match in words."""
    if not hits:
        return "<p>没有找到相关记录。可以换个说法，或输入电话号码、记录编号查找。</p>"
    best = max(float(h.score) for h in hits)
    exact = all(h.extra.get("match") for h in hits)   # found by phone number or record id
    out = []
    for n, h in enumerate(hits, 1):
        r = h.record
        offices = "、".join(dict.fromkeys(c.office for c in r.contacts if c.office)) or "、".join(r.offices) or r.bureau
        phones = "、".join(tel_link(p) for p in r.phones) or "（登记表未写电话）"
        out.append(f'<div class="result"><h4>{n}. {html.escape(r.title)}</h4>'
                   f'<p class="tag">{html.escape(r.bureau)}《{SECTION_NAMES.get(r.section, "")}》'
                   f'{("第" + html.escape(r.serial) + "项") if r.serial else ""}｜{"号码或编号相符" if exact else strength(float(h.score), best)}'
                   f'｜编号 {html.escape(r.id)}</p><p>承办：{html.escape(offices)}</p><p>电话：{phones}</p></div>')
    return "".join(out)


def build_staff(app_state) -> gr.Blocks:
    """The console for one app state (its .bot may be swapped by a publish)."""
    def handlers() -> Handlers:
        return Handlers(app_state.bot, app_state.store)

    with gr.Blocks(title="社保问答 · 窗口工作台", analytics_enabled=False) as demo:
        gr.Markdown("# 窗口工作台\n查询登记表记录、添加或更新登记表、处理市民反馈、查看咨询概况。")
        with gr.Tabs():
            with gr.Tab("窗口查询"):
                with gr.Row():
                    query = gr.Textbox(label="查询", placeholder="事项名称、关键词、电话号码或记录编号", scale=3,
                                       elem_id="lookup-query")
                    source = gr.Dropdown(handlers().region_choices(), value=ALL, label="单位", scale=2,
                                         elem_id="lookup-source")
                    section = gr.Dropdown(Handlers.section_choices(), value=ALL, label="登记表部分", scale=1)
                go = gr.Button("查询", variant="primary", elem_id="lookup-go")
                results = gr.HTML(elem_id="lookup-results")
                pick = gr.Dropdown([], label="查看记录全文", elem_id="lookup-pick", interactive=True)
                record = gr.Markdown(elem_id="record")
                to_copy = gr.Textbox(label="可直接复制的答复", lines=10, interactive=False, buttons=["copy"],
                                     elem_id="to-copy")

            with gr.Tab("登记表"):
                gr.Markdown("上传本单位的登记表（.docx、.xlsx、.txt、.pdf；.doc 需服务器装有 LibreOffice），先预览解析结果，"
                            "确认无误后发布；发布后市民咨询立即使用新的登记表，无需重启。")
                upload = gr.File(label="登记表文件", file_types=[".docx", ".xlsx", ".txt", ".pdf", ".doc", ".xls", ".wps"],
                                 type="filepath", elem_id="reg-file")
                with gr.Row():
                    slug = gr.Textbox(label="单位代码（小写字母，如 pingwu）", elem_id="reg-slug")
                    bureau = gr.Textbox(label="单位名称", elem_id="reg-bureau")
                    area = gr.Textbox(label="区号", placeholder="0816", elem_id="reg-area")
                with gr.Row():
                    province = gr.Textbox(label="省", elem_id="reg-province")
                    city = gr.Textbox(label="市", elem_id="reg-city")
                    county = gr.Textbox(label="县（区）", elem_id="reg-county")
                    places = gr.Textbox(label="市民常说的地名（用顿号分隔）", elem_id="reg-places")
                with gr.Row():
                    preview_btn = gr.Button("预览解析结果", elem_id="reg-preview")
                    publish_btn = gr.Button("发布", variant="primary", elem_id="reg-publish")
                reg_report = gr.Textbox(label="解析报告", lines=16, interactive=False, elem_id="reg-report")
                reg_status = gr.Markdown(elem_id="reg-status")

            with gr.Tab("市民反馈"):
                gr.Markdown("市民点了「没帮助」的问题。选出能回答它的记录（可多选），保存为评测样例；"
                            "不属于人社业务的，保存为「不属于人社业务」。")
                refresh = gr.Button("刷新", elem_id="fb-refresh")
                fb_pick = gr.Dropdown([], label="待处理的问题", elem_id="fb-pick")
                fb_answer = gr.Markdown(elem_id="fb-answer")
                fb_gold = gr.Dropdown([], multiselect=True, label="能回答它的记录（可直接输入记录编号）",
                                      elem_id="fb-gold", allow_custom_value=True)
                with gr.Row():
                    fb_save = gr.Button("保存为评测样例", variant="primary", elem_id="fb-save")
                    fb_oos = gr.Button("不属于人社业务", elem_id="fb-oos")
                fb_status = gr.Markdown(elem_id="fb-status")

            with gr.Tab("概览"):
                ov_refresh = gr.Button("刷新", elem_id="ov-refresh")
                ov_summary = gr.Markdown(elem_id="ov-summary")
                ov_daily = gr.BarPlot(x="日期", y="提问数", title="每日提问数", elem_id="ov-daily")
                ov_top = gr.BarPlot(x="事项", y="次数", title="问得最多的事项", elem_id="ov-top", x_label_angle=-40)
                ov_bureau = gr.BarPlot(x="单位", y="次数", title="各单位提问数", elem_id="ov-bureau")

        # -- 窗口查询 --
        def do_search(q, src, sec):
            h = handlers()
            hits = find(app_state.bot, q, h._source(src), h._section(sec), k=20)
            choices = [(f"{x.record.title}｜{x.record.bureau}", x.id) for x in hits]
            first = hits[0].id if hits else None
            md, copy = show(first) if first else ("", "")
            return results_html(hits), gr.update(choices=choices, value=first), md, copy

        def show(record_id):
            r = app_state.bot.index.get(record_id) if record_id else None
            if r is None:
                return "请选择一条记录。", ""
            return handlers().record(record_id)

        for trigger in (go.click, query.submit):
            trigger(do_search, [query, source, section], [results, pick, record, to_copy], api_visibility="private")
        pick.change(show, pick, [record, to_copy], api_visibility="private")

        # -- 登记表 --
        def form_source(s, b, a, p, c, co, pl):
            names = [x.strip() for x in (pl or "").replace("，", "、").replace(",", "、").split("、") if x.strip()]
            return Source(slug=(s or "").strip(), file="", bureau=(b or "").strip(), province=(p or "").strip(),
                          city=(c or "").strip(), county=(co or "").strip(), area_code=(a or "").strip(),
                          places=tuple(names))

        def do_preview(path, *fields):
            if not path:
                return "", "请先选择要上传的登记表文件。"
            src = form_source(*fields)
            try:
                records, warnings, diff = app_state.registry.preview(path, src)
                text = report(path, Source(**{**src.__dict__, "file": path}))
            except Exception as exc:  # a bad register is reported to the clerk, never raised
                return "", f"**不能使用这个文件**：{html.escape(str(exc))}"
            lines = [text, "", "与已发布的版本相比："]
            for key, label in (("added", "新增"), ("removed", "删除"), ("changed", "内容有变化")):
                lines.append(f"  {label} {len(diff[key])} 条" + (f"：{'、'.join(diff[key][:20])}" if diff[key] else ""))
            return "\n".join(lines), f"解析出 {len(records)} 条记录，{len(warnings)} 条警告。确认无误后点「发布」。"

        def do_publish(path, *fields):
            if not path:
                return "请先选择要上传的登记表文件。"
            try:
                n = app_state.publish(path, form_source(*fields))
            except Exception as exc:
                log.exception("publish failed")
                return f"**发布失败，原有登记表照常使用**：{html.escape(str(exc))}"
            return f"已发布：现在共 {n} 条记录，市民咨询已使用新的登记表。"

        fields = [slug, bureau, area, province, city, county, places]
        preview_btn.click(do_preview, [upload, *fields], [reg_report, reg_status], api_visibility="private")
        publish_btn.click(do_publish, [upload, *fields], reg_status, api_visibility="private")

        # -- 市民反馈 --
        def pending():
            rows = app_state.store.pending()
            return gr.update(choices=[(f"{x['question'][:40]}", x["id"]) for x in rows], value=None), "", \
                gr.update(choices=[], value=[]), f"待处理 {len(rows)} 条。"

        def fb_show(fid):
            row = app_state.store.feedback(fid) if fid else None
            if not row:
                return "", gr.update(choices=[], value=[])
            r = app_state.bot.index.get(row["record_id"]) if row["record_id"] else None
            answered = f"当时回答的是：**{html.escape(r.title)}**（{html.escape(r.bureau)}）" if r else "当时没有找到答案。"
            hits = app_state.bot.lookup(row["question"], source=row["region"] or None, k=10)
            choices = [(f"{h.record.title}｜{h.record.bureau}", h.id) for h in hits]
            return f"**问题**：{html.escape(row['question'])}\n\n{answered}", gr.update(choices=choices, value=[])

        def fb_store(fid, gold, oos=False):
            if not fid:
                return "请先选择一个问题。"
            if not oos and not gold:
                return "请选出能回答它的记录，或点「不属于人社业务」。"
            unknown = [g for g in gold or [] if app_state.bot.index.get(g) is None]
            if unknown and not oos:
                return f"没有这些记录：{'、'.join(html.escape(u) for u in unknown)}；请从列表中选，或输入正确的记录编号。"
            app_state.store.review(int(fid), [] if oos else list(gold))
            return "已保存为评测样例（`python -m eval feedback` 中可见）。"

        refresh.click(pending, None, [fb_pick, fb_answer, fb_gold, fb_status], api_visibility="private")
        fb_pick.change(fb_show, fb_pick, [fb_answer, fb_gold], api_visibility="private")
        fb_save.click(lambda f, g: fb_store(f, g), [fb_pick, fb_gold], fb_status, api_visibility="private")
        fb_oos.click(lambda f: fb_store(f, [], True), [fb_pick], fb_status, api_visibility="private")

        # -- 概览 --
        def overview():
            import pandas as pd
            q = app_state.store.questions()
            if not q:
                empty = pd.DataFrame({"日期": [], "提问数": []})
                return "还没有市民提问的记录。", empty, pd.DataFrame({"事项": [], "次数": []}), \
                    pd.DataFrame({"单位": [], "次数": []})
            df = pd.DataFrame(q)
            df["日期"] = df["ts"].str[:10]
            daily = df.groupby("日期").size().reset_index(name="提问数")
            nf = (df["kind"] == "text").mean()
            titles = df["record_id"].dropna().map(lambda i: getattr(app_state.bot.index.get(i), "title", i))
            top = titles.value_counts().head(10).rename_axis("事项").reset_index(name="次数")
            labels = df["region"].fillna("未指明").map(
                lambda s: app_state.bot.regions.label(s) if s in app_state.bot.regions.sources else s)
            per = labels.value_counts().rename_axis("单位").reset_index(name="次数")
            from collections import Counter
            fb = Counter(x["verdict"] for x in app_state.store.rows())
            fbs = "、".join(f"{'有帮助' if v == 'helpful' else '没帮助'} {n}" for v, n in sorted(fb.items())) or "暂无"
            summary = (f"共 {len(df)} 次提问；没有找到答案的占 {nf:.0%}；市民评价：{fbs}。")

            def plot(frame, column):   # bars from zero, whatever the counts
                return gr.update(value=frame, y_lim=[0, int(frame[column].max() if len(frame) else 0) + 1])
            return summary, plot(daily, "提问数"), plot(top, "次数"), plot(per, "次数")

        ov_refresh.click(overview, None, [ov_summary, ov_daily, ov_top, ov_bureau], api_visibility="private")
        demo.load(overview, None, [ov_summary, ov_daily, ov_top, ov_bureau], api_visibility="private")

        def lookup(query: str, source: str = "", section: str = "") -> list[list]:
            """Staff lookup: rows of [id, title, bureau, office, phones, score], best first. query: words, a
            phone number or a record id; source: a bureau slug or empty; section: service, power, duty,
            boundary, supervision or empty."""
            return handlers().lookup(query, source, section)

        gr.api(lookup, api_name="lookup")
    return demo
