"""The real server driven by Debian's chromium through selenium at a phone's size (390×844) and a desktop's
(1280×900), asserting what a person sees. Screenshots go to eval/reports/screens/ (git-ignored; copies of
them are in docs/). The driver path is given explicitly, so nothing is downloaded."""

import re
import tempfile
from pathlib import Path

import pytest

from tests.conftest import STAFF

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENS = Path(__file__).resolve().parents[1] / "eval" / "reports" / "screens"
FIX = Path(__file__).resolve().parent / "fixtures" / "registers"
WAIT_S = 40
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
RECORD_ID = re.compile(r"\b[a-z]+-(service|power|duty|boundary|supervision)-\d+\b")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's chromium is not installed (apt-get install -y chromium chromium-driver)"),
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),
]


@pytest.fixture(scope="module")
def chrome():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="shebao-chromium-") as profile:
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", f"--user-data-dir={profile}", "--lang=zh-CN", "--window-size=1280,900"):
            options.add_argument(arg)
        d = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield d
        finally:
            d.quit()


@pytest.fixture(params=list(SIZES))
def driver(chrome, request):
    """The browser at one size: the viewport exactly that size (device metrics, as a phone has)."""
    w, h = SIZES[request.param]
    chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": request.param == "phone"})
    chrome.size_name = request.param
    yield chrome
    chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def shot(driver, name: str) -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}-{driver.size_name}.png"
    driver.save_screenshot(str(path))
    return path


def wait_for(driver, condition, message: str):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, WAIT_S).until(condition, message)


def fresh_page(driver, url: str) -> None:
    driver.get(url + "/")
    driver.execute_script("localStorage.clear()")
    driver.get(url + "/")
    wait_for(driver, lambda d: len(d.find_elements("css selector", "#region option")) > 1, "regions not loaded")


def ask(driver, question: str) -> object:
    from selenium.webdriver.common.by import By
    n = len(driver.find_elements(By.CSS_SELECTOR, "article.a"))
    box = driver.find_element(By.ID, "question")
    box.clear()
    box.send_keys(question)
    driver.find_element(By.ID, "send").click()
    wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "article.a")) > n, f"no answer to {question}")
    return driver.find_elements(By.CSS_SELECTOR, "article.a")[-1]


def in_viewport(driver, element) -> bool:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;", element)


def test_answer_office_and_phone_are_in_the_first_viewport(driver, ui_url):
    from selenium.webdriver.common.by import By
    fresh_page(driver, ui_url)
    assert driver.execute_script("return window.scrollY") == 0      # the page opens at its top
    shot(driver, "1-citizen-start")
    answer = ask(driver, "灵活就业怎么参保？")
    office = answer.find_element(By.XPATH, ".//dd[contains(., '三亚市崖州区人力资源和社会保障管理中心')]")
    tel = answer.find_element(By.CSS_SELECTOR, "a[href='tel:089888841728']")
    assert in_viewport(driver, office) and in_viewport(driver, tel)
    assert tel.text == "0898-88841728"
    shot(driver, "2-citizen-answer")


def test_nothing_covers_the_question_box(driver, ui_url):
    from selenium.webdriver.common.by import By
    fresh_page(driver, ui_url)
    box = driver.find_element(By.ID, "question")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    covered = driver.execute_script(
        "const b = arguments[0], r = b.getBoundingClientRect(), out = [];"
        "for (const [x, y] of [[r.left + 6, r.top + 6], [r.left + 30, r.top + 12], [r.right - 8, r.top + 8],"
        "                      [r.left + 8, r.bottom - 8]]) {"
        "  const e = document.elementFromPoint(x, y); if (e !== b) out.push(e && e.outerHTML.slice(0, 60)); }"
        "return out;", box)
    assert covered == []


def test_citizen_view_has_no_ids_paths_or_english(driver, ui_url):
    fresh_page(driver, ui_url)
    for q in ("灵活就业怎么参保？", "工伤认定", "我60岁了，交了12年，能领养老金吗？", "护照过期了怎么续签"):
        ask(driver, q)
    text = driver.execute_script("return document.body.innerText")
    assert not RECORD_ID.search(text) and "corpus/" not in text and ".txt" not in text
    assert driver.execute_script("return document.documentElement.lang") == "zh-CN"
    assert re.findall(r"[A-Za-z]{2,}", text) == []                   # no English words anywhere visible
    labels = driver.execute_script(
        "return [...document.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label'))")
    assert labels and not any(re.search(r"[A-Za-z#*]", x) for x in labels)
    shot(driver, "3-citizen-dialogue")


def test_the_eligibility_verdict_comes_first(driver, ui_url):
    from selenium.webdriver.common.by import By
    fresh_page(driver, ui_url)
    answer = ask(driver, "我今年61岁，城乡居民养老保险交了16年，能按月领养老金吗？")
    first = answer.find_element(By.CSS_SELECTOR, ":scope > *")
    assert "verdict" in first.get_attribute("class") and "符合条件" in first.text


