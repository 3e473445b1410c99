"""The real server driven by Debian's chromium through selenium, as a citizen and a clerk would use it.

Screenshots go to eval/reports/screens/ (git-ignored). The driver path is given explicitly, so selenium's
driver manager never runs and nothing is downloaded.
"""

import tempfile
from pathlib import Path

import pytest


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENS = Path(__file__).resolve().parents[1] / "eval" / "reports" / "screens"
WAIT_S = 30

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's chromium is not installed (apt-get install -y chromium chromium-driver)"),
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),
]


@pytest.fixture(scope="module")
def url(ui_url):
    return ui_url


@pytest.fixture(scope="module")
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="shebao-chromium-") as profile:
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", f"--user-data-dir={profile}", "--window-size=1280,1400", "--lang=zh-CN"):
            options.add_argument(arg)
        d = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield d
        finally:
            d.quit()


def shot(driver, name: str) -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def wait_for(driver, condition, message: str):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, WAIT_S).until(condition, message)


def text_of(driver, css: str) -> str:
    from selenium.webdriver.common.by import By
    return "".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, css))


def ask(driver, question: str, expect: str) -> str:
    from selenium.webdriver.common.by import By
    box = wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#question textarea"), "no question box")
    box.clear()
    box.send_keys(question)
    driver.find_element(By.CSS_SELECTOR, "#send").click()
    wait_for(driver, lambda d: expect in text_of(d, "#chat"), f"no reply containing {expect!r}")
    return text_of(driver, "#chat")


def show_last_question(driver) -> None:
    """Scroll the chat so the last question (and the start of its answer) is in view, for the screenshot."""
    from selenium.webdriver.common.by import By
    rows = driver.find_elements(By.CSS_SELECTOR, "#chat .user-row")
    if rows:
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", rows[-1])


def open_tab(driver, name: str) -> None:
    from selenium.webdriver.common.by import By
    tab = wait_for(driver, lambda d: next((t for t in d.find_elements(By.CSS_SELECTOR, "[role=tab]")
                                            if t.text == name), None), f"no tab {name}")
    tab.click()


def dropdown_option(driver, css: str, label: str):
    """The open dropdown's option containing `label`; opens the dropdown first if its list is not showing."""
    from selenium.webdriver.common.by import By
    options = [o for o in driver.find_elements(By.CSS_SELECTOR, f"{css} [role=option]") if o.is_displayed()]
    if not options:
        driver.find_element(By.CSS_SELECTOR, f"{css} input").click()
        return None
    return next((o for o in options if label in o.text), None)


def test_citizen_asks_and_gets_office_and_phone(driver, url):
    from selenium.webdriver.common.by import By
    driver.get(url)
    chat = ask(driver, "灵活就业怎么参保？", "0898-88841728")
    assert "三亚市崖州区人力资源和社会保障管理中心" in chat
    links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#chat a")]
    assert "tel:089888841728" in links                    # tap-to-call
    show_last_question(driver)
    shot(driver, "1-chat-answer")


def test_typed_markup_stays_text(driver, url):
    from selenium.webdriver.common.by import By
    driver.get(url)
    ask(driver, "<script>window.__xss=1</script><b>灵活就业</b>怎么参保？", "0898-88841728")
    assert driver.execute_script("return window.__xss") is None
    assert driver.find_elements(By.CSS_SELECTOR, "#chat script, #chat .message b") == []
    assert "<b>灵活就业</b>" in text_of(driver, "#chat")    # shown literally, as typed
    show_last_question(driver)
    shot(driver, "2-chat-markup-as-text")


def test_clerk_filters_to_dingan_and_finds_labour_filing(driver, url):
    from selenium.webdriver.common.by import By
    driver.get(url)
    open_tab(driver, "窗口查询")
    wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#lookup-source input"), "no bureau filter")
    option = wait_for(driver, lambda d: dropdown_option(d, "#lookup-source", "定安"), "no 定安 option")
    option.click()
    wait_for(driver, lambda d: "定安" in d.find_element(By.CSS_SELECTOR, "#lookup-source input").get_attribute("value"),
             "定安 not selected")
    driver.find_element(By.CSS_SELECTOR, "#lookup-query textarea").send_keys("劳动用工备案")
    driver.find_element(By.CSS_SELECTOR, "#lookup-go").click()
    wait_for(driver, lambda d: "dingan-service-7" in text_of(d, "#lookup-table"), "no result row")
    table = text_of(driver, "#lookup-table")
    assert "劳动用工备案" in table and "县劳动保障监察大队" in table and "0898-63827235" in table
    wait_for(driver, lambda d: "corpus/raw/dingan.txt" in text_of(d, "#record"), "no full record")
    copy = driver.find_element(By.CSS_SELECTOR, "#to-copy textarea").get_attribute("value")
    assert copy.startswith("您好！劳动用工备案") and "0898-63827235" in copy
    shot(driver, "3-staff-lookup")


def test_self_check_shows_verdicts(driver, url):
    from selenium.webdriver.common.by import By
    driver.get(url)
    open_tab(driver, "资格自测")
    inputs = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "input[type=number]") or None, "no form")
    inputs[0].send_keys("60")
    inputs[1].send_keys("12")
    next(b for b in driver.find_elements(By.TAG_NAME, "button") if b.text == "开始自测").click()
    wait_for(driver, lambda d: "不符合条件" in text_of(d, "#verdicts"), "no verdicts")
    assert "补缴不足的3年" in text_of(driver, "#verdicts")
    shot(driver, "4-self-check")
