"""The JSON API (/api/v1) and the edge limits, on the real server over HTTP."""

import json

import httpx
import pytest

from bot.text import MAX_CHARS
from tests.conftest import STAFF

FLEX = "灵活就业怎么参保？"
YAZHOU_OFFICE = "三亚市崖州区人力资源和社会保障管理中心"
YAZHOU_PHONE = "0898-88841728"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def api(ui_url):
    with httpx.Client(base_url=ui_url, timeout=60) as c:
        yield c


def ask(api, question, state=None, region=None):
    r = api.post("/api/v1/ask", json={"question": question, "state": state, "region": region})
    assert r.status_code == 200, r.text
    return r.json()


def test_answer_leads_with_office_and_tap_to_call_phone(api):
    d = ask(api, FLEX)
    assert d["cited"] == ["yazhou-service-7"] and d["view"]["kind"] == "answer"
    html = d["view"]["html"]
    assert html.index(YAZHOU_OFFICE) < html.index("办理条件和材料")   # what to act on comes first
    assert f'<a class="tel" href="tel:089888841728">{YAZHOU_PHONE}</a>' in html
    assert "yazhou-service-7" not in html and "corpus/raw" not in html  # no ids or paths for citizens
    assert "来源：三亚市崖州区人力资源和社会保障局公开的《公共服务事项》第7项" in html


def test_state_travels_with_the_client_across_turns(api):
    first = ask(api, "我在定安，劳动用工备案要带什么？")
    assert first["region"] == "dingan" and first["state"]["region"] == "dingan"
    assert "0898-63827235" in first["view"]["html"]
    assert len(json.dumps(first["state"], ensure_ascii=False)) < 4000  # records stay on the server
    second = ask(api, "工伤认定要什么材料", state=first["state"])   # no place named: 定安 is remembered
    # dingan-duty-4 lists 「执行工伤预防、认定和康复政策」 (the independent writers' gold for 工伤认定)
    assert second["cited"] == ["dingan-duty-4"] and second["state"]["turns"] == 2


def test_clarify_offers_regions_and_a_chosen_region_answers(api):
    d = ask(api, "欠薪投诉")                               # 洪江 and 定安 both have this service
    assert d["view"]["kind"] == "clarify"
    assert [r["slug"] for r in d["view"]["clarify"]["regions"]] == ["yazhou", "dingan", "yangpu", "hongjiang",
                                                                    "lingao"]
    again = ask(api, "欠薪投诉", state=d["state"], region="dingan")
    assert again["view"]["kind"] == "answer" and again["cited"] == ["dingan-service-5"]


def test_citizen_text_is_never_markup(api):
    d = ask(api, SCRIPT + FLEX)
    assert "<script" not in d["view"]["html"] and "<script" not in d["answer"]
    links = ask(api, "[点这里](http://evil.example) ![](http://evil.example/x.png) www.evil.example 你好")
    assert "http://" not in links["view"]["html"].replace("&quot;", "") or "href=\"http" not in links["view"]["html"]
    assert "<img" not in links["view"]["html"] and 'href="http' not in links["view"]["html"]


def test_long_question_is_cut_with_a_note_and_empty_asks_for_one(api):
    d = ask(api, "灵活就业" * 200)                         # 800 characters
    assert len(d["question"]) == MAX_CHARS and f"只按前{MAX_CHARS}字回答" in d["answer"]
    assert "请先输入" in ask(api, "   ")["view"]["html"]


def test_bad_input_gets_a_chinese_message(api):
    r = api.post("/api/v1/ask", json={"question": "x" * 3000})
    assert r.status_code == 422 and "请求内容不符合要求" in r.json()["detail"]
    r = api.post("/api/v1/ask", json={"question": FLEX, "region": "nowhere"})
    assert r.status_code == 422 and "不是已收录的单位" in r.json()["detail"]
    r = api.post("/api/v1/ask", json={"question": FLEX, "state": {"turns": "many"}})
    assert r.status_code == 422 and "新的咨询" in r.json()["detail"]
    r = api.post("/api/v1/ask", json={"question": FLEX, "state": {"region": "beijing"}})
    assert r.status_code == 422 and "地区" in r.json()["detail"]