def test_new_consultation_forgets_the_facts_and_reload_keeps_the_dialogue(driver, ui_url):
    from selenium.webdriver.common.by import By
    fresh_page(driver, ui_url)
    ask(driver, "我今年61岁，城乡居民养老保险交了16年，能按月领养老金吗？")
    driver.refresh()                                                # a reload keeps the conversation
    wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "article.a")) == 1, "dialogue lost on reload")
    driver.find_element(By.ID, "new").click()
    assert driver.find_elements(By.CSS_SELECTOR, "article.a") == []
    assert driver.execute_script("return JSON.parse(localStorage.getItem('shebao.dialogue.v1')).state") is None
    answer = ask(driver, "能按月领养老金吗？")
    assert "还需要了解" in answer.text                              # the cleared age and years are not used


def test_elder_mode_enlarges_text_and_is_remembered(driver, ui_url):
    from selenium.webdriver.common.by import By
    fresh_page(driver, ui_url)
    size = lambda: float(driver.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector('#question')).fontSize)"))
    assert size() < 20
    driver.find_element(By.ID, "elder").click()
    assert size() >= 20
    driver.refresh()
    wait_for(driver, lambda d: size() >= 20, "长辈模式 not remembered")
    ask(driver, "社保卡丢了怎么补办？")
    shot(driver, "4-citizen-elder-mode")
    driver.find_element(By.ID, "elder").click()
    assert size() < 20


def test_typed_markup_stays_text(driver, ui_url):
    from selenium.webdriver.common.by import By
    fresh_page(driver, ui_url)
    ask(driver, "<img src=x onerror=window.__xss=1><b>灵活就业</b>怎么参保？")
    assert driver.execute_script("return window.__xss") is None
    assert driver.find_elements(By.CSS_SELECTOR, "#log img, #log b, #log script") == []
    assert "<b>灵活就业</b>" in driver.find_elements(By.CSS_SELECTOR, ".q")[-1].text


def test_self_check_form(driver, ui_url):
    from selenium.webdriver.common.by import By
    fresh_page(driver, ui_url)
    driver.find_element(By.ID, "tab-check").click()
    driver.find_element(By.NAME, "years").send_keys("20")          # age left blank: unknown
    driver.find_element(By.CSS_SELECTOR, "#check button[type=submit]").click()
    wait_for(driver, lambda d: "还需要了解" in d.find_element(By.ID, "verdicts").text, "no verdicts")
    shot(driver, "5-citizen-self-check")


# -- the clerk ----------------------------------------------------------------------------------
def staff_login(driver, url: str) -> None:
    from selenium.webdriver.common.by import By
    driver.get(url + "/staff/")
    shown = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "input[type=password], #lookup-query textarea"),
                     "neither the login form nor the console")
    if shown[0].tag_name == "textarea":
        return                                                     # still logged in from the other size
    driver.find_element(By.CSS_SELECTOR, "input[type=text]").send_keys(STAFF[0])
    driver.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(STAFF[1])
    driver.find_element(By.CSS_SELECTOR, "button").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#lookup-query textarea"), "console not shown")


def staff_tab(driver, name: str) -> None:
    from selenium.webdriver.common.by import By
    tab = wait_for(driver, lambda d: next((t for t in d.find_elements(By.CSS_SELECTOR, "[role=tab]")
                                            if t.text == name), None), f"no tab {name}")
    tab.click()


def test_clerk_finds_a_record_by_its_phone_number(driver, ui_url):
    from selenium.webdriver.common.by import By
    staff_login(driver, ui_url)
    driver.find_element(By.CSS_SELECTOR, "#lookup-query textarea").send_keys("0898-63827235")
    driver.find_element(By.ID, "lookup-go").click()
    wait_for(driver, lambda d: "劳动用工备案" in d.find_element(By.ID, "lookup-results").text, "not found by phone")
    results = driver.find_element(By.ID, "lookup-results")
    assert "县劳动保障监察大队" in results.text
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= driver.execute_script("return window.innerWidth") + 1   # cards, no sideways scrolling
    shot(driver, "6-staff-lookup")


# -- the clerk on a server of their own (publishing changes its corpus) ---------------------------
@pytest.fixture(scope="module")
def own(seed_index, tmp_path_factory):
    """(url, app state) of a second server with its own data folder, for tests that change what it serves."""
    from bot import Bot
    from ui.accounts import Accounts, hash_password
    from ui.server import AppState, serve
    state = AppState(Bot(seed_index), accounts=Accounts({STAFF[0]: hash_password(STAFF[1])}),
                     data=tmp_path_factory.mktemp("own-data"))
    server, url = serve(state)
    yield url, state
    server.should_exit = True


