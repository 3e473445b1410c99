"""Answer text (markdown) built only from a record's own fields: one layout per register part."""

from __future__ import annotations

import re

from corpus.records import SECTION_NAMES, Record

HOTLINE = "12333"
_PART_ORDER = (("object", "检查对象"), ("content", "检查内容"), ("method", "检查方式与时间"),
               ("measures", "检查措施"), ("procedure", "检查程序"), ("handling", "未通过或违规的处理"))


def tel(phone: str) -> str:
    return f"[{phone}](tel:{phone.replace('-', '')})"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines() if line.strip())


def _md(text: str) -> str:
    """Register text is trusted, but keep any angle brackets inert."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def source_line(r: Record) -> str:
    """The source in words a citizen understands: bureau, register part, item number (no ids or file paths;
    those are the staff console's `provenance`)."""
    where = f"第{r.serial}项" if r.serial else ""
    return f"来源：{r.bureau}公开的《{SECTION_NAMES[r.section]}》{where}"


def provenance(r: Record) -> str:
    """Where a record is in the raw register, for staff: file, lines and record id."""
    return f"出处：{r.file} 第{r.lines[0]}–{r.lines[1]}行（记录 `{r.id}`）"


def card(r: Record) -> str:
    out = [f"### {_md(r.title)}", f"**{r.bureau}**"]
    if r.section in ("service", "power"):
        label = "事项" if r.section == "service" else "职权名称"
        out.append(f"**{label}**：{_md(r.title)}" + (f"（{_md(r.category)}）" if r.category else ""))
        if r.content:
            what = "办理条件 / 所需材料 / 流程" if r.section == "service" else "行使内容"
            out += [f"**{what}**（登记表原文）：", _quote(_md(r.content))]
        if r.basis:
            basis = r.basis if len(r.basis) <= 200 else r.basis[:200] + "……（全文见登记表）"
            out += ["**依据**：", _quote(_md(basis))]
        if r.time_limit:
            out.append(f"**时限**：{_md(r.time_limit)}")
        if r.channel:
            out.append(f"**办理 / 公开渠道**：{_md(r.channel)}")
        for c in r.contacts:
            phones = "、".join(tel(p) for p in c.phones) or f"（登记表未写电话，可拨打 {tel(HOTLINE)} 咨询）"
            out.append(f"**承办机构**：{_md(c.office) or r.bureau}　**电话**：{phones}")
        if not r.contacts:
            out.append(f"**承办机构**：{r.bureau}　**电话**：（登记表未写电话，可拨打 {tel(HOTLINE)} 咨询）")
        if r.complaint_phones:
            out.append(f"**监督投诉电话**：{'、'.join(tel(p) for p in r.complaint_phones)}")
    elif r.section == "duty":
        out.append(f"**部门职责**：{_md(r.title)}")
        for i in r.items:
            handled = re.sub(r"^此项由(.+)承担$", r"实际由\1承担", i.remark) if i.remark else ""
            out.append(f"- {_md(i.text)}" + (f"（{_md(handled)}）" if handled else ""))
        out.append(f"**负责部门**：{r.bureau}" + ("；备注中写明的单位实际承办对应事项" if any(i.remark for i in r.items) else ""))
    elif r.section == "boundary":
        out.append(f"**管理事项**：{_md(r.title)}")
        for d in r.departments:
            out.append(f"- **{_md(d.name)}**：{_md(d.division)}")
        bases = list(dict.fromkeys(d.basis for d in r.departments if d.basis))
        if bases:
            out += ["**相关依据**：", _quote(_md("\n".join(bases)))]
        cases = [d.case for d in r.departments if d.case]
        if cases:
            out += ["**案例**：", _quote(_md(cases[0]))]
    else:
        out.append(f"**监管事项**：{_md(r.title)}")
        if r.content:
            out.append(_md(r.content))
        for key, label in _PART_ORDER:
            text = r.part(key)
            if text:
                out.append(f"**{label}**：\n{_quote(_md(text))}")
    out.append(source_line(r))
    return "\n\n".join(out)


def short_line(r: Record, label: str) -> str:
    phones = "、".join(tel(p) for p in r.phones[:2])
    office = r.contacts[0].office if r.contacts and r.contacts[0].office else r.bureau
    return f"- **{label}**：{_md(r.title)}，{_md(office)}" + (f"，电话 {phones}" if phones else "") + f"（`{r.id}`）"


def other_place(place: str, covered: str) -> str:
    """The answer to a question about a place no register covers: say which places we cover, point to 12333."""
    return (f"这里收录的是{covered}等地人社部门公开的登记表，没有{place}的。{place}的人社业务请拨打人社服务热线 "
            f"**[{HOTLINE}](tel:{HOTLINE})**（在当地拨打即接通当地），或到当地人社部门咨询办理。")


def not_in_region(label: str, bureau: str, elsewhere: str, phones: list[str]) -> str:
    """The answer when the chosen bureau's register lists no service for the matter and another bureau's does:
    say so, show where it is listed (`elsewhere`, a `short_line`), and whom to call here (`phones`) or 12333."""
    call = f"{bureau}咨询电话 {'、'.join(tel(p) for p in phones)}，或" if phones else ""
    return (f"{label}（{_md(bureau)}）公开的登记表里没有找到这项服务。其他地区的登记表里有：\n\n{elsewhere}\n\n"
            f"您在{label}办理的话，请先电话确认：{call}拨打人社服务热线 **[{HOTLINE}](tel:{HOTLINE})**。")


def not_found(extra: str = "") -> str:
    return (f"没有找到与您的问题对应的人社服务事项{extra}。这可能不属于人力资源和社会保障部门的业务；"
            f"如需帮助，请拨打人社服务热线 **[{HOTLINE}](tel:{HOTLINE})** 咨询。")