def test_bodies_and_uploads_are_bounded(api):
    r = api.post("/api/v1/ask", content=b"{" + b" " * 70_000 + b"}", headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "太大" in r.json()["detail"]
    r = api.post("/gradio_api/upload", files={"files": ("x.txt", b"hello")})
    assert r.status_code == 403


def test_feedback_once_per_answer_and_masked(api, app_state):
    d = ask(api, "我手机13812345678，" + FLEX)
    ok = api.post("/api/v1/feedback", json={"turn": d["turn"], "verdict": "helpful"})
    assert ok.status_code == 200 and "已记录" in ok.json()["message"]
    again = api.post("/api/v1/feedback", json={"turn": d["turn"], "verdict": "unhelpful"})
    assert again.status_code == 409 and "已经评价过" in again.json()["detail"]
    forged = api.post("/api/v1/feedback", json={"turn": "eyJxIjoiaGkifQ.0000", "verdict": "unhelpful"})
    assert forged.status_code == 400
    rows = [r for r in app_state.store.rows() if "138" in r["question"]]
    assert [(r["question"], r["record_id"], r["verdict"]) for r in rows] == [
        ("我手机138****5678，" + FLEX, "yazhou-service-7", "helpful")]


def test_questions_are_logged_masked_for_the_overview(api, app_state):
    ask(api, "身份证110101199003071234丢了怎么办")
    logged = [q for q in app_state.store.questions() if q["question"].startswith("身份证")]
    assert logged and "1990" not in logged[-1]["question"]


def test_self_check_blank_is_unknown(api):
    r = api.post("/api/v1/check", json={"age": 60, "years": 12, "hukou": "本省", "employment": "个体或灵活就业"})
    assert r.status_code == 200 and "按月领取城乡居民基本养老保险待遇" in r.json()["markdown"]
    assert "<script" not in r.json()["html"]
    assert api.post("/api/v1/check", json={"age": 131}).status_code == 422


def test_lookup_needs_a_staff_account_and_finds_by_phone_and_id(api):
    assert api.get("/api/v1/lookup", params={"q": "劳动用工备案"}).status_code == 401
    auth = httpx.BasicAuth(*STAFF)
    by_phone = api.get("/api/v1/lookup", params={"q": "0898-63827235"}, auth=auth).json()
    both = ["dingan-service-5", "dingan-service-7"]     # the two 定安 services on 县劳动保障监察大队's line
    assert [x["id"] for x in by_phone] == both
    assert [x["id"] for x in api.get("/api/v1/lookup", params={"q": "63827235"}, auth=auth).json()] == both
    by_id = api.get("/api/v1/lookup", params={"q": "yazhou-service-7"}, auth=auth).json()
    assert [x["id"] for x in by_id] == ["yazhou-service-7"]


def test_openapi_page_health_and_regions(api):
    spec = api.get("/api/v1/openapi.json").json()
    assert {"/api/v1/ask", "/api/v1/check", "/api/v1/feedback", "/api/v1/lookup"} <= set(spec["paths"])
    docs = api.get("/api/docs")
    assert docs.status_code == 200 and "POST /api/v1/ask" in docs.text and "cdn" not in docs.text.lower()
    assert api.get("/api/v1/health").json() == {"status": "ok", "records": 163, "regions": 5}
    assert [r["slug"] for r in api.get("/api/v1/regions").json()] == ["yazhou", "dingan", "yangpu", "hongjiang",
                                                                     "lingao"]


def test_gradio_ask_keeps_its_signature(ui_url):
    from gradio_client import Client
    client = Client(ui_url, verbose=False)
    answer = client.predict(FLEX, "", api_name="/ask")
    assert YAZHOU_PHONE in answer and YAZHOU_OFFICE in answer
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {"/ask"}


def test_staff_console_needs_a_login_and_serves_lookup(ui_url):
    from gradio_client import Client
    with pytest.raises(Exception):
        Client(ui_url + "/staff/", verbose=False)
    client = Client(ui_url + "/staff/", auth=STAFF, verbose=False)
    rows = client.predict("劳动用工备案", "dingan", "service", api_name="/lookup")
    assert rows[0][0] == "dingan-service-7" and rows[0][4] == "0898-63827235"


def test_feedback_store_keeps_ratings_when_the_database_is_broken(tmp_path):
    from ui.feedback import FeedbackStore
    db = tmp_path / "feedback.sqlite3"
    db.write_bytes(b"this is not a database" * 100)          # corrupt (the same path as read-only, full, locked)
    store = FeedbackStore(db)
    assert store.check() is not None and "SHEBAO_DATA" in store.check()
    assert store.add("第二条 13812345678", None, "unhelpful") is None   # not stored in the database …
    kept = [json.loads(x) for x in (tmp_path / "feedback-fallback.jsonl").read_text(encoding="utf-8").splitlines()]
    assert kept[-1]["values"]["question"] == "第二条 138****5678"   # … but kept, masked, in the fallback file


def test_an_id_number_sent_as_a_region_is_never_echoed(api, caplog):
    r = api.post("/api/v1/ask", json={"question": "社保卡", "region": "110101199003071234"})
    assert r.status_code == 422 and "199003071234" not in r.text and "不是已收录的单位" in r.json()["detail"]


def test_a_body_that_is_not_json_says_so(api):
    r = api.post("/api/v1/ask", content=b'{"question": ', headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"] == "请求内容不是有效的 JSON，请检查后重试。"


@pytest.mark.parametrize("question", ["工伤认定", "社会保险登记", "失业了怎么办", "养老金", "劳动仲裁"])
def test_a_clarifying_answer_is_never_empty(api, question):
    d = ask(api, question)
    assert d["view"]["html"].strip() and "<li>" in d["view"]["html"] or d["view"]["kind"] != "clarify"
