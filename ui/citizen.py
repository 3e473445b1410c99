"""What a citizen sees for one answer, as data for the page (ui/static/app.js) and the JSON API: the verdict
first when the question was about eligibility, then what to act on (事项, 承办机构, tap-to-call 电话), then the
conditions as the register writes them, then the source in words. No record ids or file paths."""

from __future__ import annotations

import html
from bot.cards import HOTLINE
from corpus.records import SECTION_NAMES, Record
from ui.render import md_html, tel_link, text_html

VERDICT = {"eligible": ("ok", "符合条件"), "ineligible": ("no", "不符合条件"), "need_info": ("ask", "还需要了解")}
SHORT = 160  # characters of conditions shown open; longer ones are folded (tap to open)
ACTIONABLE = ("service", "power")


def source_words(r: Record) -> str:
    """「来源：三亚市崖州区人力资源和社会保障局公开的《公共服务事项》第10项」."""
    where = f"第{r.serial}项" if r.serial and r.serial.isdigit() else ""
    return f"来源：{r.bureau}公开的《{SECTION_NAMES.get(r.section, '登记表')}》{where}"


def _conditions(r: Record) -> str:
    if r.section in ACTIONABLE:
        return r.content
    if r.section == "duty":
        return "\n".join([r.title] + [i.text + (f"（{i.remark}）" if i.remark else "") for i in r.items])
    if r.section == "boundary":
        return "\n".join(f"{d.name}：{d.division}" for d in r.departments)
    return "\n".join(f"{p.heading}：{p.text}" for p in r.parts) or r.content


def record_html(r: Record, bot) -> str:
    """One record as a card a citizen can act on. A duty (a long sentence) is headed by its bureau's duty."""
    heading = r.title if r.section != "duty" or len(r.title) <= 30 else f"{r.bureau}的职责"
    out = [f'<h3 class="title">{html.escape(heading)}</h3>']
    if r.category:
        out.append(f'<p class="category">{html.escape(r.category)}</p>')
    offices = [c.office for c in r.contacts if c.office] or r.offices or [r.bureau]
    phones = r.phones
    phone_label = "电话"
    if not phones:
        phones, phone_label = bot.bureau_phones(r.source), "咨询电话"
    rows = [("承办机构", html.escape("、".join(dict.fromkeys(offices))))]
    rows.append((phone_label, "、".join(tel_link(p) for p in phones) if phones
                 else f"登记表未写电话，请拨打 {tel_link(HOTLINE)}"))
    if r.channel:
        rows.append(("办理地点", html.escape(r.channel)))
    if r.time_limit:
        rows.append(("时限", html.escape(r.time_limit)))
    out.append('<dl class="act">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>")
    cond = _conditions(r)
    if cond:
        own = r.extra.get("content_label") if r.extra else None
        label = f"{own}（登记表原文）" if own else \
            "办理条件和材料（登记表原文）" if r.section == "service" else "登记表原文"
        opened = " open" if len(cond) <= SHORT else ""
        out.append(f'<details class="conditions"{opened}><summary>{label}</summary>{text_html(cond)}</details>')
    if r.complaint_phones:
        out.append(f'<p class="complaint">监督投诉电话：{"、".join(tel_link(p) for p in r.complaint_phones)}</p>')
    out.append(f'<p class="source">{html.escape(source_words(r))}</p>')
    return "".join(out)


def verdict_html(v: dict) -> str:
    cls, label = VERDICT.get(v.get("verdict"), ("ask", "说明"))
    out = [f'<div class="verdict {cls}"><p class="label"><strong>{label}</strong>'
           f'{html.escape(v.get("name") or "")}</p>', text_html(v.get("reason") or "")]
    asks = v.get("missing") or []
    if v.get("verdict") == "need_info" and asks:
        out.append("<p>还需要了解：</p><ul>" + "".join(f"<li>{html.escape(str(a))}</li>" for a in asks) + "</ul>")
    out.append("</div>")
    return "".join(out)


def view(ans, bot, session_region: str | None = None) -> dict:
    """The page's view of one `bot.Answer` (from `bot`, whose index and regions it reads): {"kind", "html", "related": [{"title", "question"}], "clarify":
    {"text", "regions": [{"slug", "label"}]} | None, "region"}. kind: answer | verdict | clarify | text."""
    index, regions = bot.index, bot.regions
    verdicts = [v.to_dict() if hasattr(v, "to_dict") else dict(v) for v in ans.eligibility]
    shown = [v for v in verdicts if v.get("verdict") in VERDICT]
    top = index.get(ans.cited[0]) if ans.cited else None
    region = ans.region or session_region
    parts: list[str] = [verdict_html(v) for v in shown]
    clarify = None
    if ans.clarify and not region:
        seen, entries = set(), []
        for h in ans.hits[:6]:
            r = h.record
            if r.source in seen or r.source not in regions.sources:
                continue
            seen.add(r.source)
            phones = r.phones or bot.bureau_phones(r.source)
            title = r.title if len(r.title) <= 30 else r.title[:28] + "……"
            entries.append(f'<li><strong>{html.escape(regions.label(r.source))}</strong>：{html.escape(title)}，'
                           f'{html.escape((r.offices or [r.bureau])[0])}'
                           + (f'，{tel_link(phones[0])}' if phones else "") + "</li>")
        parts.append('<p>以下地区的登记表有相关内容，承办机构和电话：</p><ul class="by-region">' + "".join(entries)
                     + "</ul>" if entries else md_html(ans.answer))
        clarify = {"text": "请问您在哪个地区办理？选择后给出当地登记表写的办理条件和材料。",
                   "regions": [{"slug": s, "label": regions.label(s)} for s in regions.sources]}
        kind = "clarify"
    elif top is not None and not ans.out_of_scope:
        parts.append(record_html(top, bot))
        kind = "verdict" if shown else "answer"
    elif shown:
        kind = "verdict"
    else:
        parts.append(md_html(ans.answer))
        kind = "text"
    related = []
    if kind in ("answer", "verdict") and top is not None:
        for h in ans.hits[1:]:
            r = h.record
            if r.id != top.id and r.source == top.source and r.section in ACTIONABLE and r.title != top.title \
                    and r.title not in [x["title"] for x in related]:
                related.append({"title": r.title, "question": f"{r.title}怎么办理？"})
            if len(related) == 3:
                break
    return {"kind": kind, "html": "".join(parts), "related": related, "clarify": clarify, "region": region}