@pytest.fixture
def desktop(chrome):
    chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    chrome.size_name = "desktop"
    yield chrome
    chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def type_into(driver, elem_id: str, text: str) -> None:
    from selenium.webdriver.common.by import By
    box = driver.find_element(By.CSS_SELECTOR, f"#{elem_id} textarea, #{elem_id} input")
    box.clear()
    box.send_keys(text)


def pick_option(driver, elem_id: str, label: str) -> None:
    """Open a Gradio dropdown and click the option containing `label`."""
    from selenium.webdriver.common.by import By
    def option(d):
        shown = [o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.is_displayed()]
        if not shown:
            d.find_element(By.CSS_SELECTOR, f"#{elem_id} input").click()
            return None
        return next((o for o in shown if label in o.text), None)
    wait_for(driver, option, f"no option {label} in #{elem_id}").click()


def test_a_published_register_changes_the_answers_without_a_restart(desktop, own):
    from selenium.webdriver.common.by import By
    url, state = own
    driver = desktop
    from corpus.records import load_records
    from corpus.sources import RECORDS
    n_before = len(load_records(RECORDS))   # publishing merges the whole shipped corpus (a bureau's own included)
    fresh_page(driver, url)
    before = ask(driver, "平武县城乡居民养老保险参保登记在哪里办")
    assert "0816-4773001" not in before.text
    staff_login(driver, url)
    staff_tab(driver, "登记表")
    driver.find_element(By.CSS_SELECTOR, "#reg-file input[type=file]").send_keys(str(FIX / "shared" / "fmt_pingwu.xlsx"))
    for elem, text in (("reg-slug", "pingwu"), ("reg-bureau", "平武县人力资源和社会保障局"), ("reg-area", "0816"),
                       ("reg-province", "四川省"), ("reg-city", "绵阳市"), ("reg-county", "平武县"),
                       ("reg-places", "平武")):
        type_into(driver, elem, text)
    wait_for(driver, lambda d: "fmt_pingwu" in d.find_element(By.ID, "reg-file").text, "file not uploaded")
    driver.find_element(By.ID, "reg-preview").click()
    wait_for(driver, lambda d: "新增 3 条" in d.find_element(By.CSS_SELECTOR, "#reg-report textarea")
             .get_attribute("value"), "no preview report")
    report = driver.find_element(By.CSS_SELECTOR, "#reg-report textarea").get_attribute("value")
    assert "公开事项/二级事项 → 事项名称（title）" in report and "城乡居民养老保险参保登记" in report
    shot(driver, "7-staff-register-preview")
    driver.find_element(By.ID, "reg-publish").click()
    wait_for(driver, lambda d: "已发布" in d.find_element(By.ID, "reg-status").text, "not published")
    assert len(state.bot.index.records) == n_before + 3     # 平武's three services
    fresh_page(driver, url)
    after = ask(driver, "平武县城乡居民养老保险参保登记在哪里办")
    assert "乡镇人民政府" in after.text and "0816-4773001" in after.text
    assert not (Path(__file__).resolve().parents[1] / "corpus" / "raw" / "pingwu.xlsx").exists()  # data folder only


def test_a_reviewed_unhelpful_answer_becomes_a_dev_set_case(desktop, own):
    from selenium.webdriver.common.by import By
    from eval.feedback import candidates
    url, state = own
    driver = desktop
    fresh_page(driver, url)
    answer = ask(driver, "社保卡掉了去哪补")
    next(b for b in answer.find_elements(By.CSS_SELECTOR, ".rate button") if b.text == "没帮助").click()
    wait_for(driver, lambda d: "已记录" in answer.text, "rating not stored")
    staff_login(driver, url)
    staff_tab(driver, "市民反馈")
    driver.find_element(By.ID, "fb-refresh").click()
    wait_for(driver, lambda d: "待处理 1 条" in d.find_element(By.ID, "fb-status").text, "no pending feedback")
    pick_option(driver, "fb-pick", "社保卡掉了")
    wait_for(driver, lambda d: "社保卡掉了去哪补" in d.find_element(By.ID, "fb-answer").text, "question not shown")
    pick_option(driver, "fb-gold", "社保卡办理")
    driver.find_element(By.ID, "fb-save").click()
    wait_for(driver, lambda d: "已保存" in d.find_element(By.ID, "fb-status").text, "not saved")
    shot(driver, "8-staff-feedback")
    (case,) = [c for c in candidates(state.store.path) if c["question"] == "社保卡掉了去哪补"]
    assert case["reviewed"] and len(case["gold"]) == 1
    assert state.bot.index.get(case["gold"][0]).title.startswith("社保卡")
    staff_tab(driver, "概览")
    driver.find_element(By.ID, "ov-refresh").click()
    wait_for(driver, lambda d: "没帮助 1" in d.find_element(By.ID, "ov-summary").text, "no overview")
    shot(driver, "9-staff-overview")
