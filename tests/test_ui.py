"""The app's handlers called directly on the real bot, then the real server through gradio_client."""

import logging
import sqlite3

import gradio as gr
import pytest

from bot import Session
from bot.text import MAX_CHARS
from ui.app import build_app
from ui.feedback import FeedbackStore
from ui.handlers import ALL, OOPS, Handlers, facts_from_form, inert, plain

# gradio's queue statistics use pandas options that pandas 3 deprecates; nothing of ours
pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")

FLEX = "灵活就业怎么参保？"
YAZHOU_OFFICE = "三亚市崖州区人力资源和社会保障管理中心"
YAZHOU_PHONE = "0898-88841728"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def h(bot, tmp_path):
    return Handlers(bot, FeedbackStore(tmp_path / "feedback.sqlite3"))


# -- 市民咨询 -------------------------------------------------------------------------------------
def test_chat_answers_with_office_and_tap_to_call_phone(h):
    view = h.chat(FLEX)
    assert [m["role"] for m in view.history] == ["user", "assistant"]
    assert view.history[0]["content"] == FLEX
    answer = view.history[1]["content"]
    assert YAZHOU_OFFICE in answer
    assert f"[{YAZHOU_PHONE}](tel:089888841728)" in answer
    assert view.turn["record"] == "yazhou-service-7"     # the register's 灵活就业人员社保申报 entry
    assert view.box == "" and view.clarify == ""


def test_chat_keeps_history_and_session_across_turns(h):
    first = h.chat(FLEX)
    second = h.chat("社保卡丢了怎么补办？", first.history, first.session, first.region, first.turn)
    assert len(second.history) == 4                       # two turns, a question and an answer each
    assert second.session is first.session and second.session.turns == 2


def test_a_place_named_in_the_question_sets_the_region_selector(h):
    view = h.chat("我在定安，劳动用工备案要带什么？")
    assert view.region == "dingan"
    assert view.session.region == "dingan"
    assert "0898-63827235" in view.history[-1]["content"]  # 定安县劳动保障监察大队


def test_the_region_selector_restricts_answers(h):
    view = h.chat("社会保险登记怎么办？", region="yangpu")
    assert view.region == "yangpu"
    assert view.turn["record"].startswith("yangpu-")


def test_clarifying_question_shown_and_choosing_a_region_answers_it(h):
    view = h.chat("工伤认定")                              # 洋浦 and 定安 both register it
    assert "请问您在哪个地区办理" in view.clarify
    assert view.turn["clarify"] is True and view.region == ALL
    again = h.pick_region("dingan", view.history, view.session, view.turn)
    assert again.clarify == "" and again.region == "dingan"
    assert again.turn["record"] == "dingan-boundary-13"
    assert len(again.history) == 4                        # the question asked again for 定安, and its answer


def test_choosing_all_clears_the_region_without_asking_again(h):
    view = h.chat("我在定安，劳动用工备案要带什么？")
    after = h.pick_region(ALL, view.history, view.session, view.turn)
    assert after.session.region is None and after.region == ALL
    assert after.history == view.history


def test_user_text_is_shown_as_text_never_html(h):
    view = h.chat(SCRIPT + FLEX)
    shown = view.history[0]["content"]
    assert "<" not in shown and "&lt;script&gt;" in shown
    assert "<script" not in view.history[1]["content"]
    assert "\\*\\*" in h.chat("**加粗**").history[0]["content"]  # markdown marks typed by a citizen stay literal


def test_long_question_is_cut_with_a_note(h):
    view = h.chat("灵活就业" * 200)                        # 800 characters
    assert view.history[0]["content"].endswith("……")
    assert len(view.history[0]["content"]) == MAX_CHARS + 2
    assert f"只按前{MAX_CHARS}字回答" in view.history[1]["content"]


def test_empty_question_asks_for_one(h):
    view = h.chat("   ")
    assert view.history == [] and "请先输入" in view.status


def test_new_chat_starts_a_fresh_session(h):
    view = h.new_chat()
    assert view.history == [] and view.session == Session() and view.region == ALL and view.turn is None


