"""The staff console's handlers called directly on the real bot (the server itself: tests/test_api.py)."""

import sqlite3

import gradio as gr
import pytest

from ui.feedback import FeedbackStore
from ui.handlers import ALL, Handlers, facts_from_form, inert, plain

# gradio's queue statistics use pandas options that pandas 3 deprecates; nothing of ours
pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")

FLEX = "灵活就业怎么参保？"
YAZHOU_OFFICE = "三亚市崖州区人力资源和社会保障管理中心"
YAZHOU_PHONE = "0898-88841728"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def h(bot, tmp_path):
    return Handlers(bot, FeedbackStore(tmp_path / "feedback.sqlite3"))


def test_feedback_path_follows_shebao_data(monkeypatch, tmp_path):
    monkeypatch.setenv("SHEBAO_DATA", str(tmp_path))
    store = FeedbackStore()
    store.add("社保卡 0898-88841728", None, "unhelpful")
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as con:
        (question, verdict), = con.execute("SELECT question, verdict FROM feedback").fetchall()
    assert verdict == "unhelpful" and question.startswith("社保卡 ") and "8884172" not in question  # masked
    with pytest.raises(ValueError, match="helpful, unhelpful"):
        store.add("x", None, "meh")


# -- 窗口查询 -------------------------------------------------------------------------------------
def test_lookup_rows_filtered_to_one_bureau(h):
    rows = h.lookup("劳动用工备案", "dingan", "")
    assert rows[0][:5] == ["dingan-service-7", "劳动用工备案", "定安县人力资源和社会保障局", "县劳动保障监察大队",
                           "0898-63827235"]
    assert all(r[2] == "定安县人力资源和社会保障局" for r in rows)
    assert [r[5] for r in rows] == sorted((r[5] for r in rows), reverse=True)


def test_lookup_section_filter(h):
    rows = h.lookup("社会保险", ALL, "service")
    assert rows and all("-service-" in r[0] for r in rows)


def test_lookup_rejects_unknown_filters_with_the_choices(h):
    with pytest.raises(gr.Error, match="dingan"):
        h.lookup("社保", "nowhere")
    with pytest.raises(gr.Error, match="supervision"):
        h.lookup("社保", "", "faq")


def test_search_shows_top_record_with_provenance_and_copy_text(h):
    view = h.search("劳动用工备案", "dingan", ALL)
    assert view.rows[0][0] == "dingan-service-7"
    assert "corpus/raw/dingan.txt 第" in view.record and "`dingan-service-7`" in view.record
    assert "县劳动保障监察大队" in view.plain and "0898-63827235" in view.plain
    assert "**" not in view.plain and "](tel:" not in view.plain and "corpus/raw" not in view.plain
    assert view.plain.endswith("依据：定安县人力资源和社会保障局《公共服务事项》第7项")


def test_search_with_no_results_says_what_to_do(h):
    view = h.search("   ", ALL, ALL)
    assert view.rows == [] and "全部" in view.record


def test_clicking_a_result_row_shows_that_record(h):
    rows = h.lookup("劳动用工备案", "dingan")
    md, text = h.pick(gr.SelectData(None, {"index": [1, 1], "value": rows[1][1], "row_value": rows[1]}))
    assert f"`{rows[1][0]}`" in md and text.startswith("您好！")


def test_record_by_id_and_unknown_id(h):
    md, text = h.record("yazhou-service-7")
    assert YAZHOU_PHONE in md and text.startswith("您好！灵活就业人员社保申报")
    assert h.record("nope-1")[0] == "请选择一条记录。"


# -- 资格自测 -------------------------------------------------------------------------------------
def test_form_fields_become_facts_and_unknowns_are_left_out():
    assert facts_from_form(60, 12.0, "否", "本省", "个体或灵活就业", "不清楚", None, "是") == {
        "age": 60, "years": 12, "student": False, "hukou": "本省", "employment": "个体或灵活就业", "certified": True}
    assert facts_from_form() == {}
    with pytest.raises(ValueError, match="年龄不能是负数"):
        facts_from_form(age=-1)


def test_check_shows_verdict_and_reason_per_rule(h):
    out = h.check(60, 12, "否", "本省", "个体或灵活就业", "否", 10, "是")
    assert "【不符合条件】按月领取城乡居民基本养老保险待遇" in out
    assert "补缴不足的3年" in out                          # 15 required years − 12 paid
    assert "【符合条件】用人单位30日内办理社会保险登记" in out  # 10 days ≤ 30
    assert "依据：三亚市崖州区人力资源和社会保障局「城乡居民基本养老保险待遇领取申请」" in out and "yazhou-service" not in out


def test_check_lists_what_is_still_needed(h):
    out = h.check(years=20)
    assert "【还需要了解】按月领取城乡居民基本养老保险待遇" in out and "您今年多大年龄（周岁）？" in out
    assert "不能是负数" in h.check(years=-3)


# -- API, helpers, the app object ----------------------------------------------------------------
def test_ask_returns_markdown_without_live_html(h):
    assert YAZHOU_PHONE in h.ask(FLEX)
    assert "<script" not in h.ask(SCRIPT)


def test_inert_and_plain():
    assert inert("> 引用 <b>x</b>") == "> 引用 &lt;b>x&lt;/b>"  # blockquotes keep working, tags do not
    assert plain("### 标题\n\n**电话**：[0898-1](tel:08981)\n\n> 原文 &lt;x&gt;") == "标题\n\n电话：0898-1\n\n原文 <x>"