def test_no_exception_reaches_the_screen(h, monkeypatch, caplog):
    def boom(*a, **k):
        raise RuntimeError("index on fire")
    monkeypatch.setattr(h.bot, "answer", boom)
    with caplog.at_level(logging.ERROR, logger="shebao.ui"):
        view = h.chat(FLEX)
        api = h.ask(FLEX)
    assert view.history[-1]["content"] == OOPS and "12333" in OOPS
    assert api == OOPS
    assert "index on fire" in caplog.text                 # the traceback is logged, not shown


def test_a_failed_re_ask_after_choosing_a_region_keeps_the_chat(h, monkeypatch):
    view = h.chat("工伤认定")
    monkeypatch.setattr(h.bot, "answer", lambda *a, **k: 1 / 0)
    after = h.pick_region("dingan", view.history, view.session, view.turn)
    assert after.history[:2] == view.history              # earlier turns kept
    assert after.history[2:] == [{"role": "user", "content": "工伤认定"}, {"role": "assistant", "content": OOPS}]
    monkeypatch.setattr(h, "chat", lambda *a, **k: 1 / 0)  # even a failure outside chat() stays friendly
    failed = h.pick_region("dingan", view.history, view.session, view.turn)
    assert failed.history == view.history and failed.status == OOPS


# -- feedback -------------------------------------------------------------------------------------
def test_feedback_is_stored_masked_once_per_answer(h):
    view = h.chat("我手机13812345678，" + FLEX)
    status, turn = h.helpful(view.turn)
    assert "已记录" in status and turn["rated"]
    assert "已经评价过" in h.unhelpful(turn)[0]             # a second click on the same answer is not stored
    rows = h.feedback.rows()
    assert len(rows) == 1
    row = rows[0]
    assert row["question"] == "我手机138****5678，" + FLEX
    assert (row["record_id"], row["verdict"], row["region"]) == ("yazhou-service-7", "helpful", None)  # no place named
    assert row["ts"].endswith("+00:00")


def test_feedback_before_any_question(h):
    assert "请先提问" in h.unhelpful(None)[0]
    assert h.feedback.rows() == [] and not h.feedback.path.exists()


def test_feedback_path_follows_shebao_data(monkeypatch, tmp_path):
    monkeypatch.setenv("SHEBAO_DATA", str(tmp_path))
    store = FeedbackStore()
    store.add("社保卡 0898-88841728", None, "unhelpful")
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as con:
        assert con.execute("SELECT question, verdict FROM feedback").fetchall() == [("社保卡 ***********28", "unhelpful")]
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
    assert "`yazhou-service-16`" in out


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


def test_build_app_exposes_only_ask_and_lookup(bot, tmp_path):
    demo = build_app(bot, FeedbackStore(tmp_path / "f.sqlite3"))
    public = sorted(f.api_name for f in demo.fns.values() if f.api_visibility == "public")
    assert public == ["ask", "lookup"]
    assert demo._queue.default_concurrency_limit >= 1


# -- the real server through gradio_client -------------------------------------------------------
@pytest.fixture(scope="module")
def server(ui_url):
    return ui_url


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client
    return Client(server, verbose=False)


def test_server_binds_loopback(server):
    assert server.startswith("http://127.0.0.1:")


def test_api_ask_returns_the_phone(client):
    answer = client.predict(FLEX, api_name="/ask")
    assert YAZHOU_PHONE in answer and YAZHOU_OFFICE in answer


def test_api_ask_never_returns_a_live_script(client):
    answer = client.predict(f"{SCRIPT}灵活就业怎么参保？", api_name="/ask")
    assert "<script" not in answer.lower()
    assert "<script" not in client.predict(SCRIPT, api_name="/ask").lower()


def test_api_lookup_with_filters(client):
    rows = client.predict("劳动用工备案", "dingan", "service", api_name="/lookup")
    assert rows[0][0] == "dingan-service-7" and rows[0][4] == "0898-63827235"


def test_api_page_lists_the_named_endpoints(client):
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {"/ask", "/lookup"}
